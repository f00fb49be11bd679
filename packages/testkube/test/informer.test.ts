// @kubernetes/client-node's informer keeps an exact view of the cluster while testkube closes its
// watches and compacts history (410 Gone → relist), which is what every controller of ours relies on.
import { describe, it, expect, afterEach } from '@jest/globals';
import { CoreV1Api, makeInformer, type V1ConfigMap, type KubernetesObject } from '@kubernetes/client-node';
import { startTestKube, type TestKube } from '../src/index.js';

let kube: TestKube | undefined;
afterEach(async () => {
  await kube?.stop();
  kube = undefined;
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client-node informer against testkube faults', () => {
  it('sees every change across closed watches and compaction', async () => {
    kube = await startTestKube();
    const api = kube.kubeConfig.makeApiClient(CoreV1Api);
    await api.createNamespace({ body: { metadata: { name: 'inf' } } });
    const informer = makeInformer<V1ConfigMap>(kube.kubeConfig, '/api/v1/namespaces/inf/configmaps', () =>
      api.listNamespacedConfigMap({ namespace: 'inf' }),
    );
    const cache = new Map<string, string>();
    const apply = (o: KubernetesObject & { data?: Record<string, string> }) => cache.set(o.metadata!.name!, o.data?.v ?? '');
    informer.on('add', apply);
    informer.on('update', apply);
    informer.on('delete', (o) => cache.delete(o.metadata!.name!));
    let stopped = false;
    informer.on('error', () => {
      // client-node stops on errors; restarting is the caller's job (our shared informer does it).
      if (!stopped) setTimeout(() => void informer.start(), 50);
    });
    await informer.start();

    const truth = new Map<string, string>();
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) {
        const name = `cm-${i}`;
        const v = `${round}`;
        if (truth.has(name) && (round + i) % 3 === 0) {
          await api.deleteNamespacedConfigMap({ name, namespace: 'inf' });
          truth.delete(name);
        } else if (truth.has(name)) {
          await api.replaceNamespacedConfigMap({ name, namespace: 'inf', body: { metadata: { name }, data: { v } } });
          truth.set(name, v);
        } else {
          await api.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name }, data: { v } } });
          truth.set(name, v);
        }
      }
      if (round % 2 === 0) kube.faults.closeWatches();
      else kube.faults.compact();
      // Writes made while the watch is down or expired must still arrive.
      await api.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: `late-${round}` }, data: { v: 'x' } } });
      truth.set(`late-${round}`, 'x');
    }
    await until(() => JSON.stringify([...cache].sort()) === JSON.stringify([...truth].sort()));
    expect([...cache].sort()).toEqual([...truth].sort());
    stopped = true;
    await informer.stop();
  }, 60_000);
});
