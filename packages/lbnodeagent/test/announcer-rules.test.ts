// The announcer core (SPEC §5), rule by rule: interface selection (default route, regex in ifindex
// order), local vs virtual, election candidates, ETP Local, sharing, withdrawal; then properties that
// independent nodes computing on the same view agree. (announcer.test.ts has the shorter first cut.)
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { decide, selectedInterfaces, type DecideInput } from '../src/core/announcer.js';
import { electWinner } from '../src/core/election.js';
import type { AgentSettings, Decision, LocalInterface, Member, NodeInterfaces, ServiceView } from '../src/core/types.js';

function settings(nodeName: string, over: Partial<AgentSettings> = {}): AgentSettings {
  return { nodeName, localInterface: { mode: 'default' }, extLbInterface: 'kube-lb0', sendGarp: true, garp: { count: 3, intervalMs: 500 }, ...over };
}

const lo: LocalInterface = {
  name: 'lo',
  index: 1,
  up: true,
  addresses: [
    { family: 'IPv4', address: '127.0.0.1', prefixLength: 8 },
    { family: 'IPv6', address: '::1', prefixLength: 128 },
  ],
};

/** Node `i` of the LAN: eth0 198.51.100.(10+i)/24 and fd00:1::(10+i)/64, default routes via eth0. */
function lanNode(i: number): NodeInterfaces {
  return {
    interfaces: [
      lo,
      {
        name: 'eth0',
        index: 2,
        up: true,
        addresses: [
          { family: 'IPv4', address: `198.51.100.${10 + i}`, prefixLength: 24 },
          { family: 'IPv6', address: `fd00:1::${(10 + i).toString(16)}`, prefixLength: 64 },
          { family: 'IPv6', address: `fe80::${(10 + i).toString(16)}`, prefixLength: 64 },
        ],
      },
      { name: 'kube-lb0', index: 3, up: true, addresses: [] },
    ],
    defaultRoute: { IPv4: 'eth0', IPv6: 'eth0' },
  };
}

const LAN_SUBNETS = ['198.51.100.0/24', 'fd00:1::/64'];
const NODES = ['node1', 'node2', 'node3'];
const MEMBERS: Member[] = NODES.map((node) => ({ node, subnets: LAN_SUBNETS }));

function svc(key: string, ips: Array<string | [string, number]>, over: Partial<ServiceView> = {}): ServiceView {
  return {
    key,
    addresses: ips.map((x) => {
      const [ip, aggregation] = typeof x === 'string' ? [x, x.includes(':') ? 128 : 32] : x;
      return { family: ip.includes(':') ? 'IPv6' : 'IPv4', ip, aggregation };
    }),
    etpLocal: false,
    allowLocal: false,
    endpointNodes: [],
    ...over,
  };
}

/** decide() on every node of `nodes` (node i has lanNode(i + 1)) for the same services and members. */
function decideAll(services: ServiceView[], members: Member[] = MEMBERS, nodes = NODES): Map<string, Decision> {
  return new Map(nodes.map((node, i) => [node, decide({ settings: settings(node), interfaces: lanNode(i + 1), services, members })]));
}

/** The first address in 198.51.100.100–199 for which `pred(winner among candidates)` holds. */
function findIp(candidates: string[], pred: (winner: string) => boolean, base = '198.51.100.'): string {
  for (let i = 100; i < 200; i++) {
    const ip = `${base}${i}`;
    if (pred(electWinner(ip, candidates)!)) return ip;
  }
  throw new Error('no such address in the range');
}

describe('interface selection', () => {
  it('default: the default-route interface per family', () => {
    const interfaces: NodeInterfaces = {
      interfaces: [
        lo,
        { name: 'eth0', index: 2, up: true, addresses: [{ family: 'IPv4', address: '198.51.100.11', prefixLength: 24 }] },
        { name: 'eth1', index: 3, up: true, addresses: [{ family: 'IPv6', address: 'fd00:2::11', prefixLength: 64 }] },
      ],
      defaultRoute: { IPv4: 'eth0', IPv6: 'eth1' },
    };
    const sel = selectedInterfaces(settings('node1'), interfaces);
    expect(sel.IPv4?.name).toBe('eth0');
    expect(sel.IPv6?.name).toBe('eth1');
    const d = decide({
      settings: settings('node1'),
      interfaces,
      services: [svc('a/v4', ['198.51.100.50']), svc('a/v6', ['fd00:2::50'])],
      members: [{ node: 'node1', subnets: ['198.51.100.0/24', 'fd00:2::/64'] }],
    });
    expect(d.subnets).toEqual(['198.51.100.0/24', 'fd00:2::/64']);
    expect(d.desired).toEqual([
      { kind: 'local', interface: 'eth0', family: 'IPv4', ip: '198.51.100.50', prefixLength: 24, services: ['a/v4'] },
      { kind: 'local', interface: 'eth1', family: 'IPv6', ip: 'fd00:2::50', prefixLength: 64, services: ['a/v6'] },
    ]);
  });

  it('regex: the first matching UP interface in ifindex order, never lo or the virtual interface', () => {
    const interfaces: NodeInterfaces = {
      // Listed out of index order on purpose: the order of the list must not matter.
      interfaces: [
        { name: 'eth2', index: 5, up: true, addresses: [{ family: 'IPv4', address: '203.0.113.12', prefixLength: 24 }] },
        { name: 'kube-lb0', index: 2, up: true, addresses: [{ family: 'IPv4', address: '198.51.100.200', prefixLength: 32 }] },
        {
          name: 'eth1',
          index: 4,
          up: true,
          addresses: [
            { family: 'IPv4', address: '198.51.100.12', prefixLength: 24 },
            { family: 'IPv6', address: 'fe80::1', prefixLength: 64 },
          ],
        },
        { name: 'eth0', index: 3, up: false, addresses: [{ family: 'IPv4', address: '192.0.2.12', prefixLength: 24 }] },
        { name: 'eth3', index: 6, up: true, addresses: [{ family: 'IPv6', address: 'fd00:3::12', prefixLength: 64 }] },
        lo,
      ],
      defaultRoute: { IPv4: 'eth2' },
    };
    // eth0 is down; eth1 is first for IPv4; its only IPv6 address is link-local, so IPv6 takes eth3.
    const sel = selectedInterfaces(settings('n', { localInterface: { mode: 'regex', regex: /^(?:eth[0-9]+)$/u } }), interfaces);
    expect(sel.IPv4?.name).toBe('eth1');
    expect(sel.IPv6?.name).toBe('eth3');
    // A regex that matches everything still skips lo (index 1) and kube-lb0 (index 2).
    const all = selectedInterfaces(settings('n', { localInterface: { mode: 'regex', regex: /^(?:.*)$/u } }), interfaces);
    expect(all.IPv4?.name).toBe('eth1');
    // A global regex keeps lastIndex between test() calls; selection must not depend on that.
    const g = /eth3/g;
    expect(selectedInterfaces(settings('n', { localInterface: { mode: 'regex', regex: g } }), interfaces).IPv6?.name).toBe('eth3');
    expect(selectedInterfaces(settings('n', { localInterface: { mode: 'regex', regex: g } }), interfaces).IPv6?.name).toBe('eth3');
  });

  it('subnets: canonical networks of the selected interfaces, without link-local or duplicates', () => {
    const interfaces: NodeInterfaces = {
      interfaces: [
        lo,
        {
          name: 'eth0',
          index: 2,
          up: true,
          addresses: [
            { family: 'IPv4', address: '198.51.100.11', prefixLength: 24 },
            { family: 'IPv4', address: '198.51.100.12', prefixLength: 24 },
            { family: 'IPv4', address: '203.0.113.130', prefixLength: 25 },
            { family: 'IPv6', address: 'fd00:0001:0000::0011', prefixLength: 64 },
            { family: 'IPv6', address: 'fe80::11', prefixLength: 64 },
          ],
        },
        { name: 'eth1', index: 3, up: true, addresses: [{ family: 'IPv4', address: '192.0.2.1', prefixLength: 24 }] },
      ],
      defaultRoute: { IPv4: 'eth0', IPv6: 'eth0' },
    };
    expect(decide({ settings: settings('n'), interfaces, services: [], members: [] }).subnets).toEqual(['198.51.100.0/24', '203.0.113.128/25', 'fd00:1::/64']);
  });

  it('a family without a selected interface has no local addresses: they are virtual', () => {
    const interfaces = lanNode(1);
    interfaces.defaultRoute = { IPv4: 'eth0' };
    const d = decide({ settings: settings('node1'), interfaces, services: [svc('a/b', ['fd00:1::50'])], members: MEMBERS });
    expect(d.subnets).toEqual(['198.51.100.0/24']);
    expect(d.desired).toEqual([{ kind: 'virtual', interface: 'kube-lb0', family: 'IPv6', ip: 'fd00:1::50', prefixLength: 128, services: ['a/b'] }]);
  });
});

describe('local addresses', () => {
  it('the elected member holds it with the interface mask; every node knows the winner', () => {
    const ip = '198.51.100.77';
    const winner = electWinner(ip, NODES)!;
    const all = decideAll([svc('web/front', [ip])]);
    for (const [node, d] of all) {
      expect(d.localWinners).toEqual([{ service: 'web/front', family: 'IPv4', ip, node: winner, interface: 'eth0' }]);
      expect(d.desired).toEqual(node === winner ? [{ kind: 'local', interface: 'eth0', family: 'IPv4', ip, prefixLength: 24, services: ['web/front'] }] : []);
      expect(d.resetToCluster).toEqual([]);
    }
  });

  it('IPv6 local addresses likewise, with the /64 and in canonical text', () => {
    const all = decideAll([svc('web/v6', ['FD00:1:0:0::0077'])]);
    const winner = electWinner('fd00:1::77', NODES)!;
    expect(all.get(winner)!.desired).toEqual([{ kind: 'local', interface: 'eth0', family: 'IPv6', ip: 'fd00:1::77', prefixLength: 64, services: ['web/v6'] }]);
    expect([...all.values()].filter((d) => d.desired.length > 0)).toHaveLength(1);
  });

  it('the most specific prefix of the interface gives the mask', () => {
    const interfaces = lanNode(1);
    interfaces.interfaces[1]!.addresses.push({ family: 'IPv4', address: '198.51.100.130', prefixLength: 25 });
    const d = decide({ settings: settings('node1'), interfaces, services: [svc('a/b', ['198.51.100.140'])], members: [{ node: 'node1', subnets: ['198.51.100.0/24'] }] });
    expect(d.desired[0]).toMatchObject({ kind: 'local', prefixLength: 25 });
  });

  it('candidates are the members whose subnets contain the address; a node outside members never holds it', () => {
    // An address node3 would win among all three, but node3 advertises another subnet.
    const ip = findIp(NODES, (w) => w === 'node3');
    const members: Member[] = [
      { node: 'node1', subnets: LAN_SUBNETS },
      { node: 'node2', subnets: LAN_SUBNETS },
      { node: 'node3', subnets: ['203.0.113.0/24'] },
    ];
    const all = decideAll([svc('a/b', [ip])], members);
    const expected = electWinner(ip, ['node1', 'node2'])!;
    expect(all.get(expected)!.desired.map((d) => d.ip)).toEqual([ip]);
    expect(all.get('node3')!.desired).toEqual([]);
    // Without a Lease (not in members) node3 is not a candidate either, even for its own subnet.
    const notMember = decideAll([svc('a/b', [ip])], MEMBERS.filter((m) => m.node !== 'node3'));
    expect(notMember.get('node3')!.desired).toEqual([]);
    expect(notMember.get(expected)!.desired).toHaveLength(1);
  });

  it('nobody holds a local address when no member can announce it', () => {
    const all = decideAll([svc('a/b', ['198.51.100.77'])], []);
    for (const d of all.values()) {
      expect(d.desired).toEqual([]);
      expect(d.localWinners).toEqual([]);
    }
  });

  it('ETP Local with allow-local: only nodes with endpoints are candidates', () => {
    const ip = findIp(NODES, (w) => w === 'node1');
    const service = svc('a/b', [ip], { etpLocal: true, allowLocal: true, endpointNodes: ['node2', 'node3'] });
    const all = decideAll([service]);
    const winner = electWinner(ip, ['node2', 'node3'])!;
    expect(all.get('node1')!.desired).toEqual([]);
    expect(all.get(winner)!.desired).toHaveLength(1);
    expect(all.get('node1')!.localWinners[0]!.node).toBe(winner);
    expect(all.get(winner)!.resetToCluster).toEqual([]);
    // No endpoint anywhere: nobody holds it (as with a virtual ETP Local address).
    const none = decideAll([{ ...service, endpointNodes: [] }]);
    for (const d of none.values()) expect(d.desired).toEqual([]);
  });

  it('ETP Local without allow-local: reset to Cluster, and announced as Cluster meanwhile', () => {
    const ip = findIp(NODES, (w) => w === 'node1');
    const all = decideAll([svc('a/b', [ip], { etpLocal: true, allowLocal: false, endpointNodes: ['node2'] })]);
    // node1 wins although it has no endpoint: the policy is Cluster from now on.
    expect(all.get('node1')!.desired.map((d) => d.ip)).toEqual([ip]);
    for (const d of all.values()) expect(d.resetToCluster).toEqual(['a/b']);
  });

  it('a shared address is one entry with every Service, elected once', () => {
    const ip = '198.51.100.88';
    const winner = electWinner(ip, NODES)!;
    const all = decideAll([svc('z/second', [ip]), svc('a/first', [ip, 'fd00:1::88'])]);
    const mine = all.get(winner)!.desired.filter((d) => d.ip === ip);
    expect(mine).toEqual([{ kind: 'local', interface: 'eth0', family: 'IPv4', ip, prefixLength: 24, services: ['a/first', 'z/second'] }]);
    for (const d of all.values()) {
      expect(d.localWinners.filter((w) => w.ip === ip)).toEqual([
        { service: 'a/first', family: 'IPv4', ip, node: winner, interface: 'eth0' },
        { service: 'z/second', family: 'IPv4', ip, node: winner, interface: 'eth0' },
      ]);
    }
  });

  it('a shared address with an allow-local Service goes to one of its endpoint nodes; a Cluster Service keeps it without endpoints', () => {
    const ip = findIp(NODES, (w) => w === 'node1');
    const restricted = svc('a/local', [ip], { etpLocal: true, allowLocal: true, endpointNodes: ['node3'] });
    const cluster = svc('a/cluster', [ip]);
    let holders = [...decideAll([restricted, cluster])].filter(([, d]) => d.desired.length > 0).map(([n]) => n);
    expect(holders).toEqual(['node3']);
    holders = [...decideAll([{ ...restricted, endpointNodes: [] }, cluster])].filter(([, d]) => d.desired.length > 0).map(([n]) => n);
    expect(holders).toEqual(['node1']);
  });

  it('ignores addresses that do not parse', () => {
    const d = decide({ settings: settings('node1'), interfaces: lanNode(1), services: [svc('a/b', ['not-an-ip', '198.51.100.300'])], members: MEMBERS });
    expect(d.desired).toEqual([]);
    expect(d.localWinners).toEqual([]);
  });
});

describe('virtual addresses', () => {
  it('every node holds it on the virtual interface with the aggregation mask', () => {
    const all = decideAll(
      [
        svc('a/b', [
          ['203.0.113.5', 24],
          ['2001:db8:ff::5', 64],
        ]),
      ],
      [],
    );
    for (const d of all.values()) {
      expect(d.desired).toEqual([
        { kind: 'virtual', interface: 'kube-lb0', family: 'IPv4', ip: '203.0.113.5', prefixLength: 24, services: ['a/b'] },
        { kind: 'virtual', interface: 'kube-lb0', family: 'IPv6', ip: '2001:db8:ff::5', prefixLength: 64, services: ['a/b'] },
      ]);
      expect(d.localWinners).toEqual([]);
    }
  });

  it('uses the configured virtual interface', () => {
    const d = decide({ settings: settings('node1', { extLbInterface: 'lb9' }), interfaces: lanNode(1), services: [svc('a/b', ['203.0.113.5'])], members: [] });
    expect(d.desired[0]).toMatchObject({ interface: 'lb9', prefixLength: 32 });
  });

  it('ETP Local: only nodes with an endpoint (allow-local does not matter for virtual addresses)', () => {
    for (const allowLocal of [false, true]) {
      const all = decideAll([svc('a/b', ['203.0.113.5'], { etpLocal: true, allowLocal, endpointNodes: ['node2'] })]);
      expect([...all].filter(([, d]) => d.desired.length > 0).map(([n]) => n)).toEqual(['node2']);
      for (const d of all.values()) expect(d.resetToCluster).toEqual([]);
    }
  });

  it('a shared address stays while any Service needs it on this node', () => {
    const all = decideAll([svc('a/local', ['203.0.113.5'], { etpLocal: true, endpointNodes: ['node2'] }), svc('a/cluster', ['203.0.113.5'])]);
    expect(all.get('node1')!.desired).toEqual([{ kind: 'virtual', interface: 'kube-lb0', family: 'IPv4', ip: '203.0.113.5', prefixLength: 32, services: ['a/cluster'] }]);
    expect(all.get('node2')!.desired[0]!.services).toEqual(['a/cluster', 'a/local']);
  });

  it('an address local to some nodes is virtual on the others', () => {
    const members: Member[] = [...MEMBERS, { node: 'node4', subnets: ['203.0.113.0/24'] }];
    const far: NodeInterfaces = {
      interfaces: [lo, { name: 'eth0', index: 2, up: true, addresses: [{ family: 'IPv4', address: '203.0.113.14', prefixLength: 24 }] }],
      defaultRoute: { IPv4: 'eth0' },
    };
    const d = decide({ settings: settings('node4'), interfaces: far, services: [svc('a/b', ['198.51.100.77'])], members });
    expect(d.desired).toEqual([{ kind: 'virtual', interface: 'kube-lb0', family: 'IPv4', ip: '198.51.100.77', prefixLength: 32, services: ['a/b'] }]);
  });
});

describe('withdrawal', () => {
  it('an address leaves when its Service disappears, and a shared one stays for the rest', () => {
    const ip = '198.51.100.91';
    const winner = electWinner(ip, NODES)!;
    const both = [svc('a/one', [ip, '203.0.113.9']), svc('a/two', [ip])];
    expect(decideAll(both).get(winner)!.desired.map((d) => d.ip)).toEqual([ip, '203.0.113.9']);
    expect(decideAll([both[1]!]).get(winner)!.desired).toEqual([{ kind: 'local', interface: 'eth0', family: 'IPv4', ip, prefixLength: 24, services: ['a/two'] }]);
    for (const d of decideAll([]).values()) expect(d).toEqual({ desired: [], localWinners: [], resetToCluster: [], subnets: LAN_SUBNETS });
  });

  it('when the winner leaves membership, another node takes only its addresses', () => {
    const ips = Array.from({ length: 30 }, (_, i) => `198.51.100.${100 + i}`);
    const services = ips.map((ip, i) => svc(`ns/s${i}`, [ip]));
    const before = decideAll(services);
    const after = decideAll(services, MEMBERS.filter((m) => m.node !== 'node1'));
    expect(after.get('node1')!.desired).toEqual([]);
    for (const node of ['node2', 'node3']) {
      // Everything a survivor held, it still holds; what it gained came from node1.
      const had = before.get(node)!.desired.map((d) => d.ip);
      const has = after.get(node)!.desired.map((d) => d.ip);
      expect(has).toEqual(expect.arrayContaining(had));
      for (const ip of has.filter((x) => !had.includes(x))) expect(before.get('node1')!.desired.map((d) => d.ip)).toContain(ip);
    }
  });
});

// ------------------------------------------------------------------ properties

/**
 * Two racks on one LAN: rack A nodes have 198.51.100.(1+i)/25 and fd00:a::/64, rack B nodes
 * 198.51.100.(129+i)/26 and fd00:b::/64. 198.51.100.192/26 and 2001:db8:ff::/64 are nobody's: virtual.
 * So the same address is local on some nodes and virtual on others.
 */
const POOL: Array<{ ip: string; aggregation: number }> = [
  ...['198.51.100.100', '198.51.100.101', '198.51.100.102', 'fd00:a::100', 'fd00:a::101'].map((ip) => ({ ip, aggregation: ip.includes(':') ? 128 : 32 })),
  ...['198.51.100.150', '198.51.100.151', 'fd00:b::100'].map((ip) => ({ ip, aggregation: ip.includes(':') ? 128 : 32 })),
  ...['198.51.100.200', '198.51.100.201'].map((ip) => ({ ip, aggregation: 26 })),
  ...['2001:db8:ff::1', '2001:db8:ff::2'].map((ip) => ({ ip, aggregation: 64 })),
];
const RACK_A = /^(198\.51\.100\.(\d|[1-9]\d|1[01]\d|12[0-7])|fd00:a::.*)$/;
const RACK_B = /^(198\.51\.100\.(12[89]|1[3-8]\d|19[01])|fd00:b::.*)$/;

interface World {
  nodes: Array<{ name: string; rack: 'A' | 'B' }>;
  members: string[];
  services: ServiceView[];
}

function rackInterfaces(rack: 'A' | 'B', i: number): NodeInterfaces {
  const addresses =
    rack === 'A'
      ? [
          { family: 'IPv4' as const, address: `198.51.100.${1 + i}`, prefixLength: 25 },
          { family: 'IPv6' as const, address: `fd00:a::${1 + i}`, prefixLength: 64 },
        ]
      : [
          { family: 'IPv4' as const, address: `198.51.100.${129 + i}`, prefixLength: 26 },
          { family: 'IPv6' as const, address: `fd00:b::${1 + i}`, prefixLength: 64 },
        ];
  return {
    interfaces: [lo, { name: 'eth0', index: 2, up: true, addresses }, { name: 'kube-lb0', index: 3, up: true, addresses: [] }],
    defaultRoute: { IPv4: 'eth0', IPv6: 'eth0' },
  };
}

const worldArb: fc.Arbitrary<World> = fc
  .array(fc.constantFrom<'A' | 'B'>('A', 'B'), { minLength: 1, maxLength: 6 })
  .map((racks) => racks.map((rack, i) => ({ name: `node${i}`, rack })))
  .chain((nodes) => {
    const names = nodes.map((n) => n.name);
    const service = fc.record({
      addresses: fc.subarray(POOL, { minLength: 1, maxLength: 3 }),
      etpLocal: fc.boolean(),
      allowLocal: fc.boolean(),
      endpointNodes: fc.subarray(names),
    });
    return fc.record({
      nodes: fc.constant(nodes),
      members: fc.subarray(names),
      services: fc.array(service, { maxLength: 10 }).map((list) =>
        list.map((s, i) => ({
          key: `ns/svc${i}`,
          addresses: s.addresses.map((a) => ({ family: a.ip.includes(':') ? ('IPv6' as const) : ('IPv4' as const), ...a })),
          etpLocal: s.etpLocal,
          allowLocal: s.allowLocal,
          endpointNodes: s.endpointNodes,
        })),
      ),
    });
  });

/** Each node's input: members carry the subnets the node itself would advertise. */
function inputs(world: World): Map<string, DecideInput> {
  const rackOf = new Map(world.nodes.map((n, i) => [n.name, rackInterfaces(n.rack, i)]));
  const subnetsOf = (name: string) => decide({ settings: settings(name), interfaces: rackOf.get(name)!, services: [], members: [] }).subnets;
  const members = world.members.map((node) => ({ node, subnets: subnetsOf(node) }));
  return new Map(world.nodes.map((n) => [n.name, { settings: settings(n.name), interfaces: rackOf.get(n.name)!, services: world.services, members }]));
}

function rackOfIp(ip: string): 'A' | 'B' | undefined {
  return RACK_A.test(ip) ? 'A' : RACK_B.test(ip) ? 'B' : undefined;
}

describe('properties', () => {
  it('each local address has exactly one holder when any member can take it, and all nodes agree who', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const decisions = new Map([...inputs(world)].map(([n, input]) => [n, decide(input)]));
        for (const { ip } of POOL) {
          const rack = rackOfIp(ip);
          if (!rack) continue;
          const carriers = world.services.filter((s) => s.addresses.some((a) => a.ip === ip));
          if (carriers.length === 0) continue;
          const rackNodes = world.nodes.filter((n) => n.rack === rack).map((n) => n.name);
          const holders = [...decisions].filter(([, d]) => d.desired.some((x) => x.ip === ip && x.kind === 'local')).map(([n]) => n);
          expect(holders.length).toBeLessThanOrEqual(1);
          const restricted = carriers.filter((s) => s.etpLocal && s.allowLocal);
          const liveInRack = world.members.filter((m) => rackNodes.includes(m));
          if (restricted.length === 0) {
            expect(holders.length).toBe(liveInRack.length > 0 ? 1 : 0);
          } else if (restricted.length === carriers.length) {
            // Only endpoint nodes; if some live rack node has endpoints of them all, one holds it.
            for (const h of holders) expect(restricted.some((s) => s.endpointNodes.includes(h))).toBe(true);
            if (liveInRack.some((n) => restricted.every((s) => s.endpointNodes.includes(n)))) expect(holders).toHaveLength(1);
          } else {
            expect(holders.length).toBe(liveInRack.length > 0 ? 1 : 0);
          }
          for (const h of holders) {
            expect(world.members).toContain(h);
            expect(rackNodes).toContain(h);
          }
          // Every node of the rack names the same winner (the holder), for every carrier.
          for (const n of rackNodes) {
            const named = new Set(decisions.get(n)!.localWinners.filter((w) => w.ip === ip).map((w) => w.node));
            expect([...named]).toEqual(holders);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a virtual address is on exactly the eligible nodes, with its aggregation', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        for (const [node, input] of inputs(world)) {
          const rack = world.nodes.find((n) => n.name === node)!.rack;
          const d = decide(input);
          for (const { ip, aggregation } of POOL) {
            if (rackOfIp(ip) === rack) continue; // local here, see the property above
            const carriers = world.services.filter((s) => s.addresses.some((a) => a.ip === ip));
            const needing = carriers
              .filter((s) => !s.etpLocal || s.endpointNodes.includes(node))
              .map((s) => s.key)
              .sort();
            const held = d.desired.filter((x) => x.ip === ip);
            if (needing.length === 0) expect(held).toEqual([]);
            else expect(held).toEqual([{ kind: 'virtual', interface: 'kube-lb0', family: ip.includes(':') ? 'IPv6' : 'IPv4', ip, prefixLength: aggregation, services: needing }]);
          }
          // ETP Local without allow-local is reset exactly when an address is local to this node.
          const reset = world.services.filter((s) => s.etpLocal && !s.allowLocal && s.addresses.some((a) => rackOfIp(a.ip) === rack)).map((s) => s.key);
          expect(d.resetToCluster).toEqual(reset.sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('removing a Service withdraws what only it needed and leaves every other address alone', () => {
    fc.assert(
      fc.property(
        worldArb.filter((w) => w.services.length > 0),
        fc.nat(),
        (world, pick) => {
          const gone = world.services[pick % world.services.length]!;
          const rest = world.services.filter((s) => s !== gone);
          const goneIps = new Set(gone.addresses.map((a) => a.ip));
          const stillCarried = new Set(rest.flatMap((s) => s.addresses.map((a) => a.ip)));
          for (const [, input] of inputs(world)) {
            const before = decide(input).desired;
            const after = decide({ ...input, services: rest }).desired;
            for (const d of after) expect(d.services).not.toContain(gone.key);
            for (const ip of goneIps) if (!stillCarried.has(ip)) expect(after.filter((d) => d.ip === ip)).toEqual([]);
            // Addresses the removed Service did not carry are decided exactly as before.
            expect(after.filter((d) => !goneIps.has(d.ip))).toEqual(before.filter((d) => !goneIps.has(d.ip)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not depend on the order of Services, members or interfaces', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(), (world, seed) => {
        const rotate = <T>(xs: T[]) => (xs.length ? [...xs.slice(seed % xs.length), ...xs.slice(0, seed % xs.length)].reverse() : xs);
        for (const [, input] of inputs(world)) {
          const shuffled: DecideInput = {
            ...input,
            services: rotate(input.services),
            members: rotate(input.members),
            interfaces: { ...input.interfaces, interfaces: rotate(input.interfaces.interfaces) },
          };
          expect(decide(shuffled)).toEqual(decide(input));
        }
      }),
      { numRuns: 200 },
    );
  });
});
