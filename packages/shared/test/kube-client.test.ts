import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestKube, type TestKube } from '@purelb/testkube';
import { KubeApiError, KubeClient, Resources, isAlreadyExists, isConflict, isGone, isNotFound, loadKubeConfig, objectKey, resourcePath, splitObjectKey, type KubeObject } from '../src/index.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}
interface Service extends KubeObject {
  spec?: Record<string, unknown>;
  status?: { loadBalancer?: { ingress?: { ip: string }[] } };
}

let kube: TestKube;
let client: KubeClient;
const ns = 'default';

beforeAll(async () => {
  kube = await startTestKube();
  client = new KubeClient(kube.kubeConfig, { userAgent: 'purelb-test' });
});
afterAll(async () => {
  await kube.stop();
});

describe('loadKubeConfig', () => {
  it('takes --kubeconfig first, then KUBECONFIG', () => {
    const fromFlag = loadKubeConfig({ kubeconfig: kube.kubeconfigPath, env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
    expect(fromFlag.source).toBe('flag');
    expect(fromFlag.kubeConfig.getCurrentCluster()?.server).toBe(kube.url);
    const fromEnv = loadKubeConfig({ env: { KUBECONFIG: kube.kubeconfigPath } });
    expect(fromEnv.source).toBe('env');
    expect(fromEnv.kubeConfig.getCurrentCluster()?.server).toBe(kube.url);
  });

  it('fails on a missing file', () => {
    expect(() => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' })).toThrow();
  });
});

describe('paths and keys', () => {
  it('builds core, group, namespaced and subresource paths', () => {
    expect(resourcePath(Resources.services, 'a', 'web', 'status')).toBe('/api/v1/namespaces/a/services/web/status');
    expect(resourcePath(Resources.services)).toBe('/api/v1/services');
    expect(resourcePath(Resources.nodes, 'ignored', 'n1')).toBe('/api/v1/nodes/n1');
    expect(resourcePath(Resources.leases, 'kube-system')).toBe('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
    expect(objectKey({ metadata: { namespace: 'a', name: 'b' } })).toBe('a/b');
    expect(objectKey({ metadata: { name: 'n1' } })).toBe('n1');
    expect(splitObjectKey('a/b')).toEqual({ namespace: 'a', name: 'b' });
    expect(splitObjectKey('n1')).toEqual({ name: 'n1' });
  });
});

describe('KubeClient against testkube', () => {
  it('creates, gets, updates with optimistic concurrency and deletes', async () => {
    const created = await client.create<ConfigMap>(Resources.configMaps, { metadata: { name: 'cm1', namespace: ns }, data: { a: '1' } });
    expect(created.kind).toBe('ConfigMap');
    expect(created.metadata?.resourceVersion).toBeTruthy();
    const dup = await client.create<ConfigMap>(Resources.configMaps, { metadata: { name: 'cm1', namespace: ns } }).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(KubeApiError);
    expect(isAlreadyExists(dup)).toBe(true);
    expect((dup as KubeApiError).statusCode).toBe(409);

    const got = await client.get<ConfigMap>(Resources.configMaps, 'cm1', ns);
    expect(got.data).toEqual({ a: '1' });
    const updated = await client.update<ConfigMap>(Resources.configMaps, { ...got, data: { a: '2' } });
    expect(updated.data).toEqual({ a: '2' });
    // The old resourceVersion is stale now.
    const stale = await client.update<ConfigMap>(Resources.configMaps, { ...got, data: { a: '3' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((stale as KubeApiError).reason).toBe('Conflict');

    await client.delete(Resources.configMaps, 'cm1', ns);
    const gone = await client.get(Resources.configMaps, 'cm1', ns).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
    expect((gone as KubeApiError).reason).toBe('NotFound');
    expect((gone as KubeApiError).message).toContain('cm1');
  });

  it('sends merge patch, JSON patch and server-side apply with their content types', async () => {
    await client.create<ConfigMap>(Resources.configMaps, { metadata: { name: 'cm2', namespace: ns, labels: { x: 'y' } }, data: { a: '1', b: '2' } });
    const merged = await client.patchMerge<ConfigMap>(Resources.configMaps, 'cm2', ns, { data: { a: null, c: '3' } });
    expect(merged.data).toEqual({ b: '2', c: '3' });

    const patched = await client.patchJson<ConfigMap>(Resources.configMaps, 'cm2', ns, [
      { op: 'test', path: '/metadata/resourceVersion', value: merged.metadata?.resourceVersion },
      { op: 'add', path: '/data/d', value: '4' },
    ]);
    expect(patched.data).toEqual({ b: '2', c: '3', d: '4' });
    const failedTest = await client
      .patchJson(Resources.configMaps, 'cm2', ns, [{ op: 'test', path: '/metadata/resourceVersion', value: merged.metadata?.resourceVersion }])
      .catch((e: unknown) => e);
    expect(failedTest).toBeInstanceOf(KubeApiError);

    const applied = await client.applyServerSide<ConfigMap>(Resources.configMaps, { metadata: { name: 'cm3', namespace: ns }, data: { e: '5' } }, 'purelb-test');
    expect(applied.data).toEqual({ e: '5' });
    const managers = ((applied.metadata?.managedFields ?? []) as { manager?: string }[]).map((m) => m.manager);
    expect(managers).toContain('purelb-test');
  });

  it('patches /status and leaves the spec alone', async () => {
    await client.create<Service>(Resources.services, { metadata: { name: 'web', namespace: ns }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    const out = await client.patchStatus<Service>(Resources.services, 'web', ns, { status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } });
    expect(out.status?.loadBalancer?.ingress).toEqual([{ ip: '192.0.2.10' }]);
    // Spec changes through /status are ignored by the API server.
    const again = await client.patchStatus<Service>(Resources.services, 'web', ns, { spec: { type: 'ClusterIP' } });
    expect(again.spec?.type).toBe('LoadBalancer');
  });

  it('lists in pages and across namespaces', async () => {
    for (let i = 0; i < 7; i++) await client.create(Resources.configMaps, { metadata: { name: `page-${i}`, namespace: ns, labels: { page: 'yes' } } });
    const first = await client.list<ConfigMap>(Resources.configMaps, { namespace: ns, labelSelector: 'page=yes', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.metadata.continue).toBeTruthy();
    const all = await client.listAll<ConfigMap>(Resources.configMaps, { labelSelector: 'page=yes', pageSize: 2 });
    expect(all.items.map((c) => c.metadata?.name).sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
    expect(all.metadata.resourceVersion).toBeTruthy();
  });

  it('watches from a resourceVersion and reports 410 after compaction', async () => {
    const list = await client.list<ConfigMap>(Resources.configMaps, { namespace: ns });
    const rv = list.metadata.resourceVersion;
    const seen: string[] = [];
    const controller = new AbortController();
    const done = client.watch<ConfigMap>(Resources.configMaps, { namespace: ns, resourceVersion: rv, signal: controller.signal }, (type, obj) => {
      seen.push(`${type} ${obj.metadata?.name}`);
      if (seen.length === 2) controller.abort();
    });
    await client.create(Resources.configMaps, { metadata: { name: 'w1', namespace: ns } });
    await client.delete(Resources.configMaps, 'w1', ns);
    await done;
    expect(seen).toEqual(['ADDED w1', 'DELETED w1']);

    await client.create(Resources.configMaps, { metadata: { name: 'w2', namespace: ns } });
    kube.faults.compact();
    const err = await client.watch(Resources.configMaps, { namespace: ns, resourceVersion: rv }, () => undefined).catch((e: unknown) => e);
    expect(isGone(err)).toBe(true);
  });

  it('turns injected 500s and network failures into KubeApiError', async () => {
    kube.faults.failNextWrites(1, 500);
    const err = await client.create(Resources.configMaps, { metadata: { name: 'x500', namespace: ns } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).statusCode).toBe(500);

    kube.faults.setLatency(300);
    const slow = new KubeClient(kube.kubeConfig, { timeoutMs: 50 });
    const timeout = await slow.get(Resources.namespaces, 'default').catch((e: unknown) => e);
    kube.faults.reset();
    expect(timeout).toBeInstanceOf(KubeApiError);
    expect((timeout as KubeApiError).statusCode).toBe(0);
    expect((timeout as KubeApiError).reason).toBe('Timeout');
  });
});
