// An independent model of IP addresses for property tests: addresses are fixed-width strings of
// '0'/'1' (32 or 128 characters), so numeric order is string order and prefixes are string prefixes.
// It shares no code with src/ip and uses neither ip-address nor BigInt arithmetic for parsing,
// formatting, containment or overlap.

export type Bits = string;

export function parse4(text: string): Bits | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let bits = '';
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    bits += n.toString(2).padStart(8, '0');
  }
  return bits;
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function groupsToBits(groups: string[]): Bits | null {
  if (!groups.every((g) => HEX_GROUP.test(g))) return null;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

/** RFC 4291 §2.2 text forms: eight groups, one optional '::' standing for one or more zero groups, and
 *  an optional dotted-quad in place of the last two groups. */
export function parse6(text: string): Bits | null {
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return null;
  let hex = text;
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parse4(tail);
    if (v4 === null) return null;
    const hi = parseInt(v4.slice(0, 16), 2).toString(16);
    const lo = parseInt(v4.slice(16), 2).toString(16);
    hex = `${text.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  if (halves.length === 2) {
    const left = halves[0] === '' ? [] : halves[0]!.split(':');
    const right = halves[1] === '' ? [] : halves[1]!.split(':');
    if (left.length + right.length > 7) return null;
    const zeros: string[] = new Array<string>(8 - left.length - right.length).fill('0');
    return groupsToBits([...left, ...zeros, ...right]);
  }
  const groups = hex.split(':');
  return groups.length === 8 ? groupsToBits(groups) : null;
}

export function parse(text: string): { family: 'IPv4' | 'IPv6'; bits: Bits } | null {
  const v4 = parse4(text);
  if (v4 !== null) return { family: 'IPv4', bits: v4 };
  const v6 = parse6(text);
  return v6 === null ? null : { family: 'IPv6', bits: v6 };
}

export function format4(bits: Bits): string {
  const out: number[] = [];
  for (let i = 0; i < 32; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return out.join('.');
}

/** RFC 5952, plus the §5 mixed form for IPv4-mapped addresses. */
export function format6(bits: Bits): string {
  const groups: number[] = [];
  for (let i = 0; i < 128; i += 16) groups.push(parseInt(bits.slice(i, i + 16), 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${format4(bits.slice(96))}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function toBigInt(bits: Bits): bigint {
  return BigInt(`0b${bits}`);
}

export function fromBigInt(value: bigint, width: number): Bits {
  return value.toString(2).padStart(width, '0');
}

export function networkBits(bits: Bits, length: number): Bits {
  return bits.slice(0, length) + '0'.repeat(bits.length - length);
}

export function lastBits(bits: Bits, length: number): Bits {
  return bits.slice(0, length) + '1'.repeat(bits.length - length);
}

export function maskBits(width: number, length: number): Bits {
  return '1'.repeat(length) + '0'.repeat(width - length);
}

export function inPrefix(bits: Bits, network: Bits, length: number): boolean {
  return bits.length === network.length && bits.slice(0, length) === network.slice(0, length);
}

/** Two closed intervals share an address iff the larger start is not past the smaller end. */
export function overlap(a: [Bits, Bits], b: [Bits, Bits]): boolean {
  if (a[0].length !== b[0].length) return false;
  const start = a[0] > b[0] ? a[0] : b[0];
  const end = a[1] < b[1] ? a[1] : b[1];
  return start <= end;
}

/** Binary increment with carry; null past the all-ones address. */
export function increment(bits: Bits): Bits | null {
  const i = bits.lastIndexOf('0');
  if (i < 0) return null;
  return bits.slice(0, i) + '1' + '0'.repeat(bits.length - i - 1);
}

export function decrement(bits: Bits): Bits | null {
  const i = bits.lastIndexOf('1');
  if (i < 0) return null;
  return bits.slice(0, i) + '0' + '1'.repeat(bits.length - i - 1);
}

/** 2^n as a decimal-free BigInt built from its binary text. */
export function powerOfTwo(n: number): bigint {
  return BigInt(`0b1${'0'.repeat(n)}`);
}
