/** Address family, spelled the way Kubernetes spells `spec.ipFamilies`. */
export type IPFamily = 'IPv4' | 'IPv6';

/** One address. `value` is the address as an unsigned integer of the family's width. */
export interface IPAddress {
  readonly family: IPFamily;
  readonly value: bigint;
}

/** A CIDR prefix. Invariant: `network` has no bits set past `length`. */
export interface IPPrefix {
  readonly family: IPFamily;
  readonly network: bigint;
  readonly length: number;
}

/** A closed interval of addresses of one family: `first <= last`, both included. */
export interface IPRange {
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
}

export const IPV4_BITS = 32;
export const IPV6_BITS = 128;

export function familyBits(family: IPFamily): number {
  return family === 'IPv4' ? IPV4_BITS : IPV6_BITS;
}

const MAX_V4 = (1n << 32n) - 1n;
const MAX_V6 = (1n << 128n) - 1n;

/** The highest address value of the family (255.255.255.255 or ffff:…:ffff). */
export function maxAddressValue(family: IPFamily): bigint {
  return family === 'IPv4' ? MAX_V4 : MAX_V6;
}
