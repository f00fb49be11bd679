// Benchmark of the SPEC §10 controller row (not a test: prints figures, asserts nothing):
// 1 000 LoadBalancer Services created at once → all allocated, compared with the time the API server
// alone needs to create them and status-patch each once (what the allocator's writes amount to).
// Run: pnpm bench:controller  (= tsc -b packages/allocator && node packages/allocator/dist/bench/controller.js)
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { allCrds } from '@purelb/crds';
import { KubeClient, Resources, createLogger, loadKubeConfig, type KubeObject } from '@purelb/shared';
import { AllocatorController, ServiceGroups } from '../controller/controller.js';

const N = Number(process.env.BENCH_SERVICES ?? 1000);
const CONCURRENCY = 32;
const ROUNDS = 3;

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function service(i: number): KubeObject {
  return { metadata: { name: `svc-${i}`, namespace: 'bench' }, spec: { type: 'LoadBalancer', selector: { app: `a${i}` }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } } as KubeObject;
}

const TESTKUBE_CLI = fileURLToPath(new URL('../../../testkube/dist/cli.js', import.meta.url));

/**
 * A testkube in its own process, as an API server is: the allocator (in this process) and the
 * server do not share one event loop, so neither's work is billed to the other.
 */
async function cluster(): Promise<{ kube: { stop(): Promise<void> }; client: KubeClient }> {
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'bench-')), 'kubeconfig');
  const child = spawn(process.execPath, [TESTKUBE_CLI, 'serve', '--port', '0', '--write-kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`testkube exited with ${code}`)));
  });
  const client = new KubeClient(loadKubeConfig({ kubeconfig }).kubeConfig, { userAgent: 'bench' });
  await client.create(Resources.namespaces, { metadata: { name: 'bench' } });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { kube: { stop }, client };
}

/** The API server alone: create N Services and patch each one's status once. */
async function apiOnly(): Promise<number> {
  const { kube, client } = await cluster();
  const ids = Array.from({ length: N }, (_, i) => i);
  const start = performance.now();
  await pool(ids, CONCURRENCY, async (i) => {
    await client.create(Resources.services, service(i));
    await client.patchStatus(Resources.services, `svc-${i}`, 'bench', { status: { loadBalancer: { ingress: [{ ip: `10.0.${i >> 8}.${i & 255}`, ipMode: 'VIP' }] } } });
  });
  const ms = performance.now() - start;
  await kube.stop();
  return ms;
}

/** The same creates with the allocator running: time until every Service has its address. */
async function withAllocator(): Promise<number> {
  const { kube, client } = await cluster();
  for (const crd of allCrds()) {
    await client.create({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' }, crd as unknown as KubeObject);
  }
  await client.create(Resources.namespaces, { metadata: { name: 'purelb' } });
  for (;;) {
    try {
      await client.create(ServiceGroups, { apiVersion: 'purelb.io/v1', kind: 'ServiceGroup', metadata: { name: 'default', namespace: 'purelb' }, spec: { local: { v4pool: { subnet: '10.0.0.0/16', pool: '10.0.0.0/16', aggregation: 'default' } } } } as KubeObject);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 20)); // the CRD is being established
    }
  }
  const abort = new AbortController();
  const controller = new AllocatorController({ client, logger: createLogger({ component: 'bench', level: 'silent' }), namespace: 'purelb', lbClassName: 'purelb.io/purelb', lbClassOnly: false, reclaimOrphans: false });
  const running = controller.run(abort.signal);
  while (!controller.isReady()) await new Promise((r) => setTimeout(r, 10));
  const ids = Array.from({ length: N }, (_, i) => i);
  const start = performance.now();
  await pool(ids, CONCURRENCY, (i) => client.create(Resources.services, service(i)));
  // Done when every Service shows an address (read from the allocator's own cache, which follows
  // the API server's watch, so no polling load is added to the server).
  for (;;) {
    const allocated = controller.services.list().filter((s) => s.metadata?.namespace === 'bench' && (s.status?.loadBalancer?.ingress?.length ?? 0) > 0).length;
    if (allocated === N) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - start;
  abort.abort();
  await controller.stop();
  await running.catch(() => undefined);
  await kube.stop();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const api: number[] = [];
const alloc: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  api.push(await apiOnly());
  alloc.push(await withAllocator());
}
const a = median(api);
const b = median(alloc);
process.stdout.write(
  `${N} Services, ${CONCURRENCY} requests in flight, ${ROUNDS} rounds (median; all rounds in brackets)\n` +
    `API server alone (create + status patch): ${a.toFixed(0)} ms [${api.map((x) => x.toFixed(0)).join(', ')}]\n` +
    `with the allocator (create → all allocated): ${b.toFixed(0)} ms [${alloc.map((x) => x.toFixed(0)).join(', ')}]\n` +
    `ratio: ${(b / a).toFixed(2)} (target ≤ 2)\n`,
);
