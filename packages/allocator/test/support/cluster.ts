// A testkube with the purelb CRDs, a `purelb` namespace and helpers to create Services and read
// what the allocator wrote. The controller under test runs in-process against it.
import { allCrds, type ServiceGroupSpec } from '@purelb/crds';
import { KubeClient, Resources, createLogger, type KubeObject } from '@purelb/shared';
import { startTestKube, type TestKube } from '@purelb/testkube';
import { AllocatorController, ServiceGroups } from '../../src/controller/controller.js';
import type { ControllerSettings } from '../../src/controller/service.js';

export interface TestCluster {
  kube: TestKube;
  client: KubeClient;
  stop(): Promise<void>;
}

export async function startCluster(options: { dualStack?: boolean } = {}): Promise<TestCluster> {
  const kube = await startTestKube(options.dualStack ? { config: { serviceCIDRv6: 'fd00:96::/112' } } : {});
  const client = new KubeClient(kube.kubeConfig, { userAgent: 'allocator-test' });
  for (const crd of allCrds()) await client.create({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' }, crd as unknown as KubeObject);
  await waitFor(async () => {
    try {
      await client.list(ServiceGroups, { namespace: 'purelb' });
      return true;
    } catch {
      return false;
    }
  });
  for (const ns of ['purelb', 'team-a', 'team-b']) await client.create(Resources.namespaces, { metadata: { name: ns } });
  return { kube, client, stop: () => kube.stop() };
}

export interface RunningController {
  controller: AllocatorController;
  stop(): Promise<void>;
}

export function runController(cluster: TestCluster, settings: Partial<ControllerSettings> = {}): RunningController {
  const abort = new AbortController();
  const controller = new AllocatorController({
    client: cluster.client,
    logger: createLogger({ component: 'allocator-test', level: 'silent' }),
    namespace: 'purelb',
    lbClassName: 'purelb.io/purelb',
    lbClassOnly: false,
    reclaimOrphans: false,
    ...settings,
  });
  const running = controller.run(abort.signal);
  return {
    controller,
    stop: async () => {
      abort.abort();
      await controller.stop();
      await running.catch(() => undefined);
    },
  };
}

export async function createGroup(cluster: TestCluster, name: string, spec: ServiceGroupSpec, namespace = 'purelb'): Promise<void> {
  await cluster.client.create(ServiceGroups, { apiVersion: 'purelb.io/v1', kind: 'ServiceGroup', metadata: { name, namespace }, spec } as KubeObject);
}

export interface ServiceOptions {
  namespace?: string;
  annotations?: Record<string, string>;
  ports?: Array<{ port: number; protocol?: string; name?: string }>;
  spec?: Record<string, unknown>;
}

export async function createService(cluster: TestCluster, name: string, o: ServiceOptions = {}): Promise<KubeObject> {
  const ports = (o.ports ?? [{ port: 80 }]).map((p, i) => ({ name: p.name ?? `p${i}`, protocol: p.protocol ?? 'TCP', port: p.port, targetPort: p.port }));
  return cluster.client.create(Resources.services, {
    metadata: { name, namespace: o.namespace ?? 'default', ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports, ...o.spec },
  });
}

export async function getService(cluster: TestCluster, name: string, namespace = 'default'): Promise<any> {
  return cluster.client.get(Resources.services, name, namespace);
}

export function ingressOf(svc: any): string[] {
  return (svc?.status?.loadBalancer?.ingress ?? []).map((i: { ip: string }) => i.ip);
}

/** Waits until the Service has exactly `count` ingress addresses, and returns it. */
export async function waitForIngress(cluster: TestCluster, name: string, count = 1, namespace = 'default'): Promise<any> {
  let svc: any;
  await waitFor(async () => {
    svc = await getService(cluster, name, namespace);
    return ingressOf(svc).length === count;
  });
  return svc;
}

export async function eventsFor(cluster: TestCluster, kind: string, name: string, namespace: string): Promise<Array<{ reason: string; message: string; type: string; count?: number }>> {
  const list = await cluster.client.list<any>(Resources.events, { namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason, message: e.message, type: e.type, count: e.count }));
}

export async function waitForEvent(cluster: TestCluster, kind: string, name: string, namespace: string, reason: string, message?: string | RegExp): Promise<{ reason: string; message: string; type: string }> {
  let found: { reason: string; message: string; type: string } | undefined;
  await waitFor(async () => {
    const events = await eventsFor(cluster, kind, name, namespace);
    found = events.find((e) => e.reason === reason && (message === undefined || (typeof message === 'string' ? e.message === message : message.test(e.message))));
    return found !== undefined;
  });
  return found!;
}

export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Asserts that a condition stays false for a while (e.g. a refused Service stays pending). */
export async function staysFalse(cond: () => Promise<boolean> | boolean, ms = 500): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
