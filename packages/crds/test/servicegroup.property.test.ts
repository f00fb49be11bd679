// Overlap detection checked against brute force: pools are small ranges inside a 64-address subnet
// (at ordinary and at edge positions of both families), and the oracle compares their address *sets*
// by enumerating every address, with no interval arithmetic, so an off-by-one in the interval test
// (closed ends, adjacency, containment, equality) shows up as a disagreement.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatAddress, parseCidr, type IPFamily } from '@purelb/shared';
import { parseServiceGroup, type NormalizedGroup, type Problem } from '../src/index.js';

interface Space {
  family: IPFamily;
  subnet: string;
}

// 64-address subnets: plain, and touching the top of each family's address space.
const SPACES: Space[] = [
  { family: 'IPv4', subnet: '10.0.0.0/26' },
  { family: 'IPv4', subnet: '255.255.255.192/26' },
  { family: 'IPv6', subnet: 'fd00::/122' },
  { family: 'IPv6', subnet: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffc0/122' },
];

type Offsets = [number, number];

const rangeArb: fc.Arbitrary<Offsets> = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 }))
  .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as Offsets);

function text(space: Space, [a, b]: Offsets): string {
  const base = parseCidr(space.subnet).network;
  const f = (o: number) => formatAddress({ family: space.family, value: base + BigInt(o) });
  return `${f(a)}-${f(b)}`;
}

/** The oracle: the set of offsets a range holds, by enumeration. */
function members([a, b]: Offsets): Set<number> {
  const s = new Set<number>();
  for (let o = a; o <= b; o++) s.add(o);
  return s;
}
const intersects = (x: Set<number>, y: Set<number>) => [...x].some((o) => y.has(o));
const sameSet = (x: Set<number>, y: Set<number>) => x.size === y.size && [...x].every((o) => y.has(o));

const listKey = (f: IPFamily) => (f === 'IPv4' ? 'v4pools' : 'v6pools');

describe('overlap detection agrees with brute force', () => {
  it('inside one group: every pool is compared with the earlier pools that were kept', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SPACES), fc.array(rangeArb, { minLength: 1, maxLength: 6 }), (space, ranges) => {
        const key = listKey(space.family);
        const sg = { metadata: { name: 'g' }, spec: { local: { [key]: ranges.map((r) => ({ subnet: space.subnet, pool: text(space, r) })) } } };

        // Oracle, same policy as documented: a pool clashing with a kept pool is reported and not kept.
        const expected: Problem[] = [];
        const kept: number[] = [];
        ranges.forEach((r, j) => {
          const mine = members(r);
          const clashes = kept.filter((i) => intersects(members(ranges[i]!), mine));
          for (const i of clashes) {
            const verb = sameSet(members(ranges[i]!), mine) ? 'duplicates' : 'overlaps';
            expected.push({
              path: `spec.local.${key}[${j}].pool`,
              message: `${text(space, r)} ${verb} spec.local.${key}[${i}].pool (${text(space, ranges[i]!)})`,
            });
          }
          if (clashes.length === 0) kept.push(j);
        });

        const result = parseServiceGroup(sg);
        if (expected.length === 0) {
          expect(result.ok).toBe(true);
          if (result.ok) expect(result.group.pools[space.family].map((p) => p.source)).toEqual(kept.map((i) => `spec.local.${key}[${i}]`));
        } else {
          expect(result).toEqual({ ok: false, problems: expected });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('across groups: every pair of intersecting pools is reported, naming the other group', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPACES),
        fc.array(rangeArb, { minLength: 1, maxLength: 3 }),
        fc.array(rangeArb, { minLength: 1, maxLength: 3 }),
        (space, mineRanges, theirRanges) => {
          // Our own pools must not overlap each other, so only cross-group problems can appear.
          fc.pre(mineRanges.every((r, i) => mineRanges.slice(0, i).every((q) => !intersects(members(q), members(r)))));
          const key = listKey(space.family);
          const subnet = parseCidr(space.subnet);
          const other: NormalizedGroup = {
            name: 'other',
            pools: { IPv4: [], IPv6: [] },
            namespaces: [],
            priority: 0,
            avoidBuggyIPs: false,
          };
          theirRanges.forEach((r, i) => {
            const [first, last] = r.map((o) => subnet.network + BigInt(o)) as [bigint, bigint];
            other.pools[space.family].push({
              family: space.family,
              subnet,
              range: { family: space.family, first, last },
              aggregation: subnet.length,
              source: `spec.local.${key}[${i}]`,
              text: text(space, r),
            });
          });
          const sg = { metadata: { name: 'g' }, spec: { local: { [key]: mineRanges.map((r) => ({ subnet: space.subnet, pool: text(space, r) })) } } };

          const expected: Problem[] = [];
          mineRanges.forEach((m, j) =>
            theirRanges.forEach((t, i) => {
              if (intersects(members(m), members(t))) {
                expected.push({
                  path: `spec.local.${key}[${j}].pool`,
                  message: `${text(space, m)} overlaps ServiceGroup other (spec.local.${key}[${i}].pool ${text(space, t)})`,
                });
              }
            }),
          );
          const result = parseServiceGroup(sg, [other]);
          expect(result.ok ? [] : result.problems).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
