import { Address4, Address6 } from 'ip-address';
import { IPParseError, showInput, type ParseResult } from './errors.js';
import { formatAddress } from './format.js';
import { hostMask, prefixToRange } from './math.js';
import { familyBits, type IPAddress, type IPFamily, type IPPrefix, type IPRange } from './types.js';

const NOT_AN_ADDRESS = 'not an IPv4 or IPv6 address';

// ip-address accepts zones, prefixes and (in Address6) a few forms we want to name precisely, so the
// text is screened here first and ip-address only ever sees a candidate bare address.
const V4_CHARS = /^[0-9.]+$/;
const V6_CHARS = /^[0-9A-Fa-f:.]+$/;

/**
 * Parses one IPv4 or IPv6 address (no zone id, no prefix). IPv4-mapped IPv6 (`::ffff:1.2.3.4`) stays
 * an IPv6 address, as written: quietly turning it into IPv4 would let an IPv6 pool entry land in the
 * IPv4 address space. (Go's net.ParseIP, and so parts of Kubernetes, call it IPv4; callers that take
 * addresses from the API server must decide for themselves.)
 */
export function parseAddress(text: string): IPAddress {
  if (text === '') throw new IPParseError('EMPTY', text, NOT_AN_ADDRESS);
  const zone = text.indexOf('%');
  if (zone >= 0) {
    throw new IPParseError(
      'ZONE_ID',
      text,
      `zone id "${text.slice(zone)}" is not allowed; give the address without it`,
    );
  }
  if (text.includes('/')) {
    throw new IPParseError('UNEXPECTED_PREFIX', text, 'expected a single address, not a prefix');
  }
  if (text.includes(':')) {
    if (!V6_CHARS.test(text)) throw new IPParseError('INVALID_ADDRESS', text, NOT_AN_ADDRESS);
    try {
      return { family: 'IPv6', value: new Address6(text).bigInt() };
    } catch (e) {
      throw invalidAddress(text, e);
    }
  }
  if (!V4_CHARS.test(text)) throw new IPParseError('INVALID_ADDRESS', text, NOT_AN_ADDRESS);
  try {
    return { family: 'IPv4', value: new Address4(text).bigInt() };
  } catch (e) {
    throw invalidAddress(text, e);
  }
}

function invalidAddress(text: string, cause: unknown): IPParseError {
  // A leading zero is the one mistake worth explaining: inet_aton reads 010 as octal 8, so we refuse
  // to guess rather than disagree with other tools about which address was meant.
  const leadingZero = cause instanceof Error && /leading zero/i.test(cause.message);
  return new IPParseError(
    'INVALID_ADDRESS',
    text,
    leadingZero ? `${NOT_AN_ADDRESS} (leading zeros in IPv4 parts are ambiguous)` : NOT_AN_ADDRESS,
  );
}

export interface PrefixOptions {
  /**
   * What to do with `192.168.1.5/24`: `reject` (default) treats set host bits as a mistake,
   * `mask` keeps the network (192.168.1.0/24), as for an interface address.
   */
  hostBits?: 'reject' | 'mask';
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Parses `ADDRESS/LENGTH` into a prefix. */
export function parseCidr(text: string, options: PrefixOptions = {}): IPPrefix {
  const parts = text.split('/');
  if (parts.length !== 2) {
    throw new IPParseError(
      'INVALID_PREFIX',
      text,
      parts.length === 1 ? 'not a CIDR prefix (expected ADDRESS/LENGTH)' : "more than one '/'",
    );
  }
  const [addrText, lenText] = parts as [string, string];
  const address = withContext(text, addrText, '');
  if (!DECIMAL.test(lenText)) {
    throw new IPParseError('INVALID_PREFIX', text, `prefix length "${lenText}" is not a decimal number`);
  }
  const length = Number(lenText);
  if (length > familyBits(address.family)) {
    throw new IPParseError('PREFIX_OUT_OF_RANGE', text, `prefix ${lenText} is out of range for ${address.family}`);
  }
  const host = address.value & hostMask(address.family, length);
  const network = address.value ^ host;
  if (host !== 0n && options.hostBits !== 'mask') {
    const canonical = `${formatAddress({ family: address.family, value: network })}/${length}`;
    throw new IPParseError('HOST_BITS_SET', text, `host bits are set (the network is ${canonical})`);
  }
  return { family: address.family, network, length };
}

/**
 * Parses a pool range: `FIRST-LAST` (inclusive, same family, FIRST <= LAST) or a CIDR prefix, which
 * stands for every address in it. Whitespace around the bounds is ignored.
 */
export function parseRange(text: string, options: PrefixOptions = {}): IPRange {
  const trimmed = text.trim();
  if (trimmed === '') throw new IPParseError('EMPTY', text, 'not a range (expected FIRST-LAST or a CIDR prefix)');
  const parts = trimmed.split('-');
  if (parts.length === 1) {
    if (!trimmed.includes('/')) {
      throw new IPParseError('INVALID_RANGE', text, 'not a range (expected FIRST-LAST or a CIDR prefix)');
    }
    try {
      return prefixToRange(parseCidr(trimmed, options));
    } catch (e) {
      if (e instanceof IPParseError) throw new IPParseError(e.code, text, e.reason);
      throw e;
    }
  }
  if (parts.length > 2) throw new IPParseError('INVALID_RANGE', text, "more than one '-'");
  const first = withContext(text, (parts[0] as string).trim(), 'start ');
  const last = withContext(text, (parts[1] as string).trim(), 'end ');
  if (first.family !== last.family) throw new IPParseError('MIXED_FAMILIES', text, 'mixed families');
  if (first.value > last.value) throw new IPParseError('START_AFTER_END', text, 'start is after end');
  return { family: first.family, first: first.value, last: last.value };
}

/** Parses the address part of a larger text, reporting errors against the whole text with the part named. */
function withContext(whole: string, part: string, role: string): IPAddress {
  try {
    return parseAddress(part);
  } catch (e) {
    if (!(e instanceof IPParseError)) throw e;
    const name = `${role}address`.trimStart();
    throw new IPParseError(e.code, whole, part === '' ? `${name} is missing` : `${name} ${showInput(part)}: ${e.reason}`);
  }
}

/** The family of an address text, or undefined when the text is not a valid address. */
export function detectFamily(text: string): IPFamily | undefined {
  const r = safeParseAddress(text);
  return r.ok ? r.value.family : undefined;
}

function safely<T>(fn: () => T): ParseResult<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof IPParseError) return { ok: false, error: e };
    throw e;
  }
}

export function safeParseAddress(text: string): ParseResult<IPAddress> {
  return safely(() => parseAddress(text));
}

export function safeParseCidr(text: string, options?: PrefixOptions): ParseResult<IPPrefix> {
  return safely(() => parseCidr(text, options));
}

export function safeParseRange(text: string, options?: PrefixOptions): ParseResult<IPRange> {
  return safely(() => parseRange(text, options));
}

