import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { formatAddress, parseAddress, type IPFamily } from '@purelb/shared';
import type { NormalizedGroup } from '@purelb/crds';
import { Ipam, type AllocationRequest, type AllocationResult, type AllocationView } from '../src/index.js';
import { group } from './support/groups.js';

// Small pools over three groups, ranges straddling x.x.x.255/x.x.x.0 so avoidBuggyIPs matters,
// few Service keys and ports so that exhaustion, sharing and clashes happen often.

const GROUP_NAMES = ['default', 'a', 'b'] as const;
const V4_BASE = (i: number): bigint => parseAddress(`10.${i}.0.200`).value;
const V6_BASE = (i: number): bigint => parseAddress(`fd00:${i}::`).value;
const v4 = (value: bigint): string => formatAddress({ family: 'IPv4', value });
const v6 = (value: bigint): string => formatAddress({ family: 'IPv6', value });

const groupArb = (i: number): fc.Arbitrary<NormalizedGroup | undefined> =>
  fc
    .record({
      present: fc.integer({ min: 0, max: 5 }),
      v4a: fc.option(fc.tuple(fc.integer({ min: 50, max: 58 }), fc.integer({ min: 0, max: 8 })), { nil: undefined, freq: 6 }),
      v4b: fc.option(fc.tuple(fc.integer({ min: 70, max: 75 }), fc.integer({ min: 0, max: 4 })), { nil: undefined }),
      v6a: fc.option(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { nil: undefined, freq: 4 }),
      // default mostly serves everyone, so most requests reach a group.
      namespaces: i === 0 ? fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(['ns-a', 'ns-b']) }) : fc.subarray(['ns-a', 'ns-b']),
      priority: fc.integer({ min: 0, max: 2 }),
      avoidBuggyIPs: fc.boolean(),
    })
    .map((g) => {
      if (g.present === 0) return undefined; // a deleted group now and then
      const r4 = ([off, len]: [number, number]): string => `${v4(V4_BASE(i) + BigInt(off))}-${v4(V4_BASE(i) + BigInt(off + len))}`;
      const r6 = ([off, len]: [number, number]): string => `${v6(V6_BASE(i) + BigInt(off))}-${v6(V6_BASE(i) + BigInt(off + len))}`;
      return group(GROUP_NAMES[i] as string, {
        v4: [g.v4a, g.v4b].filter((x) => x !== undefined).map(r4),
        v6: g.v6a ? [r6(g.v6a)] : [],
        namespaces: g.namespaces,
        priority: g.priority,
        avoidBuggyIPs: g.avoidBuggyIPs,
      });
    });

const configArb: fc.Arbitrary<NormalizedGroup[]> = fc
  .tuple(groupArb(0), groupArb(1), groupArb(2))
  .map((gs) => gs.filter((g): g is NormalizedGroup => g !== undefined));

const addressArb: fc.Arbitrary<string> = fc.oneof(
  // Mostly the first addresses of the pools, which are the ones held: requests then collide.
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 50, max: 54 })).map(([i, off]) => v4(V4_BASE(i) + BigInt(off))) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 48, max: 80 })).map(([i, off]) => v4(V4_BASE(i) + BigInt(off))) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 10 })).map(([i, off]) => v6(V6_BASE(i) + BigInt(off))) },
  { weight: 1, arbitrary: fc.constant('192.0.2.1') },
);

const KEYS = ['ns-a/s0', 'ns-a/s1', 'ns-a/s2', 'ns-a/s3', 'ns-b/s0', 'ns-b/s1', 'ns-b/s2', 'ns-b/s3', 'ns-c/s0'];
const PORTS = [
  { protocol: 'TCP', port: 80 },
  { protocol: 'UDP', port: 80 },
  { protocol: 'TCP', port: 81 },
];

const requestArb: fc.Arbitrary<AllocationRequest> = fc
  .record({
    key: fc.constantFrom(...KEYS),
    families: fc.constantFrom<IPFamily[]>(['IPv4'], ['IPv4'], ['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']),
    policy: fc.constantFrom('SingleStack' as const, 'PreferDualStack' as const, 'RequireDualStack' as const),
    groupName: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('default', 'a', 'b', 'nope') }),
    requested: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(addressArb, { maxLength: 2 }) }),
    current: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.array(addressArb, { maxLength: 2 }) }),
    sharingKey: fc.constantFrom('', 'k1', 'k1', 'k2'),
    ports: fc.subarray(PORTS, { minLength: 1 }),
    etpLocal: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    reclaim: fc.boolean(),
  })
  .map((r) => {
    const namespace = r.key.split('/')[0] as string;
    // Single-family Services are SingleStack in Kubernetes; the policy only varies for two families.
    const policy = r.families.length === 1 ? 'SingleStack' : r.policy;
    const out: AllocationRequest = { key: r.key, namespace, families: r.families, policy, sharingKey: r.sharingKey, ports: r.ports, etpLocal: r.etpLocal, reclaim: r.reclaim };
    if (r.groupName !== undefined) out.groupName = r.groupName;
    if (r.requested !== undefined) out.requested = r.requested;
    if (r.current !== undefined) out.current = r.current;
    return out;
  });

type Op = { kind: 'allocate'; request: AllocationRequest } | { kind: 'release'; key: string } | { kind: 'setGroups'; groups: NormalizedGroup[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: requestArb.map((request) => ({ kind: 'allocate' as const, request })) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ kind: 'release' as const, key })) },
  { weight: 1, arbitrary: configArb.map((groups) => ({ kind: 'setGroups' as const, groups })) },
);

function run(ipam: Ipam, op: Op): unknown {
  switch (op.kind) {
    case 'allocate':
      return ipam.allocate(op.request);
    case 'release':
      return ipam.release(op.key);
    case 'setGroups':
      return ipam.setGroups(op.groups);
  }
}

function views(ipam: Ipam): AllocationView[] {
  return ipam.keys().map((k) => ipam.allocationOf(k) as AllocationView);
}

/** No two holders of one address may be unable to share it. */
function checkSharing(ipam: Ipam): void {
  const byIp = new Map<string, AllocationView[]>();
  for (const v of views(ipam)) {
    for (const a of v.addresses) byIp.set(a.ip, [...(byIp.get(a.ip) ?? []), v]);
  }
  for (const [ip, holders] of byIp) {
    expect(ipam.holdersOf(ip)).toEqual(holders.map((h) => h.key).sort());
    if (holders.length < 2) continue;
    for (const h of holders) {
      expect(h.sharingKey).not.toBe('');
      expect(h.sharingKey).toBe(holders[0]?.sharingKey);
      expect(h.etpLocal).toBe(false);
    }
    const seen = new Set<string>();
    for (const h of holders) {
      for (const p of h.ports) {
        const id = `${p.protocol}/${p.port}`;
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
  }
}

/** Used counts equal the distinct held addresses inside each pool; available = size - used. */
function checkCounts(ipam: Ipam, groups: NormalizedGroup[]): void {
  const held = new Map<string, bigint>();
  for (const v of views(ipam)) for (const a of v.addresses) held.set(`${a.family} ${a.ip}`, parseAddress(a.ip).value);
  const seenNames = new Set<string>();
  for (const g of groups) {
    if (seenNames.has(g.name)) continue;
    seenNames.add(g.name);
    const stats = ipam.groupStats(g.name);
    expect(stats).toBeDefined();
    for (const family of ['IPv4', 'IPv6'] as const) {
      let used = 0;
      let size = 0n;
      for (const p of g.pools[family]) {
        const usable = (x: bigint): boolean => !(g.avoidBuggyIPs && family === 'IPv4' && ((x & 0xffn) === 0n || (x & 0xffn) === 255n));
        for (let x = p.range.first; x <= p.range.last; x++) if (usable(x)) size += 1n;
        for (const [k, value] of held) {
          if (k.startsWith(family) && value >= p.range.first && value <= p.range.last && usable(value)) used += 1;
        }
      }
      expect(stats?.[family]).toEqual({ size, used, available: size - BigInt(used) });
    }
  }
}

/** A non-orphaned allocation has one address per family at most, all inside its group's pools. */
function checkShape(ipam: Ipam, groups: NormalizedGroup[]): void {
  for (const v of views(ipam)) {
    const families = v.addresses.map((a) => a.family);
    expect(new Set(families).size).toBe(families.length);
    expect(v.addresses.length).toBeGreaterThan(0);
    if (v.orphaned) continue;
    const g = groups.find((x) => x.name === v.group) as NormalizedGroup;
    expect(g.namespaces.length === 0 || g.namespaces.includes(v.namespace)).toBe(true);
    for (const a of v.addresses) {
      const value = parseAddress(a.ip).value;
      expect(g.pools[a.family].some((p) => value >= p.range.first && value <= p.range.last)).toBe(true);
    }
  }
}

const broadArb = fc.record({ initial: configArb, ops: fc.array(opArb, { minLength: 5, maxLength: 80 }) });

// The broad scenarios rarely make two Services fight over one address; this one does little else:
// one group, a handful of addresses, explicit requests for them, keys, ports and ETP Local.
const crowdedGroups = (avoidBuggyIPs: boolean): NormalizedGroup[] => [
  group('default', { v4: ['10.0.0.254-10.0.1.1'], v6: ['fd00::-fd00::2'], avoidBuggyIPs }),
];
const crowdedRequestArb: fc.Arbitrary<AllocationRequest> = fc
  .record({
    base: requestArb,
    requested: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.subarray(['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1', 'fd00::', 'fd00::1'], { maxLength: 2 }) },
    ),
  })
  .map(({ base, requested }) => {
    const out: AllocationRequest = { ...base, requested: requested ?? [] };
    delete out.groupName;
    return out;
  });
const crowdedOpArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: crowdedRequestArb.map((request) => ({ kind: 'allocate' as const, request })) },
  { weight: 3, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ kind: 'release' as const, key })) },
  { weight: 1, arbitrary: fc.boolean().map((b) => ({ kind: 'setGroups' as const, groups: crowdedGroups(b) })) },
);
const crowdedArb = fc.record({
  initial: fc.boolean().map(crowdedGroups),
  ops: fc.array(crowdedOpArb, { minLength: 5, maxLength: 80 }),
});

const scenarioArb = fc.oneof(broadArb, crowdedArb);

describe('Ipam properties', () => {
  it('never puts two Services that may not share on one address, and never leaks (any sequence)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ initial, ops }) => {
        const ipam = new Ipam(initial);
        let groups = initial;
        for (const op of ops) {
          run(ipam, op);
          if (op.kind === 'setGroups') groups = op.groups;
          checkSharing(ipam);
          checkCounts(ipam, groups);
          checkShape(ipam, groups);
        }
        for (const key of ipam.keys()) ipam.release(key);
        for (const s of ipam.stats()) {
          expect(s.IPv4.used).toBe(0);
          expect(s.IPv6.used).toBe(0);
          expect(s.IPv4.available).toBe(s.IPv4.size);
          expect(s.IPv6.available).toBe(s.IPv6.size);
          for (const p of s.pools) expect(p.available).toBe(p.size);
        }
        expect(ipam.keys()).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('allocates after rebuild(snapshot) exactly like the original', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.oneof(opArb, crowdedOpArb), { maxLength: 40 }), ({ initial, ops }, future) => {
        const original = new Ipam(initial);
        let groups = initial;
        for (const op of ops) {
          run(original, op);
          if (op.kind === 'setGroups') groups = op.groups;
        }
        const copy = new Ipam(groups);
        const rebuilt = copy.rebuild(original.snapshot());
        expect(rebuilt.rejected).toEqual([]);
        expect(rebuilt.restored).toEqual(original.keys());
        expect(rebuilt.orphans).toEqual(original.orphans());
        expect(copy.stats()).toEqual(original.stats());
        for (const op of future) {
          expect(run(copy, op)).toEqual(run(original, op));
          expect(copy.snapshot()).toEqual(original.snapshot());
        }
        expect(views(copy)).toEqual(views(original));
        expect(copy.stats()).toEqual(original.stats());
      }),
      { numRuns: 200 },
    );
  });

  it('is all or nothing: a failure changes nothing, RequireDualStack success holds every family', () => {
    fc.assert(
      fc.property(scenarioArb, fc.oneof(requestArb, crowdedRequestArb), ({ initial, ops }, request) => {
        const ipam = new Ipam(initial);
        for (const op of ops) run(ipam, op);
        const before = { snapshot: ipam.snapshot(), stats: ipam.stats() };
        const result = ipam.allocate(request);
        if (!result.ok) {
          expect({ snapshot: ipam.snapshot(), stats: ipam.stats() }).toEqual(before);
          return;
        }
        if (request.policy === 'RequireDualStack' && !result.orphaned) {
          expect(result.addresses.map((a) => a.family)).toEqual(request.families);
        }
        if (request.policy === 'SingleStack' && !result.orphaned) {
          expect(result.addresses.map((a) => a.family)).toEqual(request.families.slice(0, 1));
        }
        expect(result.addresses).toEqual(ipam.allocationOf(request.key)?.addresses);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on malformed input (allocate and rebuild): any strings as key, namespace, group, addresses, sharing key and ports', () => {
    const junk = fc.oneof(fc.string(), addressArb, fc.constantFrom('', ' ', '10.0.0.1/32', '::ffff:10.0.50.250', 'fe80::1%eth0', '010.0.0.1'));
    fc.assert(
      fc.property(
        configArb,
        fc.array(
          fc.record({
            key: fc.oneof(fc.constantFrom(...KEYS), fc.string()),
            namespace: fc.oneof(fc.constantFrom('ns-a', 'ns-b'), fc.string()),
            families: fc.array(fc.constantFrom<IPFamily>('IPv4', 'IPv6'), { maxLength: 3 }),
            policy: fc.constantFrom('SingleStack' as const, 'PreferDualStack' as const, 'RequireDualStack' as const),
            groupName: fc.option(fc.oneof(fc.string(), fc.constantFrom('default', 'a', 'b')), { nil: undefined }),
            requested: fc.option(fc.array(junk, { maxLength: 3 }), { nil: undefined }),
            current: fc.option(fc.array(junk, { maxLength: 3 }), { nil: undefined }),
            sharingKey: fc.option(fc.string(), { nil: undefined }),
            ports: fc.array(fc.record({ protocol: fc.string(), port: fc.integer() }), { maxLength: 3 }),
            etpLocal: fc.boolean(),
          }),
          { maxLength: 20 },
        ),
        (groups, requests) => {
          const ipam = new Ipam(groups);
          // The same junk read back from Services at start.
          const restored = ipam.rebuild(
            requests.map((r) => ({ key: r.key, namespace: r.namespace, ...(r.groupName === undefined ? {} : { group: r.groupName }), addresses: r.requested ?? [], ports: r.ports, etpLocal: r.etpLocal })),
          );
          expect(restored.restored.length + restored.rejected.length).toBe(requests.length);
          checkSharing(ipam);
          for (const r of requests) {
            const result = ipam.allocate(r as AllocationRequest);
            if (!result.ok) expect(result.failure.message.length).toBeGreaterThan(0);
            ipam.holdersOf(r.requested?.[0] ?? '');
          }
          checkSharing(ipam);
          checkCounts(ipam, groups);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is idempotent: the same request again returns the same addresses and changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, fc.oneof(requestArb, crowdedRequestArb), ({ initial, ops }, request) => {
        const ipam = new Ipam(initial);
        for (const op of ops) run(ipam, op);
        const first = ipam.allocate(request);
        const snapshot = ipam.snapshot();
        const second: AllocationResult = ipam.allocate(request);
        if (first.ok) {
          expect(second).toEqual({ ...first, changed: false, released: [] });
        } else {
          expect(second).toEqual(first);
        }
        expect(ipam.snapshot()).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });
});
