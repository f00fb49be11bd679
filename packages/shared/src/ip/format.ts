import { Address4, Address6 } from 'ip-address';
import type { IPAddress, IPPrefix, IPRange } from './types.js';

// ::ffff:0:0/96: the upper 96 bits of an IPv4-mapped address are 0…0ffff.
const MAPPED_HIGH_BITS = 0xffffn;
const LOW_32_MASK = (1n << 32n) - 1n;

/**
 * Canonical text of an address: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, no leading
 * zeros, the longest run of two or more zero groups compressed, the first of equal runs), with the
 * RFC 5952 §5 mixed notation `::ffff:1.2.3.4` for IPv4-mapped addresses only (as Go's netip and
 * Rust's std do) so the mapped IPv4 address stays recognisable.
 */
export function formatAddress(address: IPAddress): string {
  if (address.family === 'IPv4') return Address4.fromBigInt(address.value).correctForm();
  if (address.value >> 32n === MAPPED_HIGH_BITS) {
    return `::ffff:${Address4.fromBigInt(address.value & LOW_32_MASK).correctForm()}`;
  }
  return Address6.fromBigInt(address.value).correctForm();
}

export function formatCidr(prefix: IPPrefix): string {
  return `${formatAddress({ family: prefix.family, value: prefix.network })}/${prefix.length}`;
}

/** `FIRST-LAST`, the form parseRange reads back. */
export function formatRange(range: IPRange): string {
  return `${formatAddress({ family: range.family, value: range.first })}-${formatAddress({ family: range.family, value: range.last })}`;
}
