import { describe, it, expect } from '@jest/globals';
import {
  IPParseError,
  addressEquals,
  addressFromValue,
  compareAddresses,
  detectFamily,
  familyBits,
  formatAddress,
  formatCidr,
  formatRange,
  hostMask,
  maxAddressValue,
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
  rangeOf,
  rangeSize,
  rangesOverlap,
  rangeWithin,
  safeParseAddress,
  safeParseCidr,
  safeParseRange,
  type IPAddress,
  type IPFamily,
  type IPRange,
} from '../src/index.js';

const v4 = (value: bigint): IPAddress => ({ family: 'IPv4', value });
const v6 = (value: bigint): IPAddress => ({ family: 'IPv6', value });
const a = (text: string): IPAddress => parseAddress(text);
const r = (text: string): IPRange => parseRange(text);
const ALL_V6 = (1n << 128n) - 1n;

describe('parseAddress / formatAddress', () => {
  it.each<[string, IPFamily, bigint, string]>([
    ['0.0.0.0', 'IPv4', 0n, '0.0.0.0'],
    ['255.255.255.255', 'IPv4', 0xffffffffn, '255.255.255.255'],
    ['192.168.1.240', 'IPv4', 0xc0a801f0n, '192.168.1.240'],
    ['::', 'IPv6', 0n, '::'],
    ['::1', 'IPv6', 1n, '::1'],
    ['0:0:0:0:0:0:0:0', 'IPv6', 0n, '::'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'IPv6', ALL_V6, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'IPv6', ALL_V6, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', 'IPv6', 0x20010db8000000000000000000000001n, '2001:db8::1'],
    // RFC 5952 §4.2.2: a single zero group is not compressed.
    ['2001:db8:0:1:1:1:1:1', 'IPv6', 0x20010db8000000010001000100010001n, '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the first of two equally long zero runs is compressed.
    ['2001:db8:0:0:1:0:0:1', 'IPv6', 0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    // §4.2.1: the longest run wins even when it comes second.
    ['1:0:0:2:0:0:0:3', 'IPv6', 0x00010000000000020000000000000003n, '1:0:0:2::3'],
    ['1:2:3:4:5:6:7::', 'IPv6', 0x00010002000300040005000600070000n, '1:2:3:4:5:6:7:0'],
    ['fd53:9ef0:8683::', 'IPv6', 0xfd539ef0868300000000000000000000n, 'fd53:9ef0:8683::'],
    // IPv4-mapped IPv6 stays IPv6 and is written in the RFC 5952 §5 mixed form.
    ['::ffff:1.2.3.4', 'IPv6', 0xffff01020304n, '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', 'IPv6', 0xffff01020304n, '::ffff:1.2.3.4'],
    ['::FFFF:0.0.0.0', 'IPv6', 0xffff00000000n, '::ffff:0.0.0.0'],
    ['::ffff:255.255.255.255', 'IPv6', 0xffffffffffffn, '::ffff:255.255.255.255'],
    // Only ::ffff:0:0/96 gets the mixed form; the deprecated IPv4-compatible block does not.
    ['::1.2.3.4', 'IPv6', 0x01020304n, '::102:304'],
    ['::1:ffff:1.2.3.4', 'IPv6', 0x1ffff01020304n, '::1:ffff:102:304'],
  ])('%s → %s %s → %s', (text, family, value, canonical) => {
    const parsed = parseAddress(text);
    expect(parsed).toEqual({ family, value });
    expect(formatAddress(parsed)).toBe(canonical);
    expect(parseAddress(canonical)).toEqual(parsed);
  });

  it.each<[string, string, string]>([
    ['', 'EMPTY', '"": not an IPv4 or IPv6 address'],
    ['10.0.0.300', 'INVALID_ADDRESS', '10.0.0.300: not an IPv4 or IPv6 address'],
    ['256.0.0.1', 'INVALID_ADDRESS', '256.0.0.1: not an IPv4 or IPv6 address'],
    ['1.2.3', 'INVALID_ADDRESS', '1.2.3: not an IPv4 or IPv6 address'],
    ['1.2.3.4.5', 'INVALID_ADDRESS', '1.2.3.4.5: not an IPv4 or IPv6 address'],
    ['010.0.0.1', 'INVALID_ADDRESS', '010.0.0.1: not an IPv4 or IPv6 address (leading zeros in IPv4 parts are ambiguous)'],
    ['::ffff:1.2.3.04', 'INVALID_ADDRESS', '::ffff:1.2.3.04: not an IPv4 or IPv6 address (leading zeros in IPv4 parts are ambiguous)'],
    [' 10.0.0.1', 'INVALID_ADDRESS', '" 10.0.0.1": not an IPv4 or IPv6 address'],
    ['0x0a.0.0.1', 'INVALID_ADDRESS', '0x0a.0.0.1: not an IPv4 or IPv6 address'],
    ['abc', 'INVALID_ADDRESS', 'abc: not an IPv4 or IPv6 address'],
    ['1::2::3', 'INVALID_ADDRESS', '1::2::3: not an IPv4 or IPv6 address'],
    ['1:2:3:4:5:6:7:8:9', 'INVALID_ADDRESS', '1:2:3:4:5:6:7:8:9: not an IPv4 or IPv6 address'],
    ['1:2:3:4:5:6:7::8', 'INVALID_ADDRESS', '1:2:3:4:5:6:7::8: not an IPv4 or IPv6 address'],
    ['12345::1', 'INVALID_ADDRESS', '12345::1: not an IPv4 or IPv6 address'],
    ['[::1]', 'INVALID_ADDRESS', '[::1]: not an IPv4 or IPv6 address'],
    ['fe80::1%eth0', 'ZONE_ID', 'fe80::1%eth0: zone id "%eth0" is not allowed; give the address without it'],
    ['fe80::1%', 'ZONE_ID', 'fe80::1%: zone id "%" is not allowed; give the address without it'],
    ['10.0.0.1/24', 'UNEXPECTED_PREFIX', '10.0.0.1/24: expected a single address, not a prefix'],
  ])('rejects %j', (text, code, message) => {
    expect(() => parseAddress(text)).toThrow(IPParseError);
    const result = safeParseAddress(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(Error);
    expect(result.error.name).toBe('IPParseError');
    expect(result.error.code).toBe(code);
    expect(result.error.input).toBe(text);
    expect(result.error.message).toBe(message);
  });

  it('safeParseAddress returns the value on success', () => {
    expect(safeParseAddress('10.1.2.3')).toEqual({ ok: true, value: v4(0x0a010203n) });
  });
});

describe('detectFamily', () => {
  it.each<[string, IPFamily | undefined]>([
    ['10.0.0.1', 'IPv4'],
    ['fd00::1', 'IPv6'],
    ['::ffff:10.0.0.1', 'IPv6'],
    ['10.0.0.0/8', undefined],
    ['fe80::1%eth0', undefined],
    ['nonsense', undefined],
    ['', undefined],
  ])('%j → %s', (text, family) => {
    expect(detectFamily(text)).toBe(family);
  });
});

describe('parseCidr / formatCidr', () => {
  it.each<[string, IPFamily, bigint, number, string]>([
    ['192.168.1.0/24', 'IPv4', 0xc0a80100n, 24, '192.168.1.0/24'],
    ['0.0.0.0/0', 'IPv4', 0n, 0, '0.0.0.0/0'],
    ['255.255.255.255/32', 'IPv4', 0xffffffffn, 32, '255.255.255.255/32'],
    ['fd53:9ef0:8683::/120', 'IPv6', 0xfd539ef0868300000000000000000000n, 120, 'fd53:9ef0:8683::/120'],
    ['::/0', 'IPv6', 0n, 0, '::/0'],
    ['2001:DB8:0::/64', 'IPv6', 0x20010db8000000000000000000000000n, 64, '2001:db8::/64'],
    ['::ffff:10.0.0.0/104', 'IPv6', 0xffff0a000000n, 104, '::ffff:10.0.0.0/104'],
  ])('%s', (text, family, network, length, canonical) => {
    const p = parseCidr(text);
    expect(p).toEqual({ family, network, length });
    expect(formatCidr(p)).toBe(canonical);
  });

  it.each<[string, string, string]>([
    ['192.168.1.0/33', 'PREFIX_OUT_OF_RANGE', '192.168.1.0/33: prefix 33 is out of range for IPv4'],
    ['fd00::/129', 'PREFIX_OUT_OF_RANGE', 'fd00::/129: prefix 129 is out of range for IPv6'],
    ['10.0.0.0', 'INVALID_PREFIX', '10.0.0.0: not a CIDR prefix (expected ADDRESS/LENGTH)'],
    ['10.0.0.0/8/8', 'INVALID_PREFIX', "10.0.0.0/8/8: more than one '/'"],
    ['10.0.0.0/', 'INVALID_PREFIX', '10.0.0.0/: prefix length "" is not a decimal number'],
    ['10.0.0.0/08', 'INVALID_PREFIX', '10.0.0.0/08: prefix length "08" is not a decimal number'],
    ['10.0.0.0/x', 'INVALID_PREFIX', '10.0.0.0/x: prefix length "x" is not a decimal number'],
    ['10.0.0.300/24', 'INVALID_ADDRESS', '10.0.0.300/24: address 10.0.0.300: not an IPv4 or IPv6 address'],
    ['/24', 'EMPTY', '/24: address is missing'],
    ['192.168.1.5/24', 'HOST_BITS_SET', '192.168.1.5/24: host bits are set (the network is 192.168.1.0/24)'],
    ['fd00::1/64', 'HOST_BITS_SET', 'fd00::1/64: host bits are set (the network is fd00::/64)'],
    ['fe80::%eth0/64', 'ZONE_ID', 'fe80::%eth0/64: address fe80::%eth0: zone id "%eth0" is not allowed; give the address without it'],
  ])('rejects %j', (text, code, message) => {
    const result = safeParseCidr(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toBe(message);
    expect(() => parseCidr(text)).toThrow(message);
  });

  it('masks host bits when asked to', () => {
    expect(parseCidr('192.168.1.5/24', { hostBits: 'mask' })).toEqual({ family: 'IPv4', network: 0xc0a80100n, length: 24 });
    expect(safeParseCidr('fd00::1/64', { hostBits: 'mask' })).toEqual({
      ok: true,
      value: { family: 'IPv6', network: 0xfd000000000000000000000000000000n, length: 64 },
    });
  });
});

describe('parseRange / formatRange', () => {
  it.each<[string, IPFamily, bigint, bigint, string]>([
    ['192.168.1.240-192.168.1.250', 'IPv4', 0xc0a801f0n, 0xc0a801fan, '192.168.1.240-192.168.1.250'],
    ['192.168.1.240 - 192.168.1.250 ', 'IPv4', 0xc0a801f0n, 0xc0a801fan, '192.168.1.240-192.168.1.250'],
    ['10.0.0.7-10.0.0.7', 'IPv4', 0x0a000007n, 0x0a000007n, '10.0.0.7-10.0.0.7'],
    ['172.31.1.0/24', 'IPv4', 0xac1f0100n, 0xac1f01ffn, '172.31.1.0-172.31.1.255'],
    ['0.0.0.0/0', 'IPv4', 0n, 0xffffffffn, '0.0.0.0-255.255.255.255'],
    ['fd53:9ef0:8683::-fd53:9ef0:8683::3', 'IPv6', 0xfd539ef0868300000000000000000000n, 0xfd539ef0868300000000000000000003n, 'fd53:9ef0:8683::-fd53:9ef0:8683::3'],
    ['2001:db8::/127', 'IPv6', 0x20010db8000000000000000000000000n, 0x20010db8000000000000000000000001n, '2001:db8::-2001:db8::1'],
    ['::/0', 'IPv6', 0n, ALL_V6, '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('%j', (text, family, first, last, canonical) => {
    const range = parseRange(text);
    expect(range).toEqual({ family, first, last });
    expect(formatRange(range)).toBe(canonical);
    expect(parseRange(canonical)).toEqual(range);
  });

  it.each<[string, string, string]>([
    ['192.168.1.250-192.168.1.240', 'START_AFTER_END', '192.168.1.250-192.168.1.240: start is after end'],
    ['192.168.1.1-fd00::1', 'MIXED_FAMILIES', '192.168.1.1-fd00::1: mixed families'],
    ['::ffff:1.2.3.4-1.2.3.5', 'MIXED_FAMILIES', '::ffff:1.2.3.4-1.2.3.5: mixed families'],
    ['10.0.0.1-10.0.0.300', 'INVALID_ADDRESS', '10.0.0.1-10.0.0.300: end address 10.0.0.300: not an IPv4 or IPv6 address'],
    ['10.0.0.300-10.0.0.301', 'INVALID_ADDRESS', '10.0.0.300-10.0.0.301: start address 10.0.0.300: not an IPv4 or IPv6 address'],
    ['-10.0.0.1', 'EMPTY', '-10.0.0.1: start address is missing'],
    ['10.0.0.1-', 'EMPTY', '10.0.0.1-: end address is missing'],
    ['10.0.0.1', 'INVALID_RANGE', '10.0.0.1: not a range (expected FIRST-LAST or a CIDR prefix)'],
    ['1.1.1.1-2.2.2.2-3.3.3.3', 'INVALID_RANGE', "1.1.1.1-2.2.2.2-3.3.3.3: more than one '-'"],
    ['', 'EMPTY', '"": not a range (expected FIRST-LAST or a CIDR prefix)'],
    ['192.168.1.0/33', 'PREFIX_OUT_OF_RANGE', '192.168.1.0/33: prefix 33 is out of range for IPv4'],
    ['172.31.1.5/24', 'HOST_BITS_SET', '172.31.1.5/24: host bits are set (the network is 172.31.1.0/24)'],
    ['fe80::1%eth0-fe80::2', 'ZONE_ID', 'fe80::1%eth0-fe80::2: start address fe80::1%eth0: zone id "%eth0" is not allowed; give the address without it'],
  ])('rejects %j', (text, code, message) => {
    const result = safeParseRange(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.input).toBe(text);
    expect(result.error.message).toBe(message);
    expect(() => parseRange(text)).toThrow(message);
  });

  it('masks host bits of a CIDR range when asked to', () => {
    expect(parseRange('172.31.1.5/24', { hostBits: 'mask' })).toEqual(r('172.31.1.0/24'));
  });
});

describe('family constants', () => {
  it.each<[IPFamily, number, bigint]>([
    ['IPv4', 32, 0xffffffffn],
    ['IPv6', 128, ALL_V6],
  ])('%s', (family, bits, max) => {
    expect(familyBits(family)).toBe(bits);
    expect(maxAddressValue(family)).toBe(max);
  });
});

describe('addressFromValue', () => {
  it('accepts values within the family', () => {
    expect(addressFromValue('IPv4', 0xffffffffn)).toEqual(v4(0xffffffffn));
    expect(addressFromValue('IPv6', ALL_V6)).toEqual(v6(ALL_V6));
  });
  it.each<[IPFamily, bigint]>([
    ['IPv4', 1n << 32n],
    ['IPv4', -1n],
    ['IPv6', 1n << 128n],
  ])('rejects %s %s', (family, value) => {
    expect(() => addressFromValue(family, value)).toThrow(RangeError);
  });
});

describe('masks', () => {
  it.each<[IPFamily, number, string, bigint]>([
    ['IPv4', 0, '0.0.0.0', 0xffffffffn],
    ['IPv4', 8, '255.0.0.0', 0xffffffn],
    ['IPv4', 24, '255.255.255.0', 0xffn],
    ['IPv4', 31, '255.255.255.254', 1n],
    ['IPv4', 32, '255.255.255.255', 0n],
    ['IPv6', 0, '::', ALL_V6],
    ['IPv6', 64, 'ffff:ffff:ffff:ffff::', (1n << 64n) - 1n],
    ['IPv6', 120, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00', 0xffn],
    ['IPv6', 128, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 0n],
  ])('%s /%d', (family, length, mask, host) => {
    expect(formatAddress(prefixMaskAddress(family, length))).toBe(mask);
    expect(prefixMask(family, length)).toBe(prefixMaskAddress(family, length).value);
    expect(hostMask(family, length)).toBe(host);
  });

  it.each<[IPFamily, number]>([
    ['IPv4', 33],
    ['IPv4', -1],
    ['IPv6', 129],
    ['IPv6', 1.5],
  ])('rejects %s /%d', (family, length) => {
    expect(() => prefixMask(family, length)).toThrow(`prefix length ${length} is out of range for ${family}`);
    expect(() => hostMask(family, length)).toThrow(RangeError);
  });
});

describe('prefixSize', () => {
  it.each<[IPFamily, number, bigint]>([
    ['IPv4', 0, 4294967296n],
    ['IPv4', 24, 256n],
    ['IPv4', 32, 1n],
    ['IPv6', 0, 340282366920938463463374607431768211456n],
    ['IPv6', 64, 18446744073709551616n],
    ['IPv6', 120, 256n],
    ['IPv6', 128, 1n],
  ])('%s /%d has %s addresses', (family, length, size) => {
    expect(prefixSize(family, length)).toBe(size);
    expect(rangeSize(prefixToRange({ family, network: 0n, length }))).toBe(size);
  });
});

describe('networkOf / prefixContains / prefixToRange', () => {
  it.each<[string, number, string, string]>([
    ['192.168.1.77', 24, '192.168.1.0/24', '192.168.1.0-192.168.1.255'],
    ['192.168.1.77', 32, '192.168.1.77/32', '192.168.1.77-192.168.1.77'],
    ['192.168.1.77', 0, '0.0.0.0/0', '0.0.0.0-255.255.255.255'],
    ['10.1.2.3', 31, '10.1.2.2/31', '10.1.2.2-10.1.2.3'],
    ['fd53:9ef0:8683::42', 120, 'fd53:9ef0:8683::/120', 'fd53:9ef0:8683::-fd53:9ef0:8683::ff'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2::/64', '2001:db8:1:2::-2001:db8:1:2:ffff:ffff:ffff:ffff'],
    ['::ffff:10.9.8.7', 104, '::ffff:10.0.0.0/104', '::ffff:10.0.0.0-::ffff:10.255.255.255'],
  ])('%s/%d', (address, length, cidr, range) => {
    const p = networkOf(a(address), length);
    expect(formatCidr(p)).toBe(cidr);
    expect(formatRange(prefixToRange(p))).toBe(range);
    expect(prefixContains(p, a(address))).toBe(true);
  });

  it.each<[string, string, boolean]>([
    ['192.168.1.0/24', '192.168.1.0', true],
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.0.255', false],
    ['192.168.1.0/24', '192.168.2.0', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['0.0.0.0/0', '::', false],
    ['::/0', '0.0.0.0', false],
    ['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['::ffff:0:0/96', '::ffff:1.2.3.4', true],
    ['::ffff:0:0/96', '1.2.3.4', false],
    ['fd00::/64', 'fd00::ffff:ffff:ffff:ffff', true],
    ['fd00::/64', 'fd00:0:0:1::', false],
  ])('%s contains %s: %s', (cidr, address, expected) => {
    expect(prefixContains(parseCidr(cidr), a(address))).toBe(expected);
  });
});

describe('rangeContains', () => {
  it.each<[string, string, boolean]>([
    ['192.168.1.240-192.168.1.250', '192.168.1.240', true],
    ['192.168.1.240-192.168.1.250', '192.168.1.250', true],
    ['192.168.1.240-192.168.1.250', '192.168.1.239', false],
    ['192.168.1.240-192.168.1.250', '192.168.1.251', false],
    ['192.168.1.240-192.168.1.250', '::ffff:192.168.1.245', false],
    ['fd00::-fd00::3', 'fd00::3', true],
    ['fd00::-fd00::3', 'fd00::4', false],
  ])('%s contains %s: %s', (range, address, expected) => {
    expect(rangeContains(r(range), a(address))).toBe(expected);
  });
});

describe('rangeWithin', () => {
  it.each<[string, string, boolean]>([
    ['192.168.1.240-192.168.1.250', '192.168.1.0/24', true],
    ['192.168.1.0/24', '192.168.1.0/24', true],
    ['192.168.1.240-192.168.2.1', '192.168.1.0/24', false],
    ['192.168.0.255-192.168.1.1', '192.168.1.0/24', false],
    ['10.0.0.5-10.0.0.6', '10.0.0.0-10.0.0.10', true],
    ['10.0.0.5-10.0.0.11', '10.0.0.0-10.0.0.10', false],
    ['fd53:9ef0:8683::-fd53:9ef0:8683::3', 'fd53:9ef0:8683::/120', true],
    ['fd53:9ef0:8683::-fd53:9ef0:8683::100', 'fd53:9ef0:8683::/120', false],
    ['::ffff:192.168.1.1-::ffff:192.168.1.2', '192.168.1.0/24', false],
  ])('%s within %s: %s', (inner, outer, expected) => {
    const outerValue = outer.includes('/') ? parseCidr(outer) : r(outer);
    expect(rangeWithin(r(inner), outerValue)).toBe(expected);
  });
});

describe('rangesOverlap', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0-10.0.0.10', '10.0.0.10-10.0.0.20', true],
    ['10.0.0.0-10.0.0.10', '10.0.0.11-10.0.0.20', false],
    ['10.0.0.5-10.0.0.6', '10.0.0.0-10.0.0.10', true],
    ['10.0.0.0-10.0.0.10', '10.0.0.5-10.0.0.6', true],
    ['10.0.0.0/24', '10.0.1.0/24', false],
    ['10.0.0.0/23', '10.0.1.0/24', true],
    ['10.0.0.7-10.0.0.7', '10.0.0.7-10.0.0.7', true],
    // Nested ranges and ranges sharing one end address: what a test using < instead of <=, or
    // checking only whether b's start lies in a, gets wrong.
    ['10.0.0.0-10.0.0.255', '10.0.0.255-10.0.0.255', true],
    ['0.0.0.0-0.0.0.0', '0.0.0.1-255.255.255.255', false],
    ['fd00::-fd00::ff', 'fd00::100-fd00::1ff', false],
    ['fd00::-fd00::100', 'fd00::100-fd00::1ff', true],
    ['::/0', '0.0.0.0/0', false],
    ['::ffff:10.0.0.0/120', '10.0.0.0/24', false],
  ])('%s and %s: %s', (x, y, expected) => {
    expect(rangesOverlap(r(x), r(y))).toBe(expected);
    expect(rangesOverlap(r(y), r(x))).toBe(expected);
  });
});

describe('rangeSize', () => {
  it.each<[string, bigint]>([
    ['192.168.1.240-192.168.1.250', 11n],
    ['10.0.0.7-10.0.0.7', 1n],
    ['0.0.0.0/0', 1n << 32n],
    ['fd53:9ef0:8683::-fd53:9ef0:8683::3', 4n],
    ['2001:db8::/64', 1n << 64n],
    ['::/0', 1n << 128n],
  ])('%s has %s', (range, size) => {
    expect(rangeSize(r(range))).toBe(size);
  });
});

describe('rangeOf', () => {
  it('builds a closed interval', () => {
    expect(rangeOf(a('10.0.0.1'), a('10.0.0.9'))).toEqual(r('10.0.0.1-10.0.0.9'));
  });
  it('refuses mixed families and reversed bounds', () => {
    expect(() => rangeOf(a('10.0.0.1'), a('fd00::1'))).toThrow('range bounds are of different families');
    expect(() => rangeOf(a('10.0.0.9'), a('10.0.0.1'))).toThrow('range start is after its end');
  });
});

describe('nextAddress / previousAddress', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['0.0.0.0', '0.0.0.1', undefined],
    ['255.255.255.255', undefined, '255.255.255.254'],
    ['10.0.0.255', '10.0.1.0', '10.0.0.254'],
    ['::', '::1', undefined],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', undefined, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'],
    ['fd00::ffff', 'fd00::1:0', 'fd00::fffe'],
    ['::ffff:0.0.0.0', '::ffff:0.0.0.1', '::fffe:ffff:ffff'],
    ['::ffff:255.255.255.255', '::1:0:0:0', '::ffff:255.255.255.254'],
  ])('%s → next %s, previous %s', (address, next, previous) => {
    const n = nextAddress(a(address));
    const p = previousAddress(a(address));
    expect(n === undefined ? undefined : formatAddress(n)).toBe(next);
    expect(p === undefined ? undefined : formatAddress(p)).toBe(previous);
  });
});

describe('compareAddresses / addressEquals', () => {
  it.each<[string, string, number]>([
    ['10.0.0.1', '10.0.0.2', -1],
    ['10.0.0.2', '10.0.0.1', 1],
    ['10.0.0.1', '10.0.0.1', 0],
    ['255.255.255.255', '::', -1],
    ['::', '0.0.0.0', 1],
    ['::ffff:1.2.3.4', '1.2.3.4', 1],
  ])('%s vs %s: %d', (x, y, expected) => {
    expect(compareAddresses(a(x), a(y))).toBe(expected);
    expect(addressEquals(a(x), a(y))).toBe(expected === 0);
  });

  it('sorts a mixed list', () => {
    const sorted = ['fd00::1', '10.0.0.2', '::', '10.0.0.1'].map(a).sort(compareAddresses).map(formatAddress);
    expect(sorted).toEqual(['10.0.0.1', '10.0.0.2', '::', 'fd00::1']);
  });
});
