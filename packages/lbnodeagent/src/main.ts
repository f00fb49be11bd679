#!/usr/bin/env node
// The node agent process (DaemonSet, host network): flags, logging, health/metrics, the agent.
import { Counter, Gauge, Histogram } from 'prom-client';
import { Components, DEFAULT_NAMESPACE } from '@purelb/crds';
import { EventRecorder, KubeClient, createLogger, createMetricsRegistry, defineConfig, loadKubeConfig, startHealthServer } from '@purelb/shared';
import { NodeAgent } from './agent/agent.js';
import { IpNetlink } from './netlink/ip.js';

export const agentConfig = defineConfig({
  name: 'lbnodeagent',
  description: 'purelb-ts node agent: makes this node answer for the addresses the allocator assigned.',
  options: {
    nodeName: { type: 'string', required: true, describe: 'name of this node (the Node object); usually from the downward API' },
    kubeconfig: { type: 'string', describe: 'kubeconfig file (default: in-cluster, then KUBECONFIG, then ~/.kube/config)' },
    namespace: { type: 'string', default: DEFAULT_NAMESPACE, describe: 'namespace of ServiceGroups, LBNodeAgents and membership Leases' },
    leaseDuration: { type: 'duration', default: '10s', min: 1000, describe: 'membership Lease duration: a node silent this long is dead' },
    driftInterval: { type: 'duration', default: '10s', min: 100, describe: 'interval of drift repair (re-read the kernel and converge)' },
    healthPort: { type: 'number', default: 7473, integer: true, min: 0, max: 65535, describe: 'port of /metrics, /healthz and /readyz (0 picks one)' },
    healthHost: { type: 'string', default: '0.0.0.0', describe: 'listen address of the health/metrics server' },
    logLevel: { type: 'enum', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', describe: 'log level' },
  },
});

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const config = agentConfig.parse(argv);
  const logger = createLogger({ component: Components.lbnodeagent, node: config.nodeName, level: config.logLevel });
  const { kubeConfig } = loadKubeConfig({ kubeconfig: config.kubeconfig });
  const client = new KubeClient(kubeConfig, { userAgent: 'purelb-lbnodeagent' });

  const registry = createMetricsRegistry();
  const announced = new Gauge({ name: 'purelb_lbnodeagent_announced_addresses', help: 'Addresses this node holds, by kind', labelNames: ['kind'], registers: [registry] });
  const garp = new Counter({ name: 'purelb_lbnodeagent_garp_sent_total', help: 'Gratuitous ARP / unsolicited NA bursts sent', labelNames: ['family'], registers: [registry] });
  const members = new Gauge({ name: 'purelb_lbnodeagent_members', help: 'Live agents in the membership', registers: [registry] });
  const reconcile = new Histogram({ name: 'purelb_lbnodeagent_reconcile_seconds', help: 'Duration of reconciles', registers: [registry] });
  const leaseHealthy = new Gauge({ name: 'purelb_lbnodeagent_lease_healthy', help: '1 while this node\'s membership Lease is current', registers: [registry] });

  const agent = new NodeAgent({
    client,
    netlink: new IpNetlink(),
    nodeName: config.nodeName,
    namespace: config.namespace,
    logger,
    leaseDurationSeconds: Math.ceil(config.leaseDuration / 1000),
    driftIntervalMs: config.driftInterval,
    recorder: new EventRecorder({ client, component: Components.lbnodeagent, host: config.nodeName, logger }),
    metrics: {
      announced: (kind, n) => announced.set({ kind }, n),
      garpSent: (family) => garp.inc({ family }),
      members: (n) => members.set(n),
      reconcileSeconds: (s) => {
        reconcile.observe(s);
        leaseHealthy.set(agent.membership.healthy() ? 1 : 0);
      },
    },
  });
  const health = await startHealthServer({
    port: config.healthPort,
    host: config.healthHost,
    registry,
    logger,
    readiness: { synced: () => agent.isReady(), lease: () => agent.membership.healthy() || 'membership lease not current' },
  });
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'withdrawing and leaving');
    try {
      await agent.shutdown();
    } finally {
      await health.close();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await agent.start();
  logger.info({ port: health.port }, 'lbnodeagent running');
}

main().catch((err: unknown) => {
  process.stderr.write(`lbnodeagent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
