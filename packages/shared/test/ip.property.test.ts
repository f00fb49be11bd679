import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import nm from 'netmask';
import {
  compareAddresses,
  detectFamily,
  formatAddress,
  formatCidr,
  formatRange,
  networkOf,
  nextAddress,
  parseAddress,
  parseCidr,
  parseRange,
  prefixContains,
  prefixMask,
  prefixMaskAddress,
  prefixSize,
  prefixToRange,
  previousAddress,
  rangeContains,
  rangeSize,
  rangesOverlap,
  rangeWithin,
  safeParseAddress,
  safeParseCidr,
  type IPAddress,
  type IPFamily,
  type IPRange,
} from '../src/index.js';
import * as oracle from './support/ip-oracle.js';

const { Netmask } = nm;
const RUNS = { numRuns: 2000 };

const widthOf = (family: IPFamily): number => (family === 'IPv4' ? 32 : 128);
const bitsOf = (a: IPAddress): oracle.Bits => oracle.fromBigInt(a.value, widthOf(a.family));
const addrOf = (family: IPFamily, bits: oracle.Bits): IPAddress => ({ family, value: oracle.toBigInt(bits) });

// IPv6 addresses are built from groups biased towards 0 and ffff so zero runs (for :: compression)
// and the edges are common, plus the IPv4-mapped block.
const group = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(0xffff) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xf }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
const groupsToBits = (groups: number[]): oracle.Bits => groups.map((g) => g.toString(2).padStart(16, '0')).join('');
const v6Groups: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(group, { minLength: 8, maxLength: 8 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
      .map(([a, b]) => [0, 0, 0, 0, 0, 0xffff, a, b]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<number[]>(
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff],
      [0, 0, 0, 0, 0, 0xffff, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0xfffe, 0xffff, 0xffff],
      [0, 0, 0, 0, 1, 0xffff, 0, 0],
    ),
  },
);
const v6Bits = v6Groups.map(groupsToBits);
const bit = fc.constantFrom('0', '1');
const v4Bits = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: bit, minLength: 32, maxLength: 32 }) },
  { weight: 1, arbitrary: fc.constantFrom('0'.repeat(32), '1'.repeat(32), `${'0'.repeat(31)}1`, `1${'0'.repeat(31)}`) },
);
const anyAddress: fc.Arbitrary<IPAddress> = fc.oneof(
  v4Bits.map((b) => addrOf('IPv4', b)),
  v6Bits.map((b) => addrOf('IPv6', b)),
);

/** Every legal spelling of an IPv6 address: any zero run (even one group) compressed or not, groups
 *  padded with leading zeros, mixed case, and the last 32 bits as a dotted quad. */
const v6Spelling = fc
  .record({
    groups: v6Groups,
    run: fc.nat(),
    compress: fc.boolean(),
    pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    dotted: fc.boolean(),
  })
  .map(({ groups, run, compress, pad, upper, dotted }) => {
    const runs: Array<[number, number]> = [];
    for (let s = 0; s < 8; s++) {
      for (let e = s; e < 8 && groups[e] === 0; e++) runs.push([s, e - s + 1]);
    }
    const chosen = compress && runs.length > 0 ? runs[run % runs.length]! : undefined;
    const useDotted = dotted && (chosen === undefined || chosen[0] + chosen[1] <= 6);
    const items = groups.map((g, i) => {
      const h = g.toString(16).padStart(Math.min(4, g.toString(16).length + pad[i]!), '0');
      return upper[i] ? h.toUpperCase() : h;
    });
    if (useDotted) {
      const g6 = groups[6]!;
      const g7 = groups[7]!;
      items.splice(6, 2, `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`);
    }
    if (chosen === undefined) return items.join(':');
    const [s, len] = chosen;
    return `${items.slice(0, s).join(':')}::${items.slice(s + len).join(':')}`;
  });
const v4Spelling = v4Bits.map(oracle.format4);

/** Valid texts damaged by one to three edits; most become invalid, some stay valid. */
const mutated = fc
  .tuple(
    fc.oneof(v6Spelling, v4Spelling),
    fc.array(
      fc.record({
        op: fc.constantFrom('insert', 'delete', 'replace'),
        at: fc.nat(),
        ch: fc.constantFrom(...'0123456789abcdefABCDEFg:.%/- 0:'.split('')),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([text, edits]) => {
    let s = text;
    for (const { op, at, ch } of edits) {
      const i = at % (s.length + 1);
      if (op === 'insert') s = s.slice(0, i) + ch + s.slice(i);
      else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
      else s = s.slice(0, i) + ch + s.slice(i + 1);
    }
    return s;
  });

describe('address parsing and formatting against the oracle', () => {
  it('formats IPv4 like the oracle and parses it back', () => {
    fc.assert(
      fc.property(v4Bits, (bits) => {
        const a = addrOf('IPv4', bits);
        const text = formatAddress(a);
        expect(text).toBe(oracle.format4(bits));
        expect(parseAddress(text)).toEqual(a);
      }),
      RUNS,
    );
  });

  it('formats IPv6 as RFC 5952 like the oracle and parses it back', () => {
    fc.assert(
      fc.property(v6Bits, (bits) => {
        const a = addrOf('IPv6', bits);
        const text = formatAddress(a);
        expect(text).toBe(oracle.format6(bits));
        expect(parseAddress(text)).toEqual(a);
      }),
      RUNS,
    );
  });

  it('reads every legal IPv6 spelling to the value the oracle reads', () => {
    fc.assert(
      fc.property(v6Spelling, (text) => {
        const expected = oracle.parse6(text);
        expect(expected).not.toBeNull();
        const a = parseAddress(text);
        expect(a.family).toBe('IPv6');
        expect(bitsOf(a)).toBe(expected);
        expect(formatAddress(a)).toBe(oracle.format6(expected!));
      }),
      RUNS,
    );
  });

  it('accepts exactly the texts the oracle accepts, with the same value and family', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const expected = oracle.parse(text);
        const got = safeParseAddress(text);
        expect(got.ok).toBe(expected !== null);
        if (got.ok && expected !== null) {
          expect(got.value.family).toBe(expected.family);
          expect(bitsOf(got.value)).toBe(expected.bits);
          expect(detectFamily(text)).toBe(expected.family);
        } else {
          expect(detectFamily(text)).toBeUndefined();
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects with an error naming the text', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const got = safeParseAddress(text);
        if (!got.ok) {
          expect(got.error.input).toBe(text);
          expect(got.error.message).toContain(text.trim() === text && text !== '' ? text : JSON.stringify(text));
        }
      }),
      RUNS,
    );
  });
});

const lengthFor = (family: IPFamily) => fc.integer({ min: 0, max: widthOf(family) });
const addressAndLength = anyAddress.chain((a) => fc.tuple(fc.constant(a), lengthFor(a.family)));

describe('prefixes against the oracle', () => {
  it('network, last address, mask, size and containment', () => {
    fc.assert(
      fc.property(addressAndLength, anyAddress, ([a, len], probe) => {
        const w = widthOf(a.family);
        const bits = bitsOf(a);
        const p = networkOf(a, len);
        expect(oracle.fromBigInt(p.network, w)).toBe(oracle.networkBits(bits, len));
        const r = prefixToRange(p);
        expect(oracle.fromBigInt(r.last, w)).toBe(oracle.lastBits(bits, len));
        expect(oracle.fromBigInt(prefixMask(a.family, len), w)).toBe(oracle.maskBits(w, len));
        expect(prefixSize(a.family, len)).toBe(oracle.powerOfTwo(w - len));
        expect(rangeSize(r)).toBe(oracle.powerOfTwo(w - len));
        expect(prefixContains(p, a)).toBe(true);
        const probeIn = probe.family === a.family && oracle.inPrefix(bitsOf(probe), bits, len);
        expect(prefixContains(p, probe)).toBe(probeIn);
        // The neighbours just outside the prefix are the addresses an off-by-one would let in.
        const before = oracle.decrement(oracle.networkBits(bits, len));
        const after = oracle.increment(oracle.lastBits(bits, len));
        if (before !== null) expect(prefixContains(p, addrOf(a.family, before))).toBe(false);
        if (after !== null) expect(prefixContains(p, addrOf(a.family, after))).toBe(false);
      }),
      RUNS,
    );
  });

  it('CIDR text round-trips, and host bits are refused unless masking is asked for', () => {
    fc.assert(
      fc.property(addressAndLength, ([a, len]) => {
        const p = networkOf(a, len);
        expect(parseCidr(formatCidr(p))).toEqual(p);
        const withHost = `${formatAddress(a)}/${len}`;
        const hostBitsSet = oracle.networkBits(bitsOf(a), len) !== bitsOf(a);
        const strict = safeParseCidr(withHost);
        expect(strict.ok).toBe(!hostBitsSet);
        if (!strict.ok) expect(strict.error.code).toBe('HOST_BITS_SET');
        expect(parseCidr(withHost, { hostBits: 'mask' })).toEqual(p);
        expect(parseRange(withHost, { hostBits: 'mask' })).toEqual(prefixToRange(p));
      }),
      RUNS,
    );
  });

  it('IPv4 prefixes agree with netmask', () => {
    const v4 = v4Bits.map((b) => addrOf('IPv4', b));
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (a, len, probe) => {
        const p = networkOf(a, len);
        const n = new Netmask(`${formatAddress(a)}/${len}`);
        expect(formatAddress({ family: 'IPv4', value: p.network })).toBe(n.base);
        expect(formatAddress(prefixMaskAddress('IPv4', len))).toBe(n.mask);
        expect(prefixSize('IPv4', len)).toBe(BigInt(n.size));
        expect(prefixContains(p, probe)).toBe(n.contains(formatAddress(probe)));
      }),
      RUNS,
    );
  });
});

/** Ranges, often close together so that overlap, adjacency and containment are all exercised. */
const rangeIn = (family: IPFamily, near: bigint): fc.Arbitrary<IPRange> => {
  const top = (1n << BigInt(widthOf(family))) - 13n;
  const base = near < top ? near : top;
  return fc.tuple(fc.bigInt({ min: 0n, max: 12n }), fc.bigInt({ min: 0n, max: 12n })).map(([x, y]) => {
    const lo = x < y ? x : y;
    const hi = x < y ? y : x;
    return { family, first: base + lo, last: base + hi };
  });
};
const rangePair = fc.oneof(
  fc
    .tuple(fc.constantFrom<IPFamily>('IPv4', 'IPv6'), fc.constantFrom(0n, 1n << 20n))
    // Both ranges at the very bottom or the very top of the family's space.
    .chain(([family, near]) => fc.tuple(rangeIn(family, near === 0n ? 0n : 1n << 200n), rangeIn(family, near === 0n ? 0n : 1n << 200n))),
  fc.tuple(anyAddress, anyAddress).chain(([a, b]) => {
    const family = a.family;
    const other = b.family === family ? b : a;
    const [lo, hi] = a.value <= other.value ? [a.value, other.value] : [other.value, a.value];
    return fc.tuple(fc.constant<IPRange>({ family, first: lo, last: hi }), rangeIn(family, lo));
  }),
  fc.tuple(rangeIn('IPv4', 5n), rangeIn('IPv6', 5n)),
);
const rangeBits = (r: IPRange): [oracle.Bits, oracle.Bits] => [
  oracle.fromBigInt(r.first, widthOf(r.family)),
  oracle.fromBigInt(r.last, widthOf(r.family)),
];

describe('ranges against the oracle', () => {
  it('overlap is symmetric and equal to the oracle', () => {
    fc.assert(
      fc.property(rangePair, ([a, b]) => {
        const expected = a.family === b.family && oracle.overlap(rangeBits(a), rangeBits(b));
        expect(rangesOverlap(a, b)).toBe(expected);
        expect(rangesOverlap(b, a)).toBe(expected);
      }),
      RUNS,
    );
  });

  it('containment of ranges and addresses equals the oracle', () => {
    fc.assert(
      fc.property(rangePair, ([a, b]) => {
        const [af, al] = rangeBits(a);
        const [bf, bl] = rangeBits(b);
        const same = a.family === b.family;
        expect(rangeWithin(a, b)).toBe(same && bf <= af && al <= bl);
        expect(rangeContains(b, { family: a.family, value: a.first })).toBe(same && bf <= af && af <= bl);
        expect(rangeContains(b, { family: a.family, value: a.last })).toBe(same && bf <= al && al <= bl);
      }),
      RUNS,
    );
  });

  it('size is last − first + 1 and the text round-trips', () => {
    fc.assert(
      fc.property(rangePair, ([a]) => {
        const [f, l] = rangeBits(a);
        expect(rangeSize(a)).toBe(oracle.toBigInt(l) - oracle.toBigInt(f) + 1n);
        expect(parseRange(formatRange(a))).toEqual(a);
        if (a.first !== a.last) {
          const reversed = `${formatAddress({ family: a.family, value: a.last })}-${formatAddress({ family: a.family, value: a.first })}`;
          expect(() => parseRange(reversed)).toThrow(`${reversed}: start is after end`);
        }
      }),
      RUNS,
    );
  });
});

describe('neighbours and order against the oracle', () => {
  it('next and previous address', () => {
    fc.assert(
      fc.property(anyAddress, (a) => {
        const bits = bitsOf(a);
        const next = oracle.increment(bits);
        const prev = oracle.decrement(bits);
        expect(nextAddress(a)).toEqual(next === null ? undefined : addrOf(a.family, next));
        expect(previousAddress(a)).toEqual(prev === null ? undefined : addrOf(a.family, prev));
      }),
      RUNS,
    );
  });

  it('compareAddresses orders IPv4 before IPv6, then like the bit strings', () => {
    fc.assert(
      fc.property(anyAddress, anyAddress, (a, b) => {
        const c = compareAddresses(a, b);
        expect(compareAddresses(b, a)).toBe(c === 0 ? 0 : -c);
        if (a.family !== b.family) expect(c).toBe(a.family === 'IPv4' ? -1 : 1);
        else expect(c).toBe(bitsOf(a) < bitsOf(b) ? -1 : bitsOf(a) > bitsOf(b) ? 1 : 0);
      }),
      RUNS,
    );
  });
});
