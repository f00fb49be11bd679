import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { parseAddress, formatAddress } from '@purelb/shared';
import { FreeSet } from '../src/index.js';

const v4 = (text: string): bigint => parseAddress(text).value;
const v6 = (text: string): bigint => parseAddress(text).value;
const buggy = (v: bigint): boolean => (v & 0xffn) === 0n || (v & 0xffn) === 255n;

/** The canonical intervals a set of free usable values must be stored as (see freeset.ts). */
function canonical(free: bigint[], usable: (v: bigint) => boolean, first: bigint, last: bigint): [bigint, bigint][] {
  const sorted = [...free].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const v of sorted) {
    const prev = out[out.length - 1];
    // Join when every value between prev's end and v is unusable.
    let joins = prev !== undefined;
    if (prev) {
      for (let x = prev[1] + 1n; x < v; x++) {
        if (x >= first && x <= last && usable(x)) {
          joins = false;
          break;
        }
      }
    }
    if (prev && joins) prev[1] = v;
    else out.push([v, v]);
  }
  return out;
}

describe('FreeSet', () => {
  it('hands out the lowest address first and takes it back', () => {
    const s = new FreeSet(v4('10.0.0.0'), v4('10.0.0.3'));
    expect(s.size).toBe(4n);
    expect(s.takeLowest()).toBe(v4('10.0.0.0'));
    expect(s.takeLowest()).toBe(v4('10.0.0.1'));
    expect(s.put(v4('10.0.0.0'))).toBe(true);
    expect(s.takeLowest()).toBe(v4('10.0.0.0'));
    expect(s.takeLowest()).toBe(v4('10.0.0.2'));
    expect(s.takeLowest()).toBe(v4('10.0.0.3'));
    expect(s.takeLowest()).toBeUndefined();
    expect(s.free).toBe(0n);
  });

  it('refuses to take what is not free and to put back what is', () => {
    const s = new FreeSet(10n, 20n);
    expect(s.take(9n)).toBe(false);
    expect(s.take(21n)).toBe(false);
    expect(s.take(15n)).toBe(true);
    expect(s.take(15n)).toBe(false);
    expect(s.put(16n)).toBe(false);
    expect(s.put(21n)).toBe(false);
    expect(s.put(15n)).toBe(true);
    expect(s.free).toBe(11n);
    expect([...s.intervals()]).toEqual([{ start: 10n, end: 20n }]);
  });

  it('splits an interval on a middle take and merges it back on put', () => {
    const s = new FreeSet(0n, 9n);
    s.take(4n);
    expect([...s.intervals()]).toEqual([
      { start: 0n, end: 3n },
      { start: 5n, end: 9n },
    ]);
    s.put(4n);
    expect([...s.intervals()]).toEqual([{ start: 0n, end: 9n }]);
    expect(s.intervalCount).toBe(1);
  });

  it('counts buggy IPv4 addresses out of a /8 arithmetically', () => {
    const s = new FreeSet(v4('10.0.0.0'), v4('10.255.255.255'), true);
    // 65 536 /24s, each losing .0 and .255.
    expect(s.size).toBe(65536n * 254n);
    expect(s.lowest()).toBe(v4('10.0.0.1'));
    expect(s.isUsable(v4('10.1.2.0'))).toBe(false);
    expect(s.isUsable(v4('10.1.2.255'))).toBe(false);
    expect(s.take(v4('10.1.2.255'))).toBe(false);
  });

  it('skips .255 and .0 together when the lowest free address reaches them', () => {
    const s = new FreeSet(v4('192.0.2.250'), v4('192.0.3.5'), true);
    const got: string[] = [];
    for (let v = s.takeLowest(); v !== undefined; v = s.takeLowest()) got.push(formatAddress({ family: 'IPv4', value: v }));
    expect(got).toEqual(['192.0.2.250', '192.0.2.251', '192.0.2.252', '192.0.2.253', '192.0.2.254', '192.0.3.1', '192.0.3.2', '192.0.3.3', '192.0.3.4', '192.0.3.5']);
    expect(s.size).toBe(10n);
  });

  it('keeps one interval across a .255/.0 gap when the neighbours are freed', () => {
    const s = new FreeSet(v4('192.0.2.0'), v4('192.0.3.255'), true);
    s.take(v4('192.0.2.254'));
    s.take(v4('192.0.3.1'));
    // 192.0.2.1-192.0.2.253 and 192.0.3.2-192.0.3.254: nothing usable is free between them.
    expect([...s.intervals()]).toEqual([
      { start: v4('192.0.2.1'), end: v4('192.0.2.253') },
      { start: v4('192.0.3.2'), end: v4('192.0.3.254') },
    ]);
    s.put(v4('192.0.2.254'));
    s.put(v4('192.0.3.1'));
    expect([...s.intervals()]).toEqual([{ start: v4('192.0.2.1'), end: v4('192.0.3.254') }]);
  });

  it('has no usable address when the range holds only buggy ones', () => {
    const s = new FreeSet(v4('192.0.2.255'), v4('192.0.3.0'), true);
    expect(s.size).toBe(0n);
    expect(s.lowest()).toBeUndefined();
    expect(s.intervalCount).toBe(0);
  });

  it('works in a /64 with scattered holes, far from zero', () => {
    const base = v6('2001:db8:1:2::');
    const s = new FreeSet(base, base + (1n << 64n) - 1n);
    expect(s.size).toBe(1n << 64n);
    const taken = [base + 5n, base + (1n << 63n), base + (1n << 64n) - 1n, base];
    for (const t of taken) expect(s.take(t)).toBe(true);
    expect(s.lowest()).toBe(base + 1n);
    expect(s.free).toBe((1n << 64n) - 4n);
    expect(s.intervalCount).toBe(3);
    for (const t of taken) expect(s.put(t)).toBe(true);
    expect([...s.intervals()]).toEqual([{ start: base, end: base + (1n << 64n) - 1n }]);
  });

  it('stays correct with 100 000 single-address holes (bulk rotations)', () => {
    // Every other address taken: the worst case for interval count. The operations after it must
    // still find the right neighbours (correctness check of rotations under bulk inserts).
    const s = new FreeSet(0n, 199_999n);
    for (let v = 1n; v < 200_000n; v += 2n) s.take(v);
    expect(s.intervalCount).toBe(100_000);
    expect(s.lowest()).toBe(0n);
    for (let v = 1n; v < 200_000n; v += 2n) s.put(v);
    expect(s.intervalCount).toBe(1);
    expect(s.free).toBe(200_000n);
  });

  type Op = { kind: 'take'; v: number } | { kind: 'put'; v: number } | { kind: 'lowest' };
  const op = (span: number): fc.Arbitrary<Op> =>
    fc.oneof(
      fc.record({ kind: fc.constant('take' as const), v: fc.integer({ min: -2, max: span + 2 }) }),
      fc.record({ kind: fc.constant('put' as const), v: fc.integer({ min: -2, max: span + 2 }) }),
      fc.record({ kind: fc.constant('lowest' as const) }),
    );

  it('behaves like a plain set of usable addresses, in canonical form (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1200 }),
        fc.integer({ min: 0, max: 700 }),
        fc.boolean(),
        fc.array(op(700), { maxLength: 300 }),
        (offset, span, avoid, ops) => {
          // Ranges straddling .0/.255 boundaries (the offset moves them around inside 0..1900).
          const first = BigInt(offset);
          const last = first + BigInt(span);
          const usable = (v: bigint): boolean => v >= first && v <= last && (!avoid || !buggy(v));
          const s = new FreeSet(first, last, avoid);
          const model = new Set<bigint>();
          for (let v = first; v <= last; v++) if (usable(v)) model.add(v);
          expect(s.size).toBe(BigInt(model.size));
          for (const o of ops) {
            if (o.kind === 'lowest') {
              const want = model.size === 0 ? undefined : [...model].reduce((a, b) => (a < b ? a : b));
              expect(s.lowest()).toBe(want);
              if (want !== undefined) {
                expect(s.takeLowest()).toBe(want);
                model.delete(want);
              }
              continue;
            }
            const v = first + BigInt(o.v);
            if (o.kind === 'take') {
              expect(s.take(v)).toBe(model.has(v));
              model.delete(v);
            } else {
              const ok = usable(v) && !model.has(v);
              expect(s.put(v)).toBe(ok);
              if (ok) model.add(v);
            }
            expect(s.has(v)).toBe(model.has(v));
          }
          expect(s.free).toBe(BigInt(model.size));
          expect([...s.intervals()].map((i) => [i.start, i.end])).toEqual(canonical([...model], usable, first, last));
          expect(s.intervalCount).toBe(canonical([...model], usable, first, last).length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
