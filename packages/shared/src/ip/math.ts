import { familyBits, maxAddressValue, type IPAddress, type IPFamily, type IPPrefix, type IPRange } from './types.js';

function checkLength(family: IPFamily, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > familyBits(family)) {
    throw new RangeError(`prefix length ${length} is out of range for ${family}`);
  }
}

/** Builds an address from its integer value; throws a RangeError when the value does not fit the family. */
export function addressFromValue(family: IPFamily, value: bigint): IPAddress {
  if (value < 0n || value > maxAddressValue(family)) {
    throw new RangeError(`${value} is not a valid ${family} address value`);
  }
  return { family, value };
}

/** The netmask of a prefix length as an integer, e.g. /24 → 0xffffff00. */
export function prefixMask(family: IPFamily, length: number): bigint {
  checkLength(family, length);
  return maxAddressValue(family) ^ hostMaskUnchecked(family, length);
}

/** The host part of a prefix length as an integer, e.g. /24 → 0xff. */
export function hostMask(family: IPFamily, length: number): bigint {
  checkLength(family, length);
  return hostMaskUnchecked(family, length);
}

function hostMaskUnchecked(family: IPFamily, length: number): bigint {
  return (1n << BigInt(familyBits(family) - length)) - 1n;
}

/** The netmask as an address (255.255.255.0 for an IPv4 /24), for APIs that want it in that form. */
export function prefixMaskAddress(family: IPFamily, length: number): IPAddress {
  return { family, value: prefixMask(family, length) };
}

/** The prefix of the given length that holds `address` (host bits cleared). */
export function networkOf(address: IPAddress, length: number): IPPrefix {
  return { family: address.family, network: address.value & prefixMask(address.family, length), length };
}

/** Number of addresses in a prefix of this length: 2^(bits − length), exact. */
export function prefixSize(family: IPFamily, length: number): bigint {
  return hostMask(family, length) + 1n;
}

export function prefixToRange(prefix: IPPrefix): IPRange {
  return {
    family: prefix.family,
    first: prefix.network,
    last: prefix.network | hostMask(prefix.family, prefix.length),
  };
}

export function prefixContains(prefix: IPPrefix, address: IPAddress): boolean {
  return (
    prefix.family === address.family &&
    (address.value & prefixMask(prefix.family, prefix.length)) === prefix.network
  );
}

export function rangeContains(range: IPRange, address: IPAddress): boolean {
  return range.family === address.family && range.first <= address.value && address.value <= range.last;
}

/** True when every address of `inner` is also in `outer` (a range or a prefix, e.g. a pool in its subnet). */
export function rangeWithin(inner: IPRange, outer: IPRange | IPPrefix): boolean {
  const o = 'network' in outer ? prefixToRange(outer) : outer;
  return inner.family === o.family && o.first <= inner.first && inner.last <= o.last;
}

/** Closed intervals [a,b] and [c,d] share an address iff a <= d and c <= b. Different families never do. */
export function rangesOverlap(a: IPRange, b: IPRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Number of addresses in the range, exact (an IPv6 /64 is 2^64). */
export function rangeSize(range: IPRange): bigint {
  return range.last - range.first + 1n;
}

/** The following address, or undefined after the family's last address. */
export function nextAddress(address: IPAddress): IPAddress | undefined {
  return address.value === maxAddressValue(address.family)
    ? undefined
    : { family: address.family, value: address.value + 1n };
}

/** The preceding address, or undefined before the family's first address. */
export function previousAddress(address: IPAddress): IPAddress | undefined {
  return address.value === 0n ? undefined : { family: address.family, value: address.value - 1n };
}

/** Total order: every IPv4 address before every IPv6 address, then by value. */
export function compareAddresses(a: IPAddress, b: IPAddress): number {
  if (a.family !== b.family) return a.family === 'IPv4' ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function addressEquals(a: IPAddress, b: IPAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Builds a range from two addresses; throws a RangeError on mixed families or first > last. */
export function rangeOf(first: IPAddress, last: IPAddress): IPRange {
  if (first.family !== last.family) throw new RangeError('range bounds are of different families');
  if (first.value > last.value) throw new RangeError('range start is after its end');
  return { family: first.family, first: first.value, last: last.value };
}
