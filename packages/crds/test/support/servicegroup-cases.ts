// The ServiceGroup table shared by the parser test and the API-server test: each case says what
// parseServiceGroup must answer and whether the CRD schema alone rejects it at apply time (`schema`),
// so the two layers are checked against each other on the same real-shaped objects.
import { expect } from '@jest/globals';
import { parseCidr, parseRange } from '@purelb/shared';
import type { NormalizedGroup, Problem, ServiceGroup } from '../../src/index.js';

export type Local = Record<string, unknown>;

export function group(local: Local | undefined, extra: Record<string, unknown> = {}, name = 'g'): ServiceGroup {
  return { apiVersion: 'purelb.io/v1', kind: 'ServiceGroup', metadata: { name, namespace: 'purelb' }, spec: { ...(local === undefined ? {} : { local }), ...extra } } as ServiceGroup;
}

export interface BadCase {
  name: string;
  sg: unknown;
  others?: (ServiceGroup | NormalizedGroup)[];
  problems: Problem[];
  /**
   * What the CRD schema does with it in an API server: `rejects` (kubectl apply fails), `accepts`
   * (only the parser can tell: arithmetic, other groups, unknown fields are pruned), `unsendable`
   * (no object name).
   */
  schema: 'rejects' | 'accepts' | 'unsendable';
}

const V4 = { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250' };
const V6 = { subnet: 'fd53:9ef0:8683::/120', pool: 'fd53:9ef0:8683::-fd53:9ef0:8683::3' };
const P = (path: string, message: string): Problem => ({ path, message });

export const bad: BadCase[] = [
  // ---- unparsable addresses and prefixes
  {
    name: 'IPv4 subnet with an octet above 255',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, subnet: '192.168.1.300/24' } }),
    problems: [P('spec.local.v4pool.subnet', '192.168.1.300/24: address 192.168.1.300: not an IPv4 or IPv6 address')],
  },
  {
    name: 'subnet without a prefix length',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, subnet: '192.168.1.0' } }),
    problems: [P('spec.local.v4pool.subnet', '192.168.1.0: not a CIDR prefix (expected ADDRESS/LENGTH)')],
  },
  {
    name: 'subnet with host bits set',
    schema: 'accepts',
    sg: group({ v4pool: { ...V4, subnet: '192.168.1.5/24' } }),
    problems: [P('spec.local.v4pool.subnet', '192.168.1.5/24: host bits are set (the network is 192.168.1.0/24)')],
  },
  {
    name: 'IPv4 subnet prefix /33',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, subnet: '192.168.1.0/33' } }),
    problems: [P('spec.local.v4pool.subnet', '192.168.1.0/33: prefix 33 is out of range for IPv4')],
  },
  {
    name: 'IPv6 subnet prefix /129',
    schema: 'rejects',
    sg: group({ v6pool: { ...V6, subnet: 'fd53:9ef0:8683::/129' } }),
    problems: [P('spec.local.v6pool.subnet', 'fd53:9ef0:8683::/129: prefix 129 is out of range for IPv6')],
  },
  {
    name: 'range end not an address',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, pool: '192.168.1.240-192.168.1.300' } }),
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-192.168.1.300: end address 192.168.1.300: not an IPv4 or IPv6 address')],
  },
  {
    name: 'IPv6 range with a malformed start',
    schema: 'accepts',
    sg: group({ v6pool: { ...V6, pool: 'fd53:9ef0:8683:::1-fd53:9ef0:8683::3' } }),
    problems: [P('spec.local.v6pool.pool', 'fd53:9ef0:8683:::1-fd53:9ef0:8683::3: start address fd53:9ef0:8683:::1: not an IPv4 or IPv6 address')],
  },
  {
    name: 'pool that is a single address (neither range nor CIDR)',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, pool: '192.168.1.240' } }),
    problems: [P('spec.local.v4pool.pool', '192.168.1.240: not a range (expected FIRST-LAST or a CIDR prefix)')],
  },
  {
    name: 'leading zeros in an IPv4 part',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, pool: '192.168.1.240-192.168.1.050' } }),
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-192.168.1.050: end address 192.168.1.050: not an IPv4 or IPv6 address (leading zeros in IPv4 parts are ambiguous)')],
  },
  {
    name: 'zone id in an IPv6 range',
    schema: 'rejects',
    sg: group({ v6pool: { subnet: 'fe80::/64', pool: 'fe80::1%eth0-fe80::9' } }),
    problems: [P('spec.local.v6pool.pool', 'fe80::1%eth0-fe80::9: start address fe80::1%eth0: zone id "%eth0" is not allowed; give the address without it')],
  },
  // ---- reversed and mixed ranges
  {
    name: 'IPv4 range start after end',
    schema: 'accepts',
    sg: group({ v4pool: { ...V4, pool: '192.168.1.250-192.168.1.240' } }),
    problems: [P('spec.local.v4pool.pool', '192.168.1.250-192.168.1.240: start is after end')],
  },
  {
    name: 'IPv6 range start after end',
    schema: 'accepts',
    sg: group({ v6pools: [{ ...V6, pool: 'fd53:9ef0:8683::3-fd53:9ef0:8683::' }] }),
    problems: [P('spec.local.v6pools[0].pool', 'fd53:9ef0:8683::3-fd53:9ef0:8683::: start is after end')],
  },
  {
    name: 'mixed families in one range (v4pool)',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, pool: '192.168.1.240-fd53:9ef0:8683::3' } }),
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-fd53:9ef0:8683::3: mixed families')],
  },
  {
    name: 'mixed families in one range (v6pools)',
    schema: 'rejects',
    sg: group({ v6pools: [{ ...V6, pool: 'fd53:9ef0:8683::-192.168.1.1' }] }),
    problems: [P('spec.local.v6pools[0].pool', 'fd53:9ef0:8683::-192.168.1.1: mixed families')],
  },
  // ---- wrong family for the key
  {
    name: 'v4pool given an IPv6 subnet and range',
    schema: 'rejects',
    sg: group({ v4pool: V6 }),
    problems: [
      P('spec.local.v4pool.subnet', 'fd53:9ef0:8683::/120 is an IPv6 subnet in v4pool; IPv6 pools go in v6pool or v6pools'),
      P('spec.local.v4pool.pool', 'fd53:9ef0:8683::-fd53:9ef0:8683::3 is an IPv6 range in v4pool; IPv6 pools go in v6pool or v6pools'),
    ],
  },
  {
    name: 'v6pools given an IPv4 pool',
    schema: 'rejects',
    sg: group({ v6pools: [V4] }),
    problems: [
      P('spec.local.v6pools[0].subnet', '192.168.1.0/24 is an IPv4 subnet in v6pools; IPv4 pools go in v4pool or v4pools'),
      P('spec.local.v6pools[0].pool', '192.168.1.240-192.168.1.250 is an IPv4 range in v6pools; IPv4 pools go in v4pool or v4pools'),
    ],
  },
  {
    name: 'v4pools entry with an IPv6 subnet only',
    schema: 'rejects',
    sg: group({ v4pools: [{ subnet: 'fd00::/64', pool: '10.0.0.0/24' }] }),
    problems: [P('spec.local.v4pools[0].subnet', 'fd00::/64 is an IPv6 subnet in v4pools; IPv6 pools go in v6pool or v6pools')],
  },
  {
    name: 'IPv4-mapped IPv6 range in a v4pool stays IPv6',
    schema: 'rejects',
    sg: group({ v4pool: { subnet: '10.0.0.0/24', pool: '::ffff:10.0.0.1-::ffff:10.0.0.9' } }),
    problems: [P('spec.local.v4pool.pool', '::ffff:10.0.0.1-::ffff:10.0.0.9 is an IPv6 range in v4pool; IPv6 pools go in v6pool or v6pools')],
  },
  // ---- pool outside subnet
  {
    name: 'IPv4 pool entirely outside its subnet',
    schema: 'accepts',
    sg: group({ v4pool: { subnet: '192.168.1.0/24', pool: '192.168.2.10-192.168.2.20' } }),
    problems: [P('spec.local.v4pool.pool', 'pool 192.168.2.10-192.168.2.20 is outside subnet 192.168.1.0/24')],
  },
  {
    name: 'IPv4 pool running past the end of its subnet',
    schema: 'accepts',
    sg: group({ v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.250-192.168.2.5' } }),
    problems: [P('spec.local.v4pool.pool', 'pool 192.168.1.250-192.168.2.5 extends outside subnet 192.168.1.0/24')],
  },
  {
    name: 'CIDR pool larger than its subnet',
    schema: 'accepts',
    sg: group({ v4pools: [{ subnet: '172.31.1.0/25', pool: '172.31.1.0/24' }] }),
    problems: [P('spec.local.v4pools[0].pool', 'pool 172.31.1.0/24 extends outside subnet 172.31.1.0/25')],
  },
  {
    name: 'IPv6 pool outside its subnet',
    schema: 'accepts',
    sg: group({ v6pool: { subnet: 'fd53:9ef0:8683::/120', pool: 'fd53:9ef0:8684::-fd53:9ef0:8684::3' } }),
    problems: [P('spec.local.v6pool.pool', 'pool fd53:9ef0:8684::-fd53:9ef0:8684::3 is outside subnet fd53:9ef0:8683::/120')],
  },
  // ---- aggregation
  {
    name: 'aggregation /33 for IPv4',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, aggregation: '/33' } }),
    problems: [P('spec.local.v4pool.aggregation', 'aggregation /33 is out of range for IPv4 (at most /32)')],
  },
  {
    name: 'aggregation /99 for IPv4',
    schema: 'rejects',
    sg: group({ v4pools: [{ ...V4, aggregation: '/99' }] }),
    problems: [P('spec.local.v4pools[0].aggregation', 'aggregation /99 is out of range for IPv4 (at most /32)')],
  },
  {
    name: 'aggregation /129 for IPv6',
    schema: 'rejects',
    sg: group({ v6pool: { ...V6, aggregation: '/129' } }),
    problems: [P('spec.local.v6pool.aggregation', 'aggregation /129 is out of range for IPv6 (at most /128)')],
  },
  {
    name: 'aggregation shorter than the subnet prefix',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, aggregation: '/16' } }),
    problems: [P('spec.local.v4pool.aggregation', 'aggregation /16 is shorter than the prefix of subnet 192.168.1.0/24')],
  },
  {
    name: 'IPv6 aggregation shorter than the subnet prefix',
    schema: 'rejects',
    sg: group({ v6pools: [{ ...V6, aggregation: '/64' }] }),
    problems: [P('spec.local.v6pools[0].aggregation', 'aggregation /64 is shorter than the prefix of subnet fd53:9ef0:8683::/120')],
  },
  {
    name: 'aggregation without the slash',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, aggregation: '32' } }),
    problems: [P('spec.local.v4pool.aggregation', 'aggregation "32" must be "default" or /N (a prefix length, e.g. /32)')],
  },
  {
    name: 'aggregation misspelt',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, aggregation: 'Default' } }),
    problems: [P('spec.local.v4pool.aggregation', 'aggregation "Default" must be "default" or /N (a prefix length, e.g. /32)')],
  },
  {
    name: 'aggregation given as a number',
    schema: 'rejects',
    sg: group({ v4pool: { ...V4, aggregation: 32 } }),
    problems: [P('spec.local.v4pool.aggregation', 'must be a string, "default" or /N (got a number)')],
  },
  // ---- overlaps and duplicates inside the group
  {
    name: 'v4pools entry overlapping v4pool',
    schema: 'accepts',
    sg: group({ v4pool: V4, v4pools: [{ subnet: '192.168.1.0/24', pool: '192.168.1.250-192.168.1.254' }] }),
    problems: [P('spec.local.v4pools[0].pool', '192.168.1.250-192.168.1.254 overlaps spec.local.v4pool.pool (192.168.1.240-192.168.1.250)')],
  },
  {
    name: 'CIDR pool overlapping a range in another entry',
    schema: 'accepts',
    sg: group({ v4pools: [{ subnet: '10.0.0.0/16', pool: '10.0.1.0-10.0.1.9' }, { subnet: '10.0.0.0/16', pool: '10.0.0.0/23' }] }),
    problems: [P('spec.local.v4pools[1].pool', '10.0.0.0/23 overlaps spec.local.v4pools[0].pool (10.0.1.0-10.0.1.9)')],
  },
  {
    name: 'the same range written twice',
    schema: 'accepts',
    sg: group({ v4pools: [V4, { ...V4, aggregation: '/32' }] }),
    problems: [P('spec.local.v4pools[1].pool', '192.168.1.240-192.168.1.250 duplicates spec.local.v4pools[0].pool (192.168.1.240-192.168.1.250)')],
  },
  {
    name: 'the same range written as a CIDR and as a range',
    schema: 'accepts',
    sg: group({ v4pools: [{ subnet: '10.0.0.0/24', pool: '10.0.0.0/30' }, { subnet: '10.0.0.0/24', pool: '10.0.0.0-10.0.0.3' }] }),
    problems: [P('spec.local.v4pools[1].pool', '10.0.0.0-10.0.0.3 duplicates spec.local.v4pools[0].pool (10.0.0.0/30)')],
  },
  {
    name: 'IPv6 pools overlapping by one address',
    schema: 'accepts',
    sg: group({ v6pool: V6, v6pools: [{ ...V6, pool: 'fd53:9ef0:8683::3-fd53:9ef0:8683::9' }] }),
    problems: [P('spec.local.v6pools[0].pool', 'fd53:9ef0:8683::3-fd53:9ef0:8683::9 overlaps spec.local.v6pool.pool (fd53:9ef0:8683::-fd53:9ef0:8683::3)')],
  },
  {
    name: 'a third pool overlapping both earlier ones',
    schema: 'accepts',
    sg: group({
      v4pools: [
        { subnet: '10.0.0.0/24', pool: '10.0.0.0-10.0.0.9' },
        { subnet: '10.0.0.0/24', pool: '10.0.0.20-10.0.0.29' },
        { subnet: '10.0.0.0/24', pool: '10.0.0.5-10.0.0.25' },
      ],
    }),
    problems: [
      P('spec.local.v4pools[2].pool', '10.0.0.5-10.0.0.25 overlaps spec.local.v4pools[0].pool (10.0.0.0-10.0.0.9)'),
      P('spec.local.v4pools[2].pool', '10.0.0.5-10.0.0.25 overlaps spec.local.v4pools[1].pool (10.0.0.20-10.0.0.29)'),
    ],
  },
  // ---- overlaps with other groups
  {
    name: 'overlap with another raw ServiceGroup, named',
    schema: 'accepts',
    sg: group({ v4pool: V4 }),
    others: [group({ v4pools: [{ subnet: '192.168.1.0/24', pool: '192.168.1.248-192.168.1.255' }] }, {}, 'team-b')],
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-192.168.1.250 overlaps ServiceGroup team-b (spec.local.v4pools[0].pool 192.168.1.248-192.168.1.255)')],
  },
  {
    name: 'overlap with another group given in normalised form',
    schema: 'accepts',
    sg: group({ v6pool: V6 }),
    others: [normalised('legacy', 'fd53:9ef0:8683::/120', 'fd53:9ef0:8683::2-fd53:9ef0:8683::10')],
    problems: [P('spec.local.v6pool.pool', 'fd53:9ef0:8683::-fd53:9ef0:8683::3 overlaps ServiceGroup legacy (spec.local.v6pool.pool fd53:9ef0:8683::2-fd53:9ef0:8683::10)')],
  },
  {
    name: 'overlap with a group in another namespace names its namespace',
    schema: 'accepts',
    sg: group({ v4pool: V4 }),
    others: [{ metadata: { name: 'g', namespace: 'other' }, spec: { local: { v4pool: V4 } } } as ServiceGroup],
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-192.168.1.250 overlaps ServiceGroup other/g (spec.local.v4pool.pool 192.168.1.240-192.168.1.250)')],
  },
  {
    name: 'the well-formed pools of an otherwise invalid other group still count',
    schema: 'accepts',
    sg: group({ v4pool: V4 }),
    others: [group({ v4pool: V4, v6pool: { subnet: 'nonsense', pool: 'x-y' } }, {}, 'broken')],
    problems: [P('spec.local.v4pool.pool', '192.168.1.240-192.168.1.250 overlaps ServiceGroup broken (spec.local.v4pool.pool 192.168.1.240-192.168.1.250)')],
  },
  // ---- structure and the extensions
  {
    name: 'no spec',
    schema: 'rejects',
    sg: { metadata: { name: 'g' } },
    problems: [P('spec', 'is required')],
  },
  {
    name: 'no local',
    schema: 'rejects',
    sg: group(undefined),
    problems: [P('spec.local', 'is required (it holds v4pool, v6pool, v4pools and v6pools)')],
  },
  {
    name: 'local without any pool',
    schema: 'rejects',
    sg: group({ v4pools: [], v6pools: [] }),
    problems: [P('spec.local', 'at least one of v4pool, v6pool, v4pools or v6pools must be given')],
  },
  {
    name: 'missing subnet and pool',
    schema: 'rejects',
    sg: group({ v4pool: { aggregation: '/32' } }),
    problems: [P('spec.local.v4pool.subnet', 'is required'), P('spec.local.v4pool.pool', 'is required')],
  },
  {
    name: 'v4pools not a list',
    schema: 'rejects',
    sg: group({ v4pools: V4 }),
    problems: [P('spec.local.v4pools', 'must be a list of pools (got an object)')],
  },
  {
    name: 'misspelt field (a file not pruned by the API server)',
    schema: 'accepts',
    sg: group({ v4pool: { ...V4, subnett: '10.0.0.0/8' } }),
    problems: [P('spec.local.v4pool.subnett', 'unknown field "subnett" (expected one of subnet, pool, aggregation)')],
  },
  {
    name: 'invalid and duplicate namespaces',
    schema: 'rejects',
    sg: group({ v4pool: V4 }, { namespaces: ['team-a', 'Team_B', 'team-a'] }),
    problems: [
      P('spec.namespaces[1]', '"Team_B" is not a namespace name (lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)'),
      P('spec.namespaces[2]', '"team-a" duplicates spec.namespaces[0]'),
    ],
  },
  {
    name: 'negative priority',
    schema: 'rejects',
    sg: group({ v4pool: V4 }, { priority: -1 }),
    problems: [P('spec.priority', 'must be an integer from 0 to 2147483647 (got -1)')],
  },
  {
    name: 'fractional priority',
    schema: 'rejects',
    sg: group({ v4pool: V4 }, { priority: 1.5 }),
    problems: [P('spec.priority', 'must be an integer from 0 to 2147483647 (got 1.5)')],
  },
  {
    name: 'avoidBuggyIPs as a string',
    schema: 'rejects',
    sg: group({ v4pool: V4 }, { avoidBuggyIPs: 'yes' }),
    problems: [P('spec.avoidBuggyIPs', 'must be true or false (got a string)')],
  },
  {
    name: 'missing metadata.name',
    schema: 'unsendable',
    sg: { spec: { local: { v4pool: V4 } } },
    problems: [P('metadata.name', 'is required')],
  },
];

function normalised(name: string, subnet: string, pool: string): NormalizedGroup {
  const s = parseCidr(subnet);
  const family = s.family;
  const entry = { family, subnet: s, range: parseRange(pool), aggregation: s.length, source: family === 'IPv4' ? 'spec.local.v4pool' : 'spec.local.v6pool', text: pool };
  return {
    name,
    namespace: 'purelb',
    pools: { IPv4: family === 'IPv4' ? [entry] : [], IPv6: family === 'IPv6' ? [entry] : [] },
    namespaces: [],
    priority: 0,
    avoidBuggyIPs: false,
  };
}

export interface GoodCase {
  name: string;
  sg: ServiceGroup;
  others?: (ServiceGroup | NormalizedGroup)[];
  /** [family, subnet, first, last, aggregation, source] per pool in order. */
  pools: [string, string, string, string, number, string][];
  check?: (g: NormalizedGroup) => void;
}

export const good: GoodCase[] = [
  {
    name: 'the SPEC §3.1 example',
    sg: group(
      {
        v4pool: { ...V4, aggregation: 'default' },
        v6pool: { ...V6, aggregation: 'default' },
        v4pools: [{ subnet: '172.31.1.0/24', pool: '172.31.1.0/24', aggregation: '/32' }],
        v6pools: [],
      },
      { namespaces: ['team-a'], priority: 10, avoidBuggyIPs: false },
    ),
    pools: [
      ['IPv4', '192.168.1.0/24', '192.168.1.240', '192.168.1.250', 24, 'spec.local.v4pool'],
      ['IPv4', '172.31.1.0/24', '172.31.1.0', '172.31.1.255', 32, 'spec.local.v4pools[0]'],
      ['IPv6', 'fd53:9ef0:8683::/120', 'fd53:9ef0:8683::', 'fd53:9ef0:8683::3', 120, 'spec.local.v6pool'],
    ],
    check: (g) => expect([g.name, g.namespace, g.namespaces, g.priority, g.avoidBuggyIPs]).toEqual(['g', 'purelb', ['team-a'], 10, false]),
  },
  {
    name: 'defaults: aggregation = subnet prefix, priority 0, all namespaces, avoidBuggyIPs false',
    sg: group({ v4pool: V4 }),
    pools: [['IPv4', '192.168.1.0/24', '192.168.1.240', '192.168.1.250', 24, 'spec.local.v4pool']],
    check: (g) => expect([g.namespaces, g.priority, g.avoidBuggyIPs]).toEqual([[], 0, false]),
  },
  {
    name: 'IPv6 only, /64 pool with aggregation /128',
    sg: group({ v6pools: [{ subnet: '2001:db8:1::/64', pool: '2001:db8:1::/64', aggregation: '/128' }] }),
    pools: [['IPv6', '2001:db8:1::/64', '2001:db8:1::', '2001:db8:1:0:ffff:ffff:ffff:ffff', 128, 'spec.local.v6pools[0]']],
  },
  {
    name: 'adjacent ranges do not overlap; declaration order is kept',
    sg: group({
      v4pools: [
        { subnet: '10.0.0.0/24', pool: '10.0.0.10-10.0.0.19' },
        { subnet: '10.0.0.0/24', pool: '10.0.0.0-10.0.0.9' },
      ],
    }),
    pools: [
      ['IPv4', '10.0.0.0/24', '10.0.0.10', '10.0.0.19', 24, 'spec.local.v4pools[0]'],
      ['IPv4', '10.0.0.0/24', '10.0.0.0', '10.0.0.9', 24, 'spec.local.v4pools[1]'],
    ],
  },
  {
    name: 'a one-address range, spaces around the dash, uppercase IPv6',
    sg: group({ v4pool: { subnet: '10.0.0.0/24', pool: '10.0.0.7 - 10.0.0.7' }, v6pool: { subnet: 'FD00::/120', pool: 'FD00::A-FD00::B' } }),
    pools: [
      ['IPv4', '10.0.0.0/24', '10.0.0.7', '10.0.0.7', 24, 'spec.local.v4pool'],
      ['IPv6', 'fd00::/120', 'fd00::a', 'fd00::b', 120, 'spec.local.v6pool'],
    ],
  },
  {
    name: 'whole address space edges: 0.0.0.0/0 and 255.255.255.255',
    sg: group({ v4pools: [{ subnet: '0.0.0.0/0', pool: '255.255.255.254-255.255.255.255', aggregation: '/0' }] }),
    pools: [['IPv4', '0.0.0.0/0', '255.255.255.254', '255.255.255.255', 0, 'spec.local.v4pools[0]']],
  },
  {
    name: 'no overlap with a disjoint other group, nor with its own previous version',
    sg: group({ v4pool: V4 }),
    others: [
      group({ v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.1-192.168.1.239' } }, {}, 'other'),
      group({ v4pool: V4 }),
      { ...normalised('g', '192.168.1.0/24', '192.168.1.240-192.168.1.250'), namespace: undefined },
    ],
    pools: [['IPv4', '192.168.1.0/24', '192.168.1.240', '192.168.1.250', 24, 'spec.local.v4pool']],
  },
  {
    name: 'same addresses in other families never overlap (IPv4 10.0.0.1 vs IPv6 ::a00:1)',
    sg: group({ v4pool: { subnet: '10.0.0.0/24', pool: '10.0.0.1-10.0.0.9' } }),
    others: [group({ v6pool: { subnet: '::/96', pool: '::a00:1-::a00:9' } }, {}, 'v6')],
    pools: [['IPv4', '10.0.0.0/24', '10.0.0.1', '10.0.0.9', 24, 'spec.local.v4pool']],
  },
];

