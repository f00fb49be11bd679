#!/usr/bin/env node
// The allocator process: flags, logging, health/metrics, leader election, and the controller.
// Only the leader writes; other replicas keep their caches warm and take over when the lease moves.
import { hostname } from 'node:os';
import { Counter, Gauge, Histogram } from 'prom-client';
import { Components, DEFAULT_LOAD_BALANCER_CLASS, DEFAULT_NAMESPACE } from '@purelb/crds';
import {
  EventRecorder,
  KubeClient,
  LeaderElector,
  createLogger,
  defineConfig,
  loadKubeConfig,
  startHealthServer,
  createMetricsRegistry,
} from '@purelb/shared';
import { AllocatorController } from './controller/controller.js';

export const allocatorConfig = defineConfig({
  name: 'allocator',
  description: 'purelb-ts allocator: assigns addresses to LoadBalancer Services from ServiceGroup pools.',
  options: {
    kubeconfig: { type: 'string', describe: 'kubeconfig file (default: in-cluster, then KUBECONFIG, then ~/.kube/config)' },
    namespace: { type: 'string', default: DEFAULT_NAMESPACE, describe: 'namespace of the ServiceGroups and of the leader Lease' },
    lbClassName: { type: 'string', default: DEFAULT_LOAD_BALANCER_CLASS, describe: 'spec.loadBalancerClass handled besides unset' },
    lbClassOnly: { type: 'boolean', default: false, describe: 'ignore Services without a loadBalancerClass' },
    reclaimOrphans: { type: 'boolean', default: false, describe: 're-allocate addresses a ServiceGroup edit orphaned' },
    leaderElect: { type: 'boolean', default: true, describe: 'elect a leader on a Lease (run two or more replicas)' },
    leaseName: { type: 'string', default: 'purelb-allocator', describe: 'name of the leader election Lease' },
    leaseDuration: { type: 'duration', default: '15s', min: 1000, describe: 'leader Lease duration' },
    renewDeadline: { type: 'duration', default: '10s', min: 500, describe: 'how long the leader retries renewing before it steps down' },
    retryPeriod: { type: 'duration', default: '2s', min: 100, describe: 'interval of Lease acquire/renew attempts' },
    identity: { type: 'string', describe: 'leader election identity (default: POD_NAME, else hostname and pid)' },
    healthPort: { type: 'number', default: 7472, integer: true, min: 0, max: 65535, describe: 'port of /metrics, /healthz and /readyz (0 picks one)' },
    healthHost: { type: 'string', default: '0.0.0.0', describe: 'listen address of the health/metrics server' },
    workers: { type: 'number', default: 4, integer: true, min: 1, max: 64, describe: 'concurrent reconciles' },
    logLevel: { type: 'enum', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', describe: 'log level' },
  },
});

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const config = allocatorConfig.parse(argv);
  const logger = createLogger({ component: Components.allocator, level: config.logLevel });
  const { kubeConfig } = loadKubeConfig({ kubeconfig: config.kubeconfig });
  const client = new KubeClient(kubeConfig, { userAgent: 'purelb-allocator' });
  const identity = config.identity ?? process.env.POD_NAME ?? `${hostname()}-${process.pid}`;

  const registry = createMetricsRegistry();
  const allocations = new Counter({ name: 'purelb_allocator_allocations_total', help: 'Allocation outcomes by reason', labelNames: ['outcome', 'reason'], registers: [registry] });
  const reconcileSeconds = new Histogram({ name: 'purelb_allocator_reconcile_seconds', help: 'Duration of Service reconciles', registers: [registry] });
  const poolGauge = new Gauge({ name: 'purelb_allocator_pool_addresses', help: 'Pool addresses by group, family and state', labelNames: ['group', 'family', 'state'], registers: [registry] });
  const leaderGauge = new Gauge({ name: 'purelb_allocator_is_leader', help: '1 while this replica leads', registers: [registry] });

  const controller = new AllocatorController({
    client,
    logger,
    namespace: config.namespace,
    lbClassName: config.lbClassName,
    lbClassOnly: config.lbClassOnly,
    reclaimOrphans: config.reclaimOrphans,
    workers: config.workers,
    recorder: new EventRecorder({ client, component: Components.allocator, reportingInstance: identity, logger }),
    metrics: {
      allocations: (outcome, reason) => allocations.inc({ outcome, reason }),
      reconcileSeconds: (s) => reconcileSeconds.observe(s),
      poolStats: (ipam) => {
        for (const g of ipam.stats()) {
          for (const family of ['IPv4', 'IPv6'] as const) {
            poolGauge.set({ group: g.name, family, state: 'size' }, Number(g[family].size));
            poolGauge.set({ group: g.name, family, state: 'used' }, g[family].used);
            poolGauge.set({ group: g.name, family, state: 'available' }, Number(g[family].available));
          }
        }
      },
    },
  });

  const health = await startHealthServer({
    port: config.healthPort,
    host: config.healthHost,
    registry,
    logger,
    // A standby replica is ready (its caches are warm); the leader once allocations are rebuilt.
    readiness: { caches: () => controller.services.hasSynced() && controller.groups.hasSynced() },
  });
  logger.info({ port: health.port, identity }, 'allocator starting');
  controller.startInformers();

  const electorRef: { current?: LeaderElector } = {};
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await electorRef.current?.stop({ release: true });
    await controller.stop();
    await health.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const lead = (signal: AbortSignal) => {
    leaderGauge.set(1);
    controller.run(signal).catch((err: unknown) => {
      logger.fatal({ err }, 'controller failed');
      process.exit(1);
    });
  };
  if (!config.leaderElect) {
    lead(new AbortController().signal);
    return;
  }
  electorRef.current = new LeaderElector({
    client,
    namespace: config.namespace,
    name: config.leaseName,
    identity,
    leaseDurationMs: config.leaseDuration,
    renewDeadlineMs: config.renewDeadline,
    retryPeriodMs: config.retryPeriod,
    logger,
    onStartedLeading: lead,
    onStoppedLeading: () => {
      // Writes from a replica that lost the lease could race the new leader's: stop at once and let
      // the Deployment restart us as a standby.
      leaderGauge.set(0);
      logger.warn('lost leadership; exiting');
      process.exit(1);
    },
  }).start();
}

main().catch((err: unknown) => {
  process.stderr.write(`allocator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
