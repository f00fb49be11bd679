// The announcer core: table cases for each rule and properties over random clusters.
import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { decide } from '../src/core/announcer.js';
import { electWinner } from '../src/core/election.js';
import type { AgentSettings, Member, NodeInterfaces, ServiceView } from '../src/core/types.js';

const NODES = ['n1', 'n2', 'n3', 'n4'];

function settings(node: string): AgentSettings {
  return { nodeName: node, localInterface: { mode: 'default' }, extLbInterface: 'kube-lb0', sendGarp: true, garp: { count: 3, intervalMs: 500 } };
}

function interfaces(i: number): NodeInterfaces {
  return {
    interfaces: [
      { name: 'lo', index: 1, up: true, addresses: [{ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 }] },
      {
        name: 'eth0',
        index: 2,
        up: true,
        addresses: [
          { family: 'IPv4', address: `198.51.100.${10 + i}`, prefixLength: 24 },
          { family: 'IPv6', address: `fd9a::${10 + i}`, prefixLength: 64 },
          { family: 'IPv6', address: `fe80::${10 + i}`, prefixLength: 64 },
        ],
      },
      { name: 'kube-lb0', index: 3, up: true, addresses: [] },
    ],
    defaultRoute: { IPv4: 'eth0', IPv6: 'eth0' },
  };
}

const members: Member[] = NODES.map((node) => ({ node, subnets: ['198.51.100.0/24', 'fd9a::/64'] }));

function svc(key: string, ips: Array<[string, number?]>, extra: Partial<ServiceView> = {}): ServiceView {
  return {
    key,
    addresses: ips.map(([ip, agg]) => ({ family: ip.includes(':') ? 'IPv6' : 'IPv4', ip, aggregation: agg ?? (ip.includes(':') ? 128 : 32) })),
    etpLocal: false,
    allowLocal: false,
    endpointNodes: [],
    ...extra,
  };
}

function run(node: string, services: ServiceView[], m: Member[] = members) {
  return decide({ settings: settings(node), interfaces: interfaces(NODES.indexOf(node)), services, members: m });
}

describe('decide', () => {
  it('advertises the prefixes of the default-route interface, not link-local ones', () => {
    expect(run('n1', []).subnets).toEqual(['198.51.100.0/24', 'fd9a::/64']);
  });

  it('puts a local address on the elected node only, with the interface mask', () => {
    const services = [svc('default/web', [['198.51.100.200']])];
    const winner = electWinner('198.51.100.200', NODES)!;
    for (const node of NODES) {
      const d = run(node, services);
      expect(d.localWinners).toEqual([{ service: 'default/web', family: 'IPv4', ip: '198.51.100.200', node: winner, interface: 'eth0' }]);
      expect(d.desired).toEqual(node === winner ? [{ kind: 'local', interface: 'eth0', family: 'IPv4', ip: '198.51.100.200', prefixLength: 24, services: ['default/web'] }] : []);
    }
  });

  it('puts a virtual address on kube-lb0 of every node with the aggregation, and with ETP Local only where endpoints are', () => {
    const cluster = svc('default/v', [['203.0.113.7', 32]]);
    const local = svc('default/l', [['203.0.113.8', 32]], { etpLocal: true, endpointNodes: ['n2'] });
    for (const node of NODES) {
      const d = run(node, [cluster, local]);
      expect(d.desired.map((x) => `${x.kind} ${x.interface} ${x.ip}/${x.prefixLength}`)).toEqual(
        ['virtual kube-lb0 203.0.113.7/32', ...(node === 'n2' ? ['virtual kube-lb0 203.0.113.8/32'] : [])],
      );
    }
  });

  it('holds a shared local address on one node for every Service using it', () => {
    const services = [svc('default/a', [['198.51.100.222']]), svc('default/b', [['198.51.100.222']])];
    const holders = NODES.filter((n) => run(n, services).desired.length > 0);
    expect(holders).toHaveLength(1);
    expect(run(holders[0]!, services).desired[0]!.services).toEqual(['default/a', 'default/b']);
  });

  it('resets ETP Local on a local address without allow-local, and elects among endpoint nodes with it', () => {
    expect(run('n1', [svc('default/e', [['198.51.100.201']], { etpLocal: true })]).resetToCluster).toEqual(['default/e']);
    const allow = svc('default/k', [['198.51.100.202']], { etpLocal: true, allowLocal: true, endpointNodes: ['n3'] });
    expect(run('n3', [allow]).desired.map((d) => d.ip)).toEqual(['198.51.100.202']);
    for (const n of ['n1', 'n2', 'n4']) expect(run(n, [allow]).desired).toEqual([]);
    expect(run('n3', [allow]).resetToCluster).toEqual([]);
  });

  it('elects only among members whose subnets contain the address, and not at all without members', () => {
    const only = [{ node: 'n4', subnets: ['198.51.100.0/24'] }, { node: 'n1', subnets: ['10.0.0.0/8'] }];
    expect(run('n4', [svc('default/w', [['198.51.100.203']])], only).desired).toHaveLength(1);
    expect(run('n1', [svc('default/w', [['198.51.100.203']])], only).desired).toHaveLength(0);
    expect(run('n1', [svc('default/w', [['198.51.100.203']])], []).desired).toHaveLength(0);
  });

  it('selects the local interface by regex when configured', () => {
    const s: AgentSettings = { ...settings('n1'), localInterface: { mode: 'regex', regex: /^(?:eth[0-9]+)$/ } };
    const ifs = interfaces(0);
    ifs.defaultRoute = {};
    expect(decide({ settings: s, interfaces: ifs, services: [], members }).subnets).toEqual(['198.51.100.0/24', 'fd9a::/64']);
  });
});

describe('properties', () => {
  const ipArb = fc.integer({ min: 200, max: 250 }).map((n) => `198.51.100.${n}`);
  const clusterArb = fc.record({
    live: fc.subarray(NODES, { minLength: 1 }),
    services: fc.array(fc.record({ ip: ipArb, virtual: fc.boolean(), etpLocal: fc.boolean(), endpoints: fc.subarray(NODES) }), { maxLength: 12 }),
  });

  it('every local address is held by exactly one live node, and virtual ones by every eligible node', () => {
    fc.assert(
      fc.property(clusterArb, ({ live, services }) => {
        const views = services.map((s, i) =>
          s.virtual
            ? svc(`ns/v${i}`, [[s.ip.replace('198.51.100', '203.0.113'), 32]], { etpLocal: s.etpLocal, endpointNodes: s.endpoints })
            : svc(`ns/l${i}`, [[s.ip]]),
        );
        const m = members.filter((x) => live.includes(x.node));
        const decisions = new Map(live.map((n) => [n, run(n, views, m)]));
        for (const v of views) {
          const ip = v.addresses[0]!.ip;
          const holding = live.filter((n) => decisions.get(n)!.desired.some((d) => d.ip === ip));
          if (ip.startsWith('198.51.100.')) expect(holding).toHaveLength(1);
          else {
            const needers = views.filter((o) => o.addresses[0]!.ip === ip);
            const eligible = live.filter((n) => needers.some((o) => !o.etpLocal || o.endpointNodes.includes(n)));
            expect(holding.sort()).toEqual(eligible.sort());
          }
        }
      }),
    );
  });

  it('when a node leaves, only the addresses it held move', () => {
    fc.assert(
      fc.property(fc.uniqueArray(ipArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(...NODES), (ips, leaver) => {
        const before = new Map(ips.map((ip) => [ip, electWinner(ip, NODES)]));
        const after = new Map(ips.map((ip) => [ip, electWinner(ip, NODES.filter((n) => n !== leaver))]));
        for (const ip of ips) if (before.get(ip) !== leaver) expect(after.get(ip)).toBe(before.get(ip));
      }),
    );
  });
});
