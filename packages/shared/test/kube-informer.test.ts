import { afterEach, describe, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestKube, type TestKube } from '@purelb/testkube';
import { Informer, KubeClient, Resources, endpointSlicesByService, objectKey, type KubeObject } from '../src/index.js';
import { startFreezingProxy, type FreezingProxy } from './support/freezing-proxy.js';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function start(options: Parameters<typeof startTestKube>[0] = {}): Promise<{ kube: TestKube; client: KubeClient }> {
  const kube = await startTestKube(options);
  cleanups.push(() => kube.stop());
  return { kube, client: new KubeClient(kube.kubeConfig) };
}

function track<T extends KubeObject>(informer: Informer<T>): Informer<T> {
  cleanups.push(() => informer.stop());
  return informer.start();
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create(Resources.namespaces, { metadata: { name } });
}

/** Content of the cache as name → data, for comparison with the server. */
function snapshot(objects: ConfigMap[]): Record<string, string> {
  return Object.fromEntries(objects.map((o) => [objectKey(o), `${o.metadata?.resourceVersion}:${JSON.stringify(o.data ?? {})}`]).sort());
}

describe('Informer', () => {
  it('lists in pages, watches, and hands old and new objects to handlers', async () => {
    const { client } = await start();
    await ensureNamespace(client, 'inf');
    for (let i = 0; i < 5; i++) await client.create(Resources.configMaps, { metadata: { name: `pre-${i}`, namespace: 'inf' }, data: { v: '0' } });

    const informer = new Informer<ConfigMap>({ client, resource: Resources.configMaps, namespace: 'inf', pageSize: 2 });
    const calls: string[] = [];
    informer.addHandler({
      onAdd: (o) => calls.push(`add ${o.metadata?.name} ${o.data?.v}`),
      onUpdate: (old, cur) => calls.push(`update ${cur.metadata?.name} ${old.data?.v}->${cur.data?.v}`),
      onDelete: (old) => calls.push(`delete ${old.metadata?.name} ${old.data?.v}`),
    });
    track(informer);
    await informer.synced;
    expect(informer.hasSynced()).toBe(true);
    expect(informer.list()).toHaveLength(5);
    expect(calls.filter((c) => c.startsWith('add pre-'))).toHaveLength(5);

    calls.length = 0;
    await client.create(Resources.configMaps, { metadata: { name: 'x', namespace: 'inf' }, data: { v: '1' } });
    await client.patchMerge(Resources.configMaps, 'x', 'inf', { data: { v: '2' } });
    await client.delete(Resources.configMaps, 'x', 'inf');
    await eventually(() => calls.length === 3, 5000, 'three events');
    expect(calls).toEqual(['add x 1', 'update x 1->2', 'delete x 2']);
    expect(informer.get('inf/x')).toBeUndefined();
    expect(informer.get('inf/pre-3')?.data).toEqual({ v: '0' });

    // A handler added after the sync first sees every cached object.
    const late: string[] = [];
    const remove = informer.addHandler({ onAdd: (o) => late.push(o.metadata?.name ?? '') });
    expect(late.sort()).toEqual(['pre-0', 'pre-1', 'pre-2', 'pre-3', 'pre-4']);
    remove();
  });

  it('keeps an index of EndpointSlices by service name', async () => {
    const { client } = await start();
    const informer = track(new Informer<KubeObject>({ client, resource: Resources.endpointSlices, indexers: { service: endpointSlicesByService } }));
    await informer.synced;
    const slice = (name: string, service: string): KubeObject & Record<string, unknown> => ({
      metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      endpoints: [],
    });
    await client.create(Resources.endpointSlices, slice('web-a', 'web'));
    await client.create(Resources.endpointSlices, slice('web-b', 'web'));
    await client.create(Resources.endpointSlices, slice('db-a', 'db'));
    await eventually(() => informer.list().length === 3);
    const names = (service: string): string[] => informer.byIndex('service', service).map((s) => s.metadata?.name ?? '').sort();
    expect(names('default/web')).toEqual(['web-a', 'web-b']);
    expect(names('default/db')).toEqual(['db-a']);

    await client.patchMerge(Resources.endpointSlices, 'web-b', 'default', { metadata: { labels: { 'kubernetes.io/service-name': 'db' } } });
    await client.delete(Resources.endpointSlices, 'web-a', 'default');
    await eventually(() => informer.list().length === 2 && names('default/db').length === 2);
    expect(names('default/web')).toEqual([]);
    expect(names('default/db')).toEqual(['db-a', 'web-b']);
    expect(() => informer.byIndex('nope', 'x')).toThrow(/no index "nope"/);
  });

  it('relists after 410 Expired and reports deletions it missed', async () => {
    const { kube, client } = await start();
    await ensureNamespace(client, 'gone');
    await client.create(Resources.configMaps, { metadata: { name: 'keep', namespace: 'gone' } });
    await client.create(Resources.configMaps, { metadata: { name: 'drop', namespace: 'gone' } });
    const informer = track(new Informer<ConfigMap>({ client, resource: Resources.configMaps, namespace: 'gone', backoff: { initialMs: 20, maxMs: 200 } }));
    const deleted: string[] = [];
    informer.addHandler({ onDelete: (o) => deleted.push(o.metadata?.name ?? '') });
    await informer.synced;
    // Once this arrives, the watch is open.
    await client.create(Resources.configMaps, { metadata: { name: 'sentinel', namespace: 'gone' } });
    await eventually(() => informer.get('gone/sentinel') !== undefined, 5000, 'the watch');

    // The watch is dropped, objects change, and history is compacted at the first change, before the
    // re-opened watch (held back by the latency) reaches the server: it is answered with 410, and the
    // informer must relist.
    kube.faults.setLatency(200);
    const unsubscribe = kube.server.store.subscribe(() => {
      unsubscribe();
      queueMicrotask(() => kube.faults.compact());
    });
    expect(kube.faults.closeWatches()).toBeGreaterThan(0);
    await Promise.all([
      client.delete(Resources.configMaps, 'drop', 'gone'),
      client.create(Resources.configMaps, { metadata: { name: 'new', namespace: 'gone' } }),
    ]);
    await eventually(() => informer.stats().expired > 0, 10_000, 'a 410');
    kube.faults.reset();
    await eventually(() => informer.keys().sort().join() === 'gone/keep,gone/new,gone/sentinel', 10_000, 'relisted cache');
    expect(deleted).toEqual(['drop']);
    expect(informer.stats().lists).toBeGreaterThanOrEqual(2);
  });

  it('retries a failing list with backoff until it syncs', async () => {
    const { kube } = await start();
    kube.faults.setLatency(200);
    // Every request times out while the latency lasts.
    const impatient = new KubeClient(kube.kubeConfig, { timeoutMs: 50 });
    const informer = track(new Informer<ConfigMap>({ client: impatient, resource: Resources.configMaps, namespace: 'default', backoff: { initialMs: 10, maxMs: 100 } }));
    await eventually(() => informer.stats().errors >= 3, 10_000, 'three failed lists');
    expect(informer.hasSynced()).toBe(false);
    expect(informer.stats().lastError).toMatch(/no answer within 50 ms/);
    kube.faults.reset();
    await informer.synced;
    expect(informer.stats().lists).toBe(1);
  });

  it('restarts a hung watch through the idle watchdog', async () => {
    const { kube, client } = await start({ bookmarkIntervalMs: 100 });
    const proxy: FreezingProxy = await startFreezingProxy(new URL(kube.url));
    cleanups.push(() => proxy.close());
    const viaProxy = new KubeConfig();
    viaProxy.loadFromString(kube.kubeconfigYaml.replace(kube.url, proxy.url));
    const informer = track(
      new Informer<ConfigMap>({ client: new KubeClient(viaProxy), resource: Resources.configMaps, namespace: 'default', idleTimeoutMs: 600, backoff: { initialMs: 20, maxMs: 200 } }),
    );
    await informer.synced;
    // Bookmarks keep a healthy watch alive well past the idle timeout.
    await new Promise((r) => setTimeout(r, 900));
    expect(informer.stats().idleRestarts).toBe(0);

    expect(proxy.freeze()).toBeGreaterThan(0);
    await client.create(Resources.configMaps, { metadata: { name: 'after-freeze', namespace: 'default' }, data: { a: 'b' } });
    await eventually(() => informer.get('default/after-freeze') !== undefined, 10_000, 'the object behind the frozen watch');
    expect(informer.stats().idleRestarts).toBeGreaterThanOrEqual(1);
  });

  it('converges to the true state under dropped watches, compaction, 500s and latency', async () => {
    const { kube, client } = await start({ bookmarkIntervalMs: 200 });
    await ensureNamespace(client, 'chaos');
    const informer = track(
      new Informer<ConfigMap>({ client, resource: Resources.configMaps, namespace: 'chaos', pageSize: 7, idleTimeoutMs: 2000, backoff: { initialMs: 10, maxMs: 300 } }),
    );
    // A mirror built only from handler calls must end equal to the cache: handlers miss nothing.
    const mirror = new Map<string, ConfigMap>();
    const handlerErrors: string[] = [];
    informer.addHandler({
      onAdd: (o) => {
        if (mirror.has(objectKey(o))) handlerErrors.push(`add of known ${objectKey(o)}`);
        mirror.set(objectKey(o), o);
      },
      onUpdate: (old, cur) => {
        if (mirror.get(objectKey(cur)) !== old) handlerErrors.push(`update of ${objectKey(cur)} with a stale old object`);
        mirror.set(objectKey(cur), cur);
      },
      onDelete: (old) => {
        if (mirror.get(objectKey(old)) !== old) handlerErrors.push(`delete of ${objectKey(old)} with a stale old object`);
        mirror.delete(objectKey(old));
      },
    });
    await informer.synced;

    // Drop the watch and compact history at the first write after that (ours or a writer's): the
    // informer has not seen that write, so its re-opened watch, held back by the latency behind our
    // write, is answered with 410 Expired.
    const compactBehindInformer = async (): Promise<void> => {
      kube.faults.setLatency(100);
      const unsubscribe = kube.server.store.subscribe(() => {
        unsubscribe();
        queueMicrotask(() => kube.faults.compact());
      });
      kube.faults.closeWatches();
      await client.create(Resources.configMaps, { metadata: { generateName: 'marker-', namespace: 'default' } }).catch(() => undefined);
      unsubscribe();
      kube.faults.setLatency(0);
    };
    let running = true;
    const faults = (async () => {
      let tick = 0;
      while (running) {
        await new Promise((r) => setTimeout(r, 250));
        tick++;
        if (tick % 4 === 0) kube.faults.closeWatches();
        if (tick % 6 === 3) await compactBehindInformer();
        if (tick % 3 === 1) kube.faults.failNextWrites(3, 500);
        kube.faults.setLatency(tick % 5 === 2 ? 30 : 0);
      }
    })();
    let seq = 0;
    const writer = async (id: number): Promise<void> => {
      while (running) {
        const name = `cm-${Math.floor(Math.random() * 25)}`;
        const op = Math.random();
        try {
          if (op < 0.45) await client.create(Resources.configMaps, { metadata: { name, namespace: 'chaos' }, data: { v: `${id}-${seq++}` } });
          else if (op < 0.8) await client.patchMerge(Resources.configMaps, name, 'chaos', { data: { v: `${id}-${seq++}` } });
          else await client.delete(Resources.configMaps, name, 'chaos');
        } catch {
          // 404, 409 and injected 500s are expected
        }
      }
    };
    const writers = Promise.all([writer(1), writer(2), writer(3)]);
    await new Promise((r) => setTimeout(r, 4000));
    running = false;
    await Promise.all([faults, writers]);
    // Should the races above never have produced a 410 (a very slow machine), force one now.
    for (let i = 0; i < 10 && informer.stats().expired === 0; i++) {
      await compactBehindInformer();
      await new Promise((r) => setTimeout(r, 200));
    }
    kube.faults.reset();

    const truth = async (): Promise<Record<string, string>> => snapshot((await client.list<ConfigMap>(Resources.configMaps, { namespace: 'chaos' })).items);
    const expected = await truth();
    await eventually(() => JSON.stringify(snapshot(informer.list())) === JSON.stringify(expected), 15_000, 'convergence');
    expect(snapshot(informer.list())).toEqual(expected);
    expect(snapshot([...mirror.values()])).toEqual(expected);
    expect(handlerErrors).toEqual([]);
    const stats = informer.stats();
    expect(stats.watches).toBeGreaterThan(5);
    expect(stats.expired).toBeGreaterThanOrEqual(1);
    expect(stats.lists).toBeGreaterThanOrEqual(2);
    expect(seq).toBeGreaterThan(20);
  });
});
