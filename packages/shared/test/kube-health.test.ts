import { afterEach, describe, expect, it } from '@jest/globals';
import { startTestKube } from '@purelb/testkube';
import { Informer, KubeClient, Resources, WorkQueue, createMetricsRegistry, informersSynced, startHealthServer, workQueuePrometheusMetrics, type HealthServer } from '../src/index.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

async function get(server: HealthServer, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** The value of the sample of `metric` whose labels are exactly `labels` (in any order). */
function sample(body: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^([a-z_:]+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const found = Object.fromEntries([...m[2]!.matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(m[3]);
  }
  return undefined;
}

describe('health server', () => {
  it('serves /healthz, /readyz with pluggable checks, and 404 elsewhere', async () => {
    let ready: boolean | string = false;
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry: createMetricsRegistry({ defaultMetrics: false }), readiness: { component: () => ready } });
    servers.push(server);
    expect(await get(server, '/healthz')).toMatchObject({ status: 200, body: 'ok' });

    let r = await get(server, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toBe('[-]component failed: not ready\nreadyz check failed\n');

    server.addReadinessCheck('async', async () => {
      throw new Error('leader unknown');
    });
    ready = 'waiting for leader';
    r = await get(server, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toContain('[-]component failed: waiting for leader');
    expect(r.body).toContain('[-]async failed: leader unknown');
    expect((await get(server, '/readyz?exclude=async&exclude=component')).status).toBe(200);

    server.removeReadinessCheck('async');
    ready = true;
    expect(await get(server, '/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get(server, '/readyz?verbose')).body).toBe('[+]component ok\nreadyz check passed\n');
    expect((await get(server, '/nope')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('fails a check that hangs', async () => {
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', checkTimeoutMs: 50, readiness: { stuck: () => new Promise<boolean>(() => undefined) } });
    servers.push(server);
    const r = await get(server, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toContain('[-]stuck failed: no answer within 50 ms');
  });

  it('serves process and work-queue metrics from its own registry', async () => {
    const registry = createMetricsRegistry({ component: 'allocator' });
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry });
    servers.push(server);
    const q = new WorkQueue<string>({ metrics: workQueuePrometheusMetrics(registry, 'services'), baseDelayMs: 1 });
    // A second queue shares the metric families.
    const q2 = new WorkQueue<string>({ metrics: workQueuePrometheusMetrics(registry, 'nodes') });
    let attempts = 0;
    const run = q.runWorkers(1, () => {
      if (++attempts === 1) throw new Error('first try fails');
    });
    q.add('a/b');
    while (attempts < 2) await new Promise((r) => setTimeout(r, 5));
    await q.shutdown();
    await run;
    q2.add('n1');
    const r = await get(server, '/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toContain('text/plain');
    expect(r.body).toContain('process_cpu_user_seconds_total');
    const services = { name: 'services', component: 'allocator' };
    expect(sample(r.body, 'purelb_workqueue_adds_total', services)).toBe(2);
    expect(sample(r.body, 'purelb_workqueue_retries_total', services)).toBe(1);
    expect(sample(r.body, 'purelb_reconcile_duration_seconds_count', { ...services, outcome: 'error' })).toBe(1);
    expect(sample(r.body, 'purelb_reconcile_duration_seconds_count', { ...services, outcome: 'success' })).toBe(1);
    expect(sample(r.body, 'purelb_workqueue_queue_duration_seconds_count', services)).toBe(2);
    expect(sample(r.body, 'purelb_workqueue_depth', { name: 'nodes', component: 'allocator' })).toBe(1);
    await q2.shutdown();
    // Registries are per process: a fresh one does not see these metrics.
    expect(await createMetricsRegistry({ defaultMetrics: false }).metrics()).not.toContain('purelb_workqueue');
  });

  it('reports ready once informers have synced', async () => {
    const kube = await startTestKube();
    try {
      kube.faults.setLatency(300);
      const informer = new Informer({ client: new KubeClient(kube.kubeConfig), resource: Resources.services }).start();
      const server = await startHealthServer({ port: 0, host: '127.0.0.1', readiness: { informers: informersSynced(informer) } });
      servers.push(server);
      expect((await get(server, '/readyz')).body).toContain('[-]informers failed: caches not synced');
      await informer.synced;
      expect((await get(server, '/readyz')).status).toBe(200);
      await informer.stop();
    } finally {
      await kube.stop();
    }
  });
});
