// Pure translations from Kubernetes objects to the announcer's inputs, and Lease-based membership.
import { describe, it, expect } from '@jest/globals';
import type { ServiceGroup } from '@purelb/crds';
import { agentSettings, endpointNodes, poolsOf, serviceViews, type ServiceObject } from '../src/agent/views.js';
import { liveMembers, SUBNETS_ANNOTATION } from '../src/agent/membership.js';

const groups: ServiceGroup[] = [
  {
    apiVersion: 'purelb.io/v1',
    kind: 'ServiceGroup',
    metadata: { name: 'default', namespace: 'purelb' },
    spec: { local: { v4pool: { subnet: '198.51.100.0/24', pool: '198.51.100.200-198.51.100.250', aggregation: 'default' } } },
  },
  {
    apiVersion: 'purelb.io/v1',
    kind: 'ServiceGroup',
    metadata: { name: 'virtual', namespace: 'purelb' },
    spec: { local: { v4pool: { subnet: '203.0.113.0/24', pool: '203.0.113.0/24', aggregation: '/32' }, v6pool: { subnet: '2001:db8:e2e::/64', pool: '2001:db8:e2e::/64', aggregation: '/128' } } },
  },
  {
    apiVersion: 'purelb.io/v1',
    kind: 'ServiceGroup',
    metadata: { name: 'elsewhere', namespace: 'team-a' },
    spec: { local: { v4pool: { subnet: '10.0.0.0/24', pool: '10.0.0.0/24', aggregation: '/32' } } },
  },
];

function svc(name: string, ips: string[], extra: Partial<ServiceObject> & { annotations?: Record<string, string> } = {}): ServiceObject {
  return {
    metadata: { name, namespace: 'default', annotations: { 'purelb.io/allocated-by': 'PureLB', ...(extra.annotations ?? {}) } },
    spec: { type: 'LoadBalancer', ...(extra.spec ?? {}) },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

describe('serviceViews', () => {
  const pools = poolsOf(groups, 'purelb');

  it('reads only pools of ServiceGroups in the install namespace', () => {
    expect(pools.map((p) => p.text)).toEqual(['198.51.100.200-198.51.100.250', '203.0.113.0/24', '2001:db8:e2e::/64']);
  });

  it('takes allocated LoadBalancer Services with the aggregation of their pool, canonical addresses', () => {
    const views = serviceViews(
      [svc('b', ['203.0.113.7', '2001:DB8:E2E:0::9']), svc('a', ['198.51.100.201'], { spec: { externalTrafficPolicy: 'Local' }, annotations: { 'purelb.io/allow-local': 'true' } })],
      () => [],
      pools,
    );
    expect(views).toEqual([
      { key: 'default/a', addresses: [{ family: 'IPv4', ip: '198.51.100.201', aggregation: 24 }], etpLocal: true, allowLocal: true, endpointNodes: [] },
      {
        key: 'default/b',
        addresses: [
          { family: 'IPv4', ip: '203.0.113.7', aggregation: 32 },
          { family: 'IPv6', ip: '2001:db8:e2e::9', aggregation: 128 },
        ],
        etpLocal: false,
        allowLocal: false,
        endpointNodes: [],
      },
    ]);
  });

  it('skips Services not allocated by PureLB, not LoadBalancer, being deleted or without addresses', () => {
    const notOurs = svc('x', ['198.51.100.202']);
    notOurs.metadata!.annotations = {};
    const clusterIP = svc('y', ['198.51.100.203'], { spec: { type: 'ClusterIP' } });
    const deleting = svc('z', ['198.51.100.204']);
    deleting.metadata!.deletionTimestamp = '2026-11-24T00:00:00Z';
    expect(serviceViews([notOurs, clusterIP, deleting, svc('w', [])], () => [], pools)).toEqual([]);
  });

  it('gives an address outside every pool the full-length aggregation', () => {
    expect(serviceViews([svc('o', ['192.0.2.99'])], () => [], pools)[0]!.addresses[0]!.aggregation).toBe(32);
  });
});

describe('endpointNodes', () => {
  it('counts ready and serving endpoints, not the others', () => {
    expect(
      endpointNodes([
        { endpoints: [{ nodeName: 'n1', conditions: { ready: true } }, { nodeName: 'n2', conditions: { ready: false } }, { nodeName: 'n3', conditions: {} }] },
        { endpoints: [{ nodeName: 'n4', conditions: { ready: false, serving: true, terminating: true } }, { conditions: { ready: true } }] },
      ]),
    ).toEqual(['n1', 'n3', 'n4']);
  });
});

describe('agentSettings', () => {
  it('uses the defaults when no LBNodeAgent selects the node, and the most specific one otherwise', () => {
    expect(agentSettings('n1', {}, [], 'purelb')).toEqual({ nodeName: 'n1', localInterface: { mode: 'default' }, extLbInterface: 'kube-lb0', sendGarp: true, garp: { count: 3, intervalMs: 500 } });
    const agents = [
      { metadata: { name: 'all', namespace: 'purelb' }, spec: { local: { extlbint: 'lb-all' } } },
      { metadata: { name: 'edge', namespace: 'purelb' }, spec: { nodeSelector: { role: 'edge' }, local: { localint: 'eth[0-9]+', extlbint: 'lb-edge', garp: { count: 5, intervalMs: 100 } } } },
    ];
    const edge = agentSettings('n1', { role: 'edge' }, agents, 'purelb');
    expect(edge.extLbInterface).toBe('lb-edge');
    expect(edge.garp).toEqual({ count: 5, intervalMs: 100 });
    expect(edge.localInterface.mode).toBe('regex');
    expect(agentSettings('n2', { role: 'core' }, agents, 'purelb').extLbInterface).toBe('lb-all');
  });
});

describe('liveMembers', () => {
  const lease = (node: string, renewMicros: number, subnets: string, duration = 10) => ({
    metadata: { name: `purelb-node-${node}`, namespace: 'purelb', annotations: { [SUBNETS_ANNOTATION]: subnets } },
    spec: { holderIdentity: node, leaseDurationSeconds: duration, renewTime: new Date(renewMicros / 1000).toISOString().replace('Z', '000Z') },
  });

  it('keeps Leases renewed within their duration, with their subnets, and reports the next expiry', () => {
    const now = Date.parse('2026-11-24T12:00:00Z') * 1000;
    const { members, nextExpiryMicros } = liveMembers(
      [lease('b', now - 2_000_000, '198.51.100.0/24, fd9a::/64'), lease('a', now - 5_000_000, '198.51.100.0/24'), lease('dead', now - 11_000_000, '198.51.100.0/24'), { metadata: { name: 'purelb-allocator' }, spec: {} }],
      now,
    );
    expect(members).toEqual([
      { node: 'a', subnets: ['198.51.100.0/24'] },
      { node: 'b', subnets: ['198.51.100.0/24', 'fd9a::/64'] },
    ]);
    expect(nextExpiryMicros).toBe(now + 5_000_000);
  });
});
