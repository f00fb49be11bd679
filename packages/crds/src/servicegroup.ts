// ServiceGroup spec -> validated, normalised pools (SPEC §3.1). The CRD schema rejects what it can at
// apply time; this parser is the complete check the allocator relies on (it also sees objects that a
// different CRD version let through, and files checked before they are applied).

import {
  familyBits,
  IPParseError,
  parseCidr,
  parseRange,
  prefixToRange,
  rangesOverlap,
  rangeWithin,
  type IPFamily,
  type IPPrefix,
  type IPRange,
} from '@purelb/shared';
import { boundedInteger, isRecord, jsonType, optionalBoolean, unknownFields, type Problem } from './problems.js';
import type { ServiceGroup } from './types.js';

/** One usable pool. */
export interface NormalizedPool {
  family: IPFamily;
  /** The subnet as a prefix (host bits zero). */
  subnet: IPPrefix;
  /** The addresses to hand out, a closed interval. */
  range: IPRange;
  /** Prefix length for virtual addresses on kube-lb0 (`default` resolved to the subnet's length). */
  aggregation: number;
  /** Where it was declared, e.g. `spec.local.v4pools[1]`. */
  source: string;
  /** `pool` as written (trimmed), for messages. */
  text: string;
}

export interface NormalizedGroup {
  name: string;
  namespace?: string;
  /** Pools per family in declaration order: `v4pool` first, then `v4pools` in order (same for IPv6). */
  pools: { IPv4: NormalizedPool[]; IPv6: NormalizedPool[] };
  /** Namespaces allowed to use the group; empty = every namespace. */
  namespaces: string[];
  priority: number;
  avoidBuggyIPs: boolean;
}

export type ServiceGroupParseResult = { ok: true; group: NormalizedGroup } | { ok: false; problems: Problem[] };

/** Greatest priority the CRD allows (int32). */
export const MAX_PRIORITY = 2147483647;

const AGGREGATION = /^(default|\/\d{1,3})$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const FAMILY_KEYS: Record<IPFamily, { single: 'v4pool' | 'v6pool'; list: 'v4pools' | 'v6pools' }> = {
  IPv4: { single: 'v4pool', list: 'v4pools' },
  IPv6: { single: 'v6pool', list: 'v6pools' },
};
const OTHER: Record<IPFamily, IPFamily> = { IPv4: 'IPv6', IPv6: 'IPv4' };

/**
 * Parses a ServiceGroup. `others` are the other groups the allocator knows (raw objects or their
 * normalised form); a pool overlapping one of theirs is a problem that names the other group. An
 * entry of `others` with the same name as `sg` (and the same namespace, when both have one) is its
 * previous version and is skipped.
 * Raw others are parsed on their own and their well-formed pools count even if the rest of that
 * group is invalid: an overlap with them is a real conflict either way.
 */
export function parseServiceGroup(
  sg: ServiceGroup | unknown,
  others: readonly (ServiceGroup | NormalizedGroup)[] = [],
): ServiceGroupParseResult {
  const problems: Problem[] = [];
  const group = parseAlone(sg, problems);
  if (group) {
    for (const other of others) checkAgainst(group, other, problems);
  }
  if (problems.length > 0 || !group) return { ok: false, problems };
  return { ok: true, group };
}

/** Everything but the cross-group check. Returns the group with the pools that parsed, even when there are problems. */
function parseAlone(sg: unknown, problems: Problem[]): NormalizedGroup | undefined {
  if (!isRecord(sg)) {
    problems.push({ path: '', message: `a ServiceGroup must be an object (got ${jsonType(sg)})` });
    return undefined;
  }
  const meta = isRecord(sg.metadata) ? sg.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name === '') problems.push({ path: 'metadata.name', message: 'is required' });
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : undefined;

  const group: NormalizedGroup = {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    pools: { IPv4: [], IPv6: [] },
    namespaces: [],
    priority: 0,
    avoidBuggyIPs: false,
  };
  const spec = sg.spec;
  if (spec === undefined || spec === null) {
    problems.push({ path: 'spec', message: 'is required' });
    return group;
  }
  if (!isRecord(spec)) {
    problems.push({ path: 'spec', message: `must be an object (got ${jsonType(spec)})` });
    return group;
  }
  unknownFields(spec, ['local', 'namespaces', 'priority', 'avoidBuggyIPs'], 'spec', problems);

  parseLocal(spec.local, group, problems);
  group.namespaces = parseNamespaces(spec.namespaces, problems);
  group.priority = boundedInteger(spec.priority, 'spec.priority', 0, MAX_PRIORITY, 0, problems) ?? 0;
  group.avoidBuggyIPs = optionalBoolean(spec.avoidBuggyIPs, 'spec.avoidBuggyIPs', false, problems);
  return group;
}

function parseLocal(local: unknown, group: NormalizedGroup, problems: Problem[]): void {
  const path = 'spec.local';
  if (local === undefined || local === null) {
    problems.push({ path, message: 'is required (it holds v4pool, v6pool, v4pools and v6pools)' });
    return;
  }
  if (!isRecord(local)) {
    problems.push({ path, message: `must be an object (got ${jsonType(local)})` });
    return;
  }
  unknownFields(local, ['v4pool', 'v6pool', 'v4pools', 'v6pools'], path, problems);

  let declared = 0;
  for (const family of ['IPv4', 'IPv6'] as const) {
    const { single, list } = FAMILY_KEYS[family];
    const entries: [entry: unknown, at: string, key: string][] = [];
    const one = local[single];
    if (one !== undefined && one !== null) entries.push([one, `${path}.${single}`, single]);
    const many = local[list];
    if (many !== undefined && many !== null) {
      if (!Array.isArray(many)) {
        declared++; // given, just malformed: "no pools at all" would be a second, misleading message
        problems.push({ path: `${path}.${list}`, message: `must be a list of pools (got ${jsonType(many)})` });
      } else {
        many.forEach((entry, i) => entries.push([entry, `${path}.${list}[${i}]`, list]));
      }
    }
    declared += entries.length;
    for (const [entry, at, key] of entries) {
      const pool = parsePool(entry, at, family, key, problems);
      if (pool) addWithoutOverlap(group.pools[family], pool, problems);
    }
  }
  if (declared === 0) {
    problems.push({ path, message: 'at least one of v4pool, v6pool, v4pools or v6pools must be given' });
  }
}

/** Parses one pool entry; undefined when any of its fields is wrong (each problem is reported). */
function parsePool(entry: unknown, path: string, family: IPFamily, key: string, problems: Problem[]): NormalizedPool | undefined {
  if (!isRecord(entry)) {
    problems.push({ path, message: `must be an object with subnet and pool (got ${jsonType(entry)})` });
    return undefined;
  }
  unknownFields(entry, ['subnet', 'pool', 'aggregation'], path, problems);
  const before = problems.length;
  const other = FAMILY_KEYS[OTHER[family]];
  const elsewhere = `${OTHER[family]} pools go in ${other.single} or ${other.list}`;

  const subnet = requiredString(entry.subnet, `${path}.subnet`, problems, (text) => {
    const p = parseCidr(text);
    if (p.family !== family) throw new FamilyError(`${text} is an ${p.family} subnet in ${key}; ${elsewhere}`);
    return p;
  });
  const range = requiredString(entry.pool, `${path}.pool`, problems, (text) => {
    const r = parseRange(text);
    if (r.family !== family) throw new FamilyError(`${text.trim()} is an ${r.family} range in ${key}; ${elsewhere}`);
    return r;
  });
  const poolText = typeof entry.pool === 'string' ? entry.pool.trim() : '';
  const subnetText = typeof entry.subnet === 'string' ? entry.subnet : '';

  if (subnet && range && !rangeWithin(range, subnet)) {
    const disjoint = !rangesOverlap(range, prefixToRange(subnet));
    problems.push({
      path: `${path}.pool`,
      message: `pool ${poolText} ${disjoint ? 'is outside' : 'extends outside'} subnet ${subnetText}`,
    });
  }

  const aggregation = parseAggregation(entry.aggregation, `${path}.aggregation`, family, subnet, subnetText, problems);
  if (problems.length > before || !subnet || !range || aggregation === undefined) return undefined;
  return { family, subnet, range, aggregation, source: path, text: poolText };
}

class FamilyError extends Error {}

function requiredString<T>(v: unknown, path: string, problems: Problem[], parse: (text: string) => T): T | undefined {
  if (v === undefined || v === null) {
    problems.push({ path, message: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a string (got ${jsonType(v)})` });
    return undefined;
  }
  try {
    return parse(v);
  } catch (e) {
    if (e instanceof IPParseError || e instanceof FamilyError) {
      problems.push({ path, message: e.message });
      return undefined;
    }
    throw e;
  }
}

function parseAggregation(
  v: unknown,
  path: string,
  family: IPFamily,
  subnet: IPPrefix | undefined,
  subnetText: string,
  problems: Problem[],
): number | undefined {
  if (v === undefined || v === null) return subnet?.length;
  if (typeof v !== 'string') {
    problems.push({ path, message: `must be a string, "default" or /N (got ${jsonType(v)})` });
    return undefined;
  }
  if (!AGGREGATION.test(v)) {
    problems.push({ path, message: `aggregation ${JSON.stringify(v)} must be "default" or /N (a prefix length, e.g. /32)` });
    return undefined;
  }
  if (v === 'default') return subnet?.length;
  const length = Number(v.slice(1));
  const bits = familyBits(family);
  if (length > bits) {
    problems.push({ path, message: `aggregation ${v} is out of range for ${family} (at most /${bits})` });
    return undefined;
  }
  if (subnet && length < subnet.length) {
    problems.push({ path, message: `aggregation ${v} is shorter than the prefix of subnet ${subnetText}` });
    return undefined;
  }
  return length;
}

/** Appends `pool` after reporting every earlier pool of the group it duplicates or overlaps. */
function addWithoutOverlap(pools: NormalizedPool[], pool: NormalizedPool, problems: Problem[]): void {
  let clash = false;
  for (const earlier of pools) {
    if (!rangesOverlap(earlier.range, pool.range)) continue;
    clash = true;
    const same = earlier.range.first === pool.range.first && earlier.range.last === pool.range.last;
    problems.push({
      path: `${pool.source}.pool`,
      message: same
        ? `${pool.text} duplicates ${earlier.source}.pool (${earlier.text})`
        : `${pool.text} overlaps ${earlier.source}.pool (${earlier.text})`,
    });
  }
  // A clashing pool is left out so a third pool is compared with the first only once.
  if (!clash) pools.push(pool);
}

function checkAgainst(group: NormalizedGroup, other: ServiceGroup | NormalizedGroup, problems: Problem[]): void {
  const theirs = isNormalized(other) ? other : parseAlone(other, []);
  if (!theirs) return;
  // Its own previous version. A missing namespace matches any: groups are read from one namespace.
  if (theirs.name === group.name && (theirs.namespace === undefined || group.namespace === undefined || theirs.namespace === group.namespace)) return;
  const label = theirs.namespace !== undefined && theirs.namespace !== group.namespace ? `${theirs.namespace}/${theirs.name}` : theirs.name;
  for (const family of ['IPv4', 'IPv6'] as const) {
    for (const mine of group.pools[family]) {
      for (const pool of theirs.pools[family]) {
        if (rangesOverlap(mine.range, pool.range)) {
          problems.push({
            path: `${mine.source}.pool`,
            message: `${mine.text} overlaps ServiceGroup ${label} (${pool.source}.pool ${pool.text})`,
          });
        }
      }
    }
  }
}

function isNormalized(g: ServiceGroup | NormalizedGroup): g is NormalizedGroup {
  const maybe = g as Partial<NormalizedGroup>;
  return isRecord(maybe.pools) && typeof maybe.name === 'string';
}

function parseNamespaces(v: unknown, problems: Problem[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push({ path: 'spec.namespaces', message: `must be a list of namespace names (got ${jsonType(v)})` });
    return [];
  }
  const seen = new Map<string, number>();
  const out: string[] = [];
  v.forEach((ns: unknown, i) => {
    const path = `spec.namespaces[${i}]`;
    if (typeof ns !== 'string') {
      problems.push({ path, message: `must be a string (got ${jsonType(ns)})` });
      return;
    }
    if (ns.length > 63 || !DNS1123_LABEL.test(ns)) {
      problems.push({ path, message: `${JSON.stringify(ns)} is not a namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)` });
      return;
    }
    const first = seen.get(ns);
    if (first !== undefined) {
      problems.push({ path, message: `${JSON.stringify(ns)} duplicates spec.namespaces[${first}]` });
      return;
    }
    seen.set(ns, i);
    out.push(ns);
  });
  return out;
}
