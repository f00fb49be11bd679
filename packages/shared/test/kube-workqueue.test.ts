import { describe, expect, it } from '@jest/globals';
import { startTestKube } from '@purelb/testkube';
import { KubeClient, Resources, WorkQueue, type KubeObject } from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    const seen: string[] = [];
    const run = q.runWorkers(2, (key) => {
      seen.push(key);
    });
    await until(() => seen.length === 2);
    await sleep(20);
    await q.shutdown();
    await run;
    expect(seen.sort()).toEqual(['a', 'b']);
  });

  it('never reconciles one key twice at a time, and requeues a key added while it ran', async () => {
    const q = new WorkQueue<string>();
    const active = new Map<string, number>();
    let maxPerKey = 0;
    let maxParallel = 0;
    const runs: string[] = [];
    const first = gate();
    const run = q.runWorkers(4, async (key) => {
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerKey = Math.max(maxPerKey, ...active.values());
      maxParallel = Math.max(maxParallel, [...active.values()].reduce((a, b) => a + b, 0));
      runs.push(key);
      if (key === 'a' && runs.filter((k) => k === 'a').length === 1) await first.promise;
      else await sleep(5);
      active.set(key, (active.get(key) ?? 1) - 1);
    });
    q.add('a');
    q.add('b');
    await until(() => runs.includes('a') && runs.includes('b'));
    // 'a' is being processed: these adds collapse into one later run.
    q.add('a');
    q.add('a');
    q.add('a');
    await sleep(30);
    expect(runs.filter((k) => k === 'a')).toHaveLength(1);
    first.open();
    await until(() => runs.filter((k) => k === 'a').length === 2);
    await sleep(30);
    expect(runs.filter((k) => k === 'a')).toHaveLength(2);
    expect(maxPerKey).toBe(1);
    expect(maxParallel).toBe(2);

    // Many adds of few keys from many places: still one at a time per key.
    for (let i = 0; i < 200; i++) q.add(`k${i % 5}`);
    await until(() => q.len() === 0);
    await sleep(50);
    expect(maxPerKey).toBe(1);
    await q.shutdown();
    await run;
  });

  it('computes capped exponential retry delays per key and forgets them', () => {
    const q = new WorkQueue<string>({ baseDelayMs: 10, maxDelayMs: 50 });
    expect([1, 2, 3, 4, 5].map(() => q.requeueRateLimited('x'))).toEqual([10, 20, 40, 50, 50]);
    expect(q.requeueRateLimited('y')).toBe(10);
    expect(q.numRequeues('x')).toBe(5);
    q.forget('x');
    expect(q.numRequeues('x')).toBe(0);
    expect(q.requeueRateLimited('x')).toBe(10);
    void q.shutdown();
  });

  it('backs off a failing key and resets its failures after a success', async () => {
    const retries: number[] = [];
    const outcomes: string[] = [];
    const depths: number[] = [];
    const q = new WorkQueue<string>({
      baseDelayMs: 20,
      maxDelayMs: 1000,
      metrics: { retry: () => retries.push(1), reconcileDuration: (_s, outcome) => outcomes.push(outcome), depth: (d) => depths.push(d) },
    });
    const attempts: number[] = [];
    const run = q.runWorkers(1, (key) => {
      attempts.push(performance.now());
      if (attempts.length <= 3) throw new Error(`fail ${key}`);
    });
    q.add('svc');
    await until(() => attempts.length === 4);
    await sleep(10);
    // Each retry waited at least its delay: 20, 40, 80 ms.
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    expect(q.numRequeues('svc')).toBe(0);
    expect(retries).toHaveLength(3);
    expect(outcomes).toEqual(['error', 'error', 'error', 'success']);
    expect(depths.length).toBeGreaterThan(0);
    await q.shutdown();
    await run;
  });

  it('adds after a delay, keeping the earliest, and honours requeueAfterMs', async () => {
    const q = new WorkQueue<string>();
    const seen: [string, number][] = [];
    const t0 = performance.now();
    let periodic = 0;
    const run = q.runWorkers(2, (key) => {
      seen.push([key, performance.now() - t0]);
      if (key === 'periodic' && ++periodic < 3) return { requeueAfterMs: 30 };
      return undefined;
    });
    q.addAfter('late', 200);
    q.addAfter('late', 60); // earlier wins
    q.addAfter('later', 80);
    q.addAfter('later', 500); // later is ignored
    q.add('periodic');
    await sleep(30);
    expect(seen.map(([k]) => k)).toEqual(['periodic']);
    await until(() => seen.filter(([k]) => k === 'late' || k === 'later').length === 2 && periodic === 3);
    const at = (key: string): number[] => seen.filter(([k]) => k === key).map(([, t]) => t);
    expect(at('late')).toHaveLength(1);
    expect(at('late')[0]).toBeGreaterThanOrEqual(59);
    expect(at('later')).toHaveLength(1);
    expect(at('later')[0]).toBeGreaterThanOrEqual(79);
    expect(at('periodic')).toHaveLength(3);
    expect(at('periodic')[2]! - at('periodic')[0]!).toBeGreaterThanOrEqual(59);
    await sleep(550);
    expect(at('later')).toHaveLength(1);
    await q.shutdown();
    await run;
  });

  it('shuts down: waits for running reconciles, drops waiting keys, aborts the signal', async () => {
    const q = new WorkQueue<string>();
    const g = gate();
    let signalSeen: AbortSignal | undefined;
    const done: string[] = [];
    const run = q.runWorkers(1, async (key, signal) => {
      signalSeen = signal;
      await g.promise;
      done.push(key);
    });
    q.add('running');
    await until(() => signalSeen !== undefined);
    q.add('waiting');
    q.addAfter('delayed', 10);
    let shutDown = false;
    const stopping = q.shutdown().then(() => (shutDown = true));
    expect(signalSeen?.aborted).toBe(true);
    await sleep(20);
    expect(shutDown).toBe(false);
    g.open();
    await stopping;
    await run;
    expect(done).toEqual(['running']);
    q.add('after');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('retries writes that testkube fails with 500 and 409 until they land', async () => {
    const kube = await startTestKube();
    try {
      const client = new KubeClient(kube.kubeConfig);
      const q = new WorkQueue<string>({ baseDelayMs: 5, maxDelayMs: 100 });
      let calls = 0;
      const run = q.runWorkers(2, async (name) => {
        calls++;
        await client.applyServerSide<KubeObject & { data?: Record<string, string> }>(Resources.configMaps, { metadata: { name, namespace: 'default' }, data: { ok: 'yes' } }, 'wq-test');
      });
      kube.faults.failNextWrites(4, 500);
      for (const name of ['q1', 'q2', 'q3']) q.add(name);
      await until(() => calls >= 7 && q.len() === 0, 10_000);
      kube.faults.failNextWrites(2, 409);
      q.add('q4');
      await until(() => calls >= 10 && q.len() === 0, 10_000);
      await q.shutdown();
      await run;
      const list = await client.list(Resources.configMaps, { namespace: 'default' });
      expect(list.items.map((c) => c.metadata?.name).filter((n) => n?.startsWith('q')).sort()).toEqual(['q1', 'q2', 'q3', 'q4']);
      expect(calls).toBe(3 + 4 + 1 + 2);
    } finally {
      await kube.stop();
    }
  });
});
