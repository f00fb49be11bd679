import { afterEach, describe, expect, it } from '@jest/globals';
import { startTestKube, type TestKube } from '@purelb/testkube';
import {
  KubeApiError,
  KubeClient,
  LeaderElector,
  createLease,
  formatMicroTime,
  getLease,
  isLeaseExpired,
  leaseExpiresAt,
  parseMicroTime,
  renewLease,
  type LeaderElectorOptions,
} from '../src/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function start(): Promise<{ kube: TestKube; client: KubeClient }> {
  const kube = await startTestKube();
  cleanups.push(() => kube.stop());
  return { kube, client: new KubeClient(kube.kubeConfig) };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(5);
  }
}

describe('MicroTime', () => {
  it('formats with exactly six fractional digits and parses any precision', () => {
    expect(formatMicroTime(new Date('2026-11-24T18:25:57.123Z'))).toBe('2026-11-24T18:25:57.123000Z');
    expect(formatMicroTime(1_795_544_757_123_456)).toBe('2026-11-24T18:25:57.123456Z');
    expect(formatMicroTime()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(parseMicroTime('2026-11-24T18:25:57.123456Z')).toBe(1_795_544_757_123_456);
    expect(parseMicroTime('2026-11-24T18:25:57Z')).toBe(1_795_544_757_000_000);
    expect(parseMicroTime('2026-11-24T19:25:57.5+01:00')).toBe(1_795_544_757_500_000);
    expect(parseMicroTime('2026-11-24T18:25:57.123456789Z')).toBe(1_795_544_757_123_456);
    expect(() => parseMicroTime('yesterday')).toThrow(RangeError);
    const t = 1_700_000_000_000_001;
    expect(parseMicroTime(formatMicroTime(t))).toBe(t);
  });
});

describe('Lease helpers', () => {
  it('create, renew with optimistic concurrency, expiry', async () => {
    const { client } = await start();
    expect(await getLease(client, 'default', 'l1')).toBeUndefined();
    const now = formatMicroTime();
    const lease = await createLease(client, 'default', 'l1', { holderIdentity: 'a', leaseDurationSeconds: 10, acquireTime: now, renewTime: now, leaseTransitions: 0 });
    // The server keeps the microseconds.
    expect(lease.spec?.renewTime).toBe(now);
    expect(isLeaseExpired(lease)).toBe(false);
    expect(leaseExpiresAt(lease)).toBe(parseMicroTime(now) + 10_000_000);
    expect(isLeaseExpired(lease, parseMicroTime(now) + 11_000_000)).toBe(true);

    const renewed = await renewLease(client, lease, 'a', 10);
    expect(renewed.spec?.acquireTime).toBe(now);
    expect(renewed.spec?.leaseTransitions).toBe(0);
    const taken = await renewLease(client, renewed, 'b', 10);
    expect(taken.spec?.holderIdentity).toBe('b');
    expect(taken.spec?.leaseTransitions).toBe(1);
    // Writing from a stale copy fails.
    const stale = await renewLease(client, renewed, 'c', 10).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(KubeApiError);
    expect((stale as KubeApiError).statusCode).toBe(409);
  });
});

describe('LeaderElector', () => {
  const fast = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

  function elector(client: KubeClient, identity: string, log: string[], extra: Partial<LeaderElectorOptions> = {}): LeaderElector {
    const e = new LeaderElector({
      client,
      namespace: 'default',
      name: 'purelb-allocator',
      identity,
      ...fast,
      onStartedLeading: () => log.push(`${identity} started`),
      onStoppedLeading: () => log.push(`${identity} stopped`),
      ...extra,
    });
    cleanups.push(() => e.stop({ release: false }));
    return e;
  }

  it('refuses inconsistent durations', async () => {
    const { client } = await start();
    expect(() => new LeaderElector({ client, namespace: 'd', name: 'n', identity: 'a', leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(/leaseDuration/);
    expect(() => new LeaderElector({ client, namespace: 'd', name: 'n', identity: 'a', leaseDurationMs: 3000, renewDeadlineMs: 1000, retryPeriodMs: 1000 })).toThrow(/renewDeadline/);
    expect(() => new LeaderElector({ client, namespace: 'd', name: 'n', identity: '' })).toThrow(/identity/);
  });

  it('never has two leaders with three electors, one killed, API faults on; a successor takes over', async () => {
    const { kube, client } = await start();
    const log: string[] = [];
    const electors = ['a', 'b', 'c'].map((id) => elector(client, id, log));
    let samples = 0;
    let maxLeaders = 0;
    const leaderTimeline: string[] = [];
    const sampler = setInterval(() => {
      const leaders = electors.filter((e) => e.isLeader());
      samples++;
      maxLeaders = Math.max(maxLeaders, leaders.length);
      const now = leaders.map((e) => e.getLeader()).join(',') || '-';
      if (leaderTimeline[leaderTimeline.length - 1] !== now) leaderTimeline.push(now);
    }, 2);
    cleanups.push(async () => clearInterval(sampler));
    for (const e of electors) e.start();

    await until(() => electors.some((e) => e.isLeader()), 5000, 'a first leader');
    const first = electors.find((e) => e.isLeader())!;
    const firstId = first.getLeader()!;
    expect(['a', 'b', 'c']).toContain(firstId);

    // API trouble while leading: conflicts, 500s and latency. Leadership may move, never double.
    kube.faults.failNextWrites(2, 409);
    await sleep(300);
    kube.faults.failNextWrites(2, 500);
    kube.faults.setLatency(40);
    await sleep(500);
    kube.faults.reset();
    await until(() => electors.some((e) => e.isLeader()), 5000, 'a leader after the faults');

    // Kill the leader abruptly: no release, the lease must expire first.
    const victim = electors.find((e) => e.isLeader())!;
    const victimId = victim.getLeader()!;
    await victim.stop({ release: false });
    expect(victim.isLeader()).toBe(false);
    const rest = electors.filter((e) => e !== victim);
    await until(() => rest.some((e) => e.isLeader()), 10_000, 'a successor');
    const successor = rest.find((e) => e.isLeader())!;
    expect(successor.getLeader()).not.toBe(victimId);
    const lease = await getLease(client, 'default', 'purelb-allocator');
    expect(lease?.spec?.holderIdentity).toBe(successor.getLeader());
    expect(lease?.spec?.renewTime).toMatch(/\.\d{6}Z$/);
    expect(lease?.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);

    // A graceful stop releases the lease; the last elector takes over.
    const last = rest.find((e) => e !== successor)!;
    await successor.stop();
    await until(() => last.isLeader(), 10_000, 'the last elector leading');

    clearInterval(sampler);
    expect(samples).toBeGreaterThan(100);
    expect(maxLeaders).toBe(1);
    // Each start is matched by a stop of the same elector before anyone else starts.
    const starts = log.filter((l) => l.endsWith('started')).map((l) => l.split(' ')[0]);
    expect(starts.length).toBeGreaterThanOrEqual(3);
    let current: string | undefined;
    for (const entry of log) {
      const [id, what] = entry.split(' ');
      if (what === 'started') {
        expect(current).toBeUndefined();
        current = id;
      } else {
        expect(current).toBe(id);
        current = undefined;
      }
    }
    expect(leaderTimeline.some((t) => t.includes(','))).toBe(false);
  });

  it('gives up leading when it cannot renew, and the signal passed to onStartedLeading aborts', async () => {
    const { kube, client } = await start();
    const log: string[] = [];
    let leadership: AbortSignal | undefined;
    const e = elector(client, 'solo', log, { onStartedLeading: (s) => (leadership = s), onStoppedLeading: () => log.push('solo stopped') });
    e.start();
    await until(() => e.isLeader(), 5000, 'leading');
    expect(leadership?.aborted).toBe(false);
    // Every renewal now fails.
    kube.faults.failNextWrites(1_000_000, 500);
    await until(() => !e.isLeader(), 5000, 'leadership to end');
    await until(() => log.includes('solo stopped'), 5000, 'onStoppedLeading');
    expect(leadership?.aborted).toBe(true);
    // Once the API works again it leads again (it is still the lease's holder).
    kube.faults.reset();
    await until(() => e.isLeader(), 5000, 'leading again');
    await e.stop();
    const lease = await getLease(client, 'default', 'purelb-allocator');
    expect(lease?.spec?.holderIdentity ?? '').toBe('');
  });
});
