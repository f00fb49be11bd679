import { describe, it, expect } from '@jest/globals';
import { parseServiceGroup, type NormalizedGroup } from '@purelb/crds';
import { Ipam, type AllocationResult, type AllocationRequest } from '../src/index.js';
import { dual, group, req } from './support/groups.js';

function ok(result: AllocationResult): Extract<AllocationResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${result.failure.reason}: ${result.failure.message}`);
  return result;
}
const ips = (result: AllocationResult): string[] => ok(result).addresses.map((a) => a.ip);

describe('the seed case', () => {
  it('gives a kubectl-expose Service the first address of default, with group, pool and aggregation', () => {
    const parsed = parseServiceGroup({
      apiVersion: 'purelb.io/v1',
      kind: 'ServiceGroup',
      metadata: { name: 'default', namespace: 'purelb' },
      spec: { local: { v4pool: { subnet: '172.30.250.0/24', pool: '172.30.250.53-172.30.250.60', aggregation: 'default' } } },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const ipam = new Ipam([parsed.group]);
    const result = ok(ipam.allocate(req('default/nginx')));
    expect(result).toEqual({
      ok: true,
      group: 'default',
      addresses: [{ family: 'IPv4', ip: '172.30.250.53', group: 'default', pool: 'spec.local.v4pool', aggregation: 24 }],
      changed: true,
      released: [],
      orphaned: false,
    });
    expect(ipam.holdersOf('172.30.250.53')).toEqual(['default/nginx']);
  });
});

describe('group choice (SPEC §4)', () => {
  const groups = (): NormalizedGroup[] => [
    group('default', { v4: ['10.0.0.0-10.0.0.9'] }),
    group('team-a', { v4: ['10.1.0.0-10.1.0.9'], namespaces: ['team-a'], priority: 20 }),
    group('team-a-cheap', { v4: ['10.2.0.0-10.2.0.0'], namespaces: ['team-a'], priority: 10 }),
    group('b-tied', { v4: ['10.3.0.0-10.3.0.9'], namespaces: ['team-b'], priority: 5 }),
    group('a-tied', { v4: ['10.4.0.0-10.4.0.9'], namespaces: ['team-b'], priority: 5 }),
    group('shared', { v4: ['10.5.0.0-10.5.0.9'] }),
    group('restricted', { v4: ['10.6.0.0-10.6.0.9'], namespaces: ['team-c'] }),
  ];

  it.each([
    ['a namespace nobody lists gets default', req('web/x'), 'default', '10.0.0.0'],
    ['the lowest priority among groups listing the namespace wins', req('team-a/x'), 'team-a-cheap', '10.2.0.0'],
    ['equal priorities are ordered by name', req('team-b/x'), 'a-tied', '10.4.0.0'],
    ['a named group beats namespace listing', req('team-a/x', { groupName: 'shared' }), 'shared', '10.5.0.0'],
    ['the requested address picks its group, over the named group', req('web/x', { groupName: 'shared', requested: ['10.0.0.7'] }), 'default', '10.0.0.7'],
    ['an empty group name is no name', req('web/x', { groupName: '' }), 'default', '10.0.0.0'],
  ])('%s', (_name, request, wantGroup, wantIp) => {
    const ipam = new Ipam(groups());
    const result = ok(ipam.allocate(request));
    expect(result.group).toBe(wantGroup);
    expect(ips(result)).toEqual([wantIp]);
  });

  it('moves on to the next listing group, then default, when a group is full', () => {
    const ipam = new Ipam(groups());
    expect(ok(ipam.allocate(req('team-a/one'))).group).toBe('team-a-cheap');
    expect(ok(ipam.allocate(req('team-a/two'))).group).toBe('team-a');
    const small = [group('default', { v4: ['10.0.0.0-10.0.0.0'] }), group('mine', { v4: ['10.9.0.0-10.9.0.0'], namespaces: ['ns'] })];
    const ipam2 = new Ipam(small);
    expect(ips(ipam2.allocate(req('ns/a')))).toEqual(['10.9.0.0']);
    expect(ips(ipam2.allocate(req('ns/b')))).toEqual(['10.0.0.0']);
    // Every candidate full: the first candidate's failure is reported.
    const failed = ipam2.allocate(req('ns/c'));
    expect(failed).toEqual({ ok: false, failure: expect.objectContaining({ reason: 'exhausted', message: 'pool mine exhausted' }) });
  });

  it('never uses a group whose namespaces exclude the Service, not even default', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'], namespaces: ['team-a'] })]);
    const result = ipam.allocate(req('team-b/x'));
    expect(result).toEqual({
      ok: false,
      failure: { reason: 'no-group', message: 'no service group serves namespace team-b: none lists it and there is no group named default' },
    });
  });

  it('keeps a Service in its group when a new group starts listing its namespace', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ok(ipam.allocate(req('team-a/x')));
    ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.9'] }), group('team-a', { v4: ['10.1.0.0-10.1.0.9'], namespaces: ['team-a'] })]);
    const again = ok(ipam.allocate(req('team-a/x')));
    expect(again.changed).toBe(false);
    expect(again.group).toBe('default');
    expect(ok(ipam.allocate(req('team-a/y'))).group).toBe('team-a');
  });

  it('moves a Service when its named group changes, releasing the old address', () => {
    const ipam = new Ipam(groups());
    ok(ipam.allocate(req('web/x', { groupName: 'default' })));
    const moved = ok(ipam.allocate(req('web/x', { groupName: 'shared' })));
    expect(moved).toMatchObject({ group: 'shared', changed: true, released: [{ ip: '10.0.0.0', group: 'default' }] });
    expect(ips(moved)).toEqual(['10.5.0.0']);
    expect(ipam.holdersOf('10.0.0.0')).toEqual([]);
  });
});

describe('failure messages (SPEC §3.5)', () => {
  const setup = (): Ipam => {
    const ipam = new Ipam([
      group('default', { v4: ['10.0.0.5-10.0.0.6'], v6: ['fd00::5-fd00::6'] }),
      group('team-a', { v4: ['10.1.0.0-10.1.0.9'], namespaces: ['team-a'] }),
      group('v6only', { v6: ['fd01::-fd01::ff'] }),
      group('picky', { v4: ['192.0.2.0/24'], avoidBuggyIPs: true }),
    ]);
    ok(ipam.allocate(req('team-a/web', { groupName: 'default', requested: ['10.0.0.5'], sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] })));
    ok(ipam.allocate(req('team-a/local', { groupName: 'default', requested: ['10.0.0.6'], sharingKey: 'k', etpLocal: true })));
    return ipam;
  };

  it.each<[string, AllocationRequest, string, string]>([
    ['address held, no sharing key', req('team-b/x', { requested: ['10.0.0.5'] }), 'address-held', 'address 10.0.0.5 is held by team-a/web'],
    ['address held, other sharing key', req('team-b/x', { requested: ['10.0.0.5'], sharingKey: 'other' }), 'address-held', 'address 10.0.0.5 is held by team-a/web'],
    ['port clash', req('team-b/x', { requested: ['10.0.0.5'], sharingKey: 'k' }), 'port-clash', 'port TCP/80 on 10.0.0.5 is used by team-a/web'],
    [
      'sharing refused, this Service has ETP Local',
      req('team-b/x', { requested: ['10.0.0.5'], sharingKey: 'k', etpLocal: true, ports: [{ protocol: 'TCP', port: 81 }] }),
      'etp-local',
      'address 10.0.0.5 cannot be shared with team-a/web: this Service has externalTrafficPolicy Local, and Services with it never share an address',
    ],
    [
      'sharing refused, the holder has ETP Local',
      req('team-b/x', { requested: ['10.0.0.6'], sharingKey: 'k', ports: [{ protocol: 'TCP', port: 81 }] }),
      'etp-local',
      'address 10.0.0.6 cannot be shared with team-a/local: team-a/local has externalTrafficPolicy Local, and Services with it never share an address',
    ],
    ['pool exhausted', req('team-b/x'), 'exhausted', 'pool default exhausted'],
    ['pool exhausted, dual stack', dual('team-b/x', 'RequireDualStack'), 'exhausted', 'pool default exhausted (no free IPv4 address)'],
    ['address outside every pool', req('team-b/x', { requested: ['10.9.9.9'] }), 'outside-pools', 'address 10.9.9.9 is outside every pool'],
    ['unknown group', req('team-b/x', { groupName: 'nope' }), 'unknown-group', 'service group nope does not exist'],
    ['namespace not allowed (named group)', req('team-b/x', { groupName: 'team-a' }), 'namespace-not-allowed', 'namespace team-b may not use service group team-a'],
    [
      'namespace not allowed (requested address)',
      req('team-b/x', { requested: ['10.1.0.3'] }),
      'namespace-not-allowed',
      'address 10.1.0.3 is in service group team-a, which namespace team-b may not use',
    ],
    [
      'dual stack impossible',
      dual('team-a/x', 'RequireDualStack'),
      'dual-stack-impossible',
      'dual stack impossible: service group team-a has no IPv6 pool and the Service requires both IPv4 and IPv6',
    ],
    ['family the group lacks', req('team-b/x', { groupName: 'v6only' }), 'family-unavailable', 'service group v6only has no IPv4 pool'],
    [
      'requested addresses in two groups',
      dual('team-b/x', 'RequireDualStack', { requested: ['10.0.0.5', 'fd01::1'] }),
      'mixed-groups',
      'addresses 10.0.0.5 and fd01::1 lie in different service groups (default, v6only); one Service takes its addresses from one group',
    ],
    [
      'buggy address under avoidBuggyIPs',
      req('team-b/x', { requested: ['192.0.2.255'] }),
      'buggy-address',
      'address 192.0.2.255 is not handed out: service group picky sets avoidBuggyIPs (no .0 or .255 addresses)',
    ],
    ['unparsable requested address', req('team-b/x', { requested: ['10.0.0.300'] }), 'invalid-address', 'requested address "10.0.0.300" is not valid: '],
    [
      'two requested addresses of one family',
      req('team-b/x', { requested: ['10.0.0.5', '10.0.0.6'] }),
      'invalid-request',
      'requested addresses 10.0.0.5 and 10.0.0.6 are both IPv4; give at most one per family',
    ],
    [
      'requested family the Service lacks',
      req('team-b/x', { requested: ['fd00::5'] }),
      'family-mismatch',
      "requested address fd00::5 is IPv6 but the Service's IP families are IPv4",
    ],
    ['no families', req('team-b/x', { families: [] }), 'invalid-request', 'the Service has no IP families'],
  ])('%s', (_name, request, reason, message) => {
    const ipam = setup();
    // Use up default's free IPv4 addresses (both held above), so automatic allocation there is exhausted.
    const before = ipam.stats();
    const result = ipam.allocate(request);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.reason).toBe(reason);
    if (reason === 'invalid-address') expect(result.failure.message.startsWith(message)).toBe(true);
    else expect(result.failure.message).toBe(message);
    // A failure changes nothing.
    expect(ipam.stats()).toEqual(before);
    expect(ipam.allocationOf(request.key)).toBeUndefined();
  });
});

describe('address choice', () => {
  it('takes the lowest free address of the first range with room, in declaration order', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.8-10.0.0.9', '10.0.0.0-10.0.0.1'] })]);
    expect(['a', 'b', 'c', 'd'].map((n) => ips(ipam.allocate(req(`ns/${n}`)))[0])).toEqual(['10.0.0.8', '10.0.0.9', '10.0.0.0', '10.0.0.1']);
    ipam.release('ns/b');
    expect(ips(ipam.allocate(req('ns/e')))).toEqual(['10.0.0.9']);
  });

  it('skips .0 and .255 with avoidBuggyIPs', () => {
    const ipam = new Ipam([group('default', { v4: ['192.0.2.254-192.0.3.1'], avoidBuggyIPs: true })]);
    expect(ips(ipam.allocate(req('ns/a')))).toEqual(['192.0.2.254']);
    expect(ips(ipam.allocate(req('ns/b')))).toEqual(['192.0.3.1']);
    expect(ipam.allocate(req('ns/c'))).toMatchObject({ ok: false, failure: { reason: 'exhausted' } });
    expect(ipam.groupStats('default')?.IPv4).toEqual({ size: 2n, used: 2, available: 0n });
  });

  it('prefers the address its sharing key is bound to, and falls back to a fresh one on a port clash', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ok(ipam.allocate(req('ns/first')));
    expect(ips(ipam.allocate(req('ns/a', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] })))).toEqual(['10.0.0.1']);
    ipam.release('ns/first');
    // 10.0.0.0 is free and lower, but the key is bound to 10.0.0.1.
    expect(ips(ipam.allocate(req('ns/b', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 443 }] })))).toEqual(['10.0.0.1']);
    expect(ips(ipam.allocate(req('ns/c', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 443 }] })))).toEqual(['10.0.0.0']);
    expect(ipam.holdersOf('10.0.0.1')).toEqual(['ns/a', 'ns/b']);
  });
});

describe('sharing', () => {
  const setup = (): Ipam => new Ipam([group('default', { v4: ['192.168.0.220-192.168.0.230'] })]);

  it('puts the kube-vip seed Services on one address with ports 80 and 81, and refuses the same port', () => {
    const ipam = setup();
    const a = req('default/kubevip-1', { requested: ['192.168.0.220'], sharingKey: 'kv', ports: [{ protocol: 'TCP', port: 80 }] });
    const b = req('default/kubevip-2', { requested: ['192.168.0.220'], sharingKey: 'kv', ports: [{ protocol: 'TCP', port: 81 }] });
    expect(ips(ipam.allocate(a))).toEqual(['192.168.0.220']);
    expect(ips(ipam.allocate(b))).toEqual(['192.168.0.220']);
    const c = ipam.allocate(req('default/kubevip-3', { requested: ['192.168.0.220'], sharingKey: 'kv', ports: [{ protocol: 'TCP', port: 81 }] }));
    expect(c).toMatchObject({ ok: false, failure: { reason: 'port-clash', message: 'port TCP/81 on 192.168.0.220 is used by default/kubevip-2', holder: 'default/kubevip-2' } });
    expect(ipam.groupStats('default')?.IPv4.used).toBe(1);
  });

  it.each([
    ['TCP/80 and UDP/80 do not clash', [{ protocol: 'TCP', port: 80 }], [{ protocol: 'UDP', port: 80 }], true],
    ['TCP/80 and TCP/80 clash', [{ protocol: 'TCP', port: 80 }], [{ protocol: 'TCP', port: 80 }], false],
    ['SCTP/80 and TCP/80 do not clash', [{ protocol: 'SCTP', port: 80 }], [{ protocol: 'TCP', port: 80 }], true],
    ['one common port among several clashes', [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }], [{ protocol: 'UDP', port: 53 }], false],
    ['disjoint port sets share', [{ protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 443 }], [{ protocol: 'TCP', port: 8080 }], true],
  ])('%s', (_name, portsA, portsB, shares) => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a', { sharingKey: 'k', ports: portsA })));
    const b = ipam.allocate(req('ns/b', { sharingKey: 'k', ports: portsB, requested: ['192.168.0.220'] }));
    expect(b.ok).toBe(shares);
  });

  it('releases a shared address only when its last user goes', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] })));
    ok(ipam.allocate(req('ns/b', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 81 }] })));
    expect(ipam.release('ns/a')).toEqual([{ family: 'IPv4', ip: '192.168.0.220', group: 'default', pool: 'spec.local.v4pools[0]', aggregation: 32 }]);
    expect(ipam.holdersOf('192.168.0.220')).toEqual(['ns/b']);
    // Still held: an unshared Service gets the next address.
    expect(ips(ipam.allocate(req('ns/c')))).toEqual(['192.168.0.221']);
    ipam.release('ns/b');
    expect(ipam.holdersOf('192.168.0.220')).toEqual([]);
    expect(ips(ipam.allocate(req('ns/d')))).toEqual(['192.168.0.220']);
  });

  it('lets a Service alone on its address change its key, and then shares under the new key only', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a', { sharingKey: 'old' })));
    expect(ips(ipam.allocate(req('ns/a', { sharingKey: 'new' })))).toEqual(['192.168.0.220']);
    expect(ipam.allocate(req('ns/b', { sharingKey: 'old', requested: ['192.168.0.220'], ports: [{ protocol: 'TCP', port: 81 }] }))).toMatchObject({
      ok: false,
      failure: { reason: 'address-held' },
    });
    expect(ips(ipam.allocate(req('ns/b', { sharingKey: 'new', ports: [{ protocol: 'TCP', port: 81 }] })))).toEqual(['192.168.0.220']);
  });

  it('moves a Service off a shared address when its own ports start clashing', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] })));
    ok(ipam.allocate(req('ns/b', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 81 }] })));
    const moved = ok(ipam.allocate(req('ns/b', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] })));
    expect(ips(moved)).toEqual(['192.168.0.221']);
    expect(moved.released.map((a) => a.ip)).toEqual(['192.168.0.220']);
    expect(ipam.holdersOf('192.168.0.220')).toEqual(['ns/a']);
  });
});

describe('requested-address precedence', () => {
  const setup = (): Ipam => new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] }), group('other', { v4: ['10.1.0.0-10.1.0.9'] })]);

  it('requested beats current beats automatic', () => {
    const ipam = setup();
    expect(ips(ipam.allocate(req('ns/a', { requested: ['10.0.0.4'], current: ['10.0.0.7'] })))).toEqual(['10.0.0.4']);
    expect(ips(ipam.allocate(req('ns/b', { current: ['10.0.0.7'] })))).toEqual(['10.0.0.7']);
    expect(ips(ipam.allocate(req('ns/c')))).toEqual(['10.0.0.0']);
  });

  it('adopts a current address in any group the namespace may use, and its group with it', () => {
    const ipam = setup();
    expect(ok(ipam.allocate(req('ns/a', { current: ['10.1.0.3'] })))).toMatchObject({ group: 'other', addresses: [{ ip: '10.1.0.3' }] });
  });

  it('ignores a current address outside the pools, held by another Service, or unparsable', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/holder', { requested: ['10.0.0.0'] })));
    expect(ips(ipam.allocate(req('ns/a', { current: ['192.0.2.1'] })))).toEqual(['10.0.0.1']);
    expect(ips(ipam.allocate(req('ns/b', { current: ['10.0.0.0'] })))).toEqual(['10.0.0.2']);
    expect(ips(ipam.allocate(req('ns/c', { current: ['not-an-ip'] })))).toEqual(['10.0.0.3']);
  });

  it('ignores a current address in a group the named group excludes', () => {
    const ipam = setup();
    expect(ips(ipam.allocate(req('ns/a', { groupName: 'default', current: ['10.1.0.3'] })))).toEqual(['10.0.0.0']);
  });

  it('moves an allocated Service to a newly requested address and keeps it when the request goes away', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a')));
    const moved = ok(ipam.allocate(req('ns/a', { requested: ['10.0.0.5'] })));
    expect(moved).toMatchObject({ changed: true, released: [{ ip: '10.0.0.0' }], addresses: [{ ip: '10.0.0.5' }] });
    expect(ok(ipam.allocate(req('ns/a')))).toMatchObject({ changed: false, addresses: [{ ip: '10.0.0.5' }] });
  });

  it('keeps the old address when a newly requested one is taken', () => {
    const ipam = setup();
    ok(ipam.allocate(req('ns/a')));
    ok(ipam.allocate(req('ns/b')));
    expect(ipam.allocate(req('ns/a', { requested: ['10.0.0.1'] }))).toMatchObject({ ok: false, failure: { message: 'address 10.0.0.1 is held by ns/b' } });
    expect(ipam.allocationOf('ns/a')?.addresses.map((a) => a.ip)).toEqual(['10.0.0.0']);
  });

  it('treats empty items of the annotation as absent (a trailing comma, an empty value)', () => {
    const ipam = setup();
    expect(ips(ipam.allocate(req('ns/a', { requested: ['10.0.0.7', ' '] })))).toEqual(['10.0.0.7']);
    expect(ips(ipam.allocate(req('ns/b', { requested: [''] })))).toEqual(['10.0.0.0']);
  });

  it('accepts the same address twice in the annotation and normalises its text', () => {
    const ipam = new Ipam([group('default', { v6: ['2001:db8::/120'] })]);
    const result = ok(ipam.allocate(req('ns/a', { families: ['IPv6'], requested: ['2001:DB8:0::5', ' 2001:db8::5 '] })));
    expect(ips(result)).toEqual(['2001:db8::5']);
  });
});

describe('dual stack', () => {
  const both = (): NormalizedGroup => group('default', { v4: ['10.0.0.0-10.0.0.9'], v6: ['fd00::-fd00::9'] });

  it('allocates one address per family in the Service family order', () => {
    const ipam = new Ipam([both()]);
    expect(ips(ipam.allocate(dual('ns/a', 'RequireDualStack')))).toEqual(['10.0.0.0', 'fd00::']);
    expect(ips(ipam.allocate(req('ns/b', { families: ['IPv6', 'IPv4'], policy: 'PreferDualStack' })))).toEqual(['fd00::1', '10.0.0.1']);
  });

  it('RequireDualStack against a v4-only group fails whole, leaving nothing allocated', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    expect(ipam.allocate(dual('ns/a', 'RequireDualStack'))).toMatchObject({ ok: false, failure: { reason: 'dual-stack-impossible', family: 'IPv6' } });
    expect(ipam.groupStats('default')?.IPv4.used).toBe(0);
    expect(ipam.keys()).toEqual([]);
  });

  it('RequireDualStack with one family exhausted fails whole', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'], v6: ['fd00::-fd00::'] })]);
    ok(ipam.allocate(req('ns/v6', { families: ['IPv6'] })));
    expect(ipam.allocate(dual('ns/a', 'RequireDualStack'))).toMatchObject({ ok: false, failure: { reason: 'exhausted', family: 'IPv6' } });
    expect(ipam.groupStats('default')?.IPv4.used).toBe(0);
  });

  it('PreferDualStack takes what exists and completes when the group gains the family', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    const first = ok(ipam.allocate(dual('ns/a', 'PreferDualStack')));
    expect(ips(first)).toEqual(['10.0.0.0']);
    expect(ok(ipam.allocate(dual('ns/a', 'PreferDualStack'))).changed).toBe(false);
    ipam.setGroups([both()]);
    const completed = ok(ipam.allocate(dual('ns/a', 'PreferDualStack')));
    expect(completed).toMatchObject({ changed: true, released: [] });
    expect(ips(completed)).toEqual(['10.0.0.0', 'fd00::']);
  });

  it('PreferDualStack leaves out an exhausted family but not a failed explicit request', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'], v6: ['fd00::-fd00::'] })]);
    ok(ipam.allocate(req('ns/v6', { families: ['IPv6'] })));
    expect(ips(ipam.allocate(dual('ns/a', 'PreferDualStack')))).toEqual(['10.0.0.0']);
    expect(ipam.allocate(dual('ns/b', 'PreferDualStack', { requested: ['fd00::'] }))).toMatchObject({ ok: false, failure: { reason: 'address-held' } });
  });

  it('single → dual adds the missing family; dual → single releases the extra one', () => {
    const ipam = new Ipam([both()]);
    ok(ipam.allocate(req('ns/a')));
    const grown = ok(ipam.allocate(dual('ns/a', 'RequireDualStack')));
    expect(ips(grown)).toEqual(['10.0.0.0', 'fd00::']);
    expect(grown.released).toEqual([]);
    const shrunk = ok(ipam.allocate(req('ns/a')));
    expect(ips(shrunk)).toEqual(['10.0.0.0']);
    expect(shrunk.released.map((a) => a.ip)).toEqual(['fd00::']);
    expect(ipam.groupStats('default')?.IPv6.used).toBe(0);
    // SingleStack keeps the first family of the list even if the API server still lists two.
    expect(ips(ipam.allocate(req('ns/a', { families: ['IPv4', 'IPv6'], policy: 'SingleStack' })))).toEqual(['10.0.0.0']);
  });
});

describe('idempotence', () => {
  it('re-allocating with the same inputs changes nothing and returns the same addresses', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'], v6: ['fd00::-fd00::9'] })]);
    const request = dual('ns/a', 'PreferDualStack', { sharingKey: 'k' });
    const first = ok(ipam.allocate(request));
    const second = ok(ipam.allocate(request));
    expect(first.changed).toBe(true);
    expect(second).toEqual({ ...first, changed: false });
    // Reconciles that pass the status back as `current` do not disturb it either.
    expect(ok(ipam.allocate({ ...request, current: ips(first) }))).toEqual(second);
  });
});

describe('ServiceGroup edits (setGroups)', () => {
  it('keeps what still fits, reports orphans, keeps them holding their address, and reclaims on request', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ['a', 'b', 'c'].forEach((n) => ok(ipam.allocate(req(`ns/${n}`))));
    const shrink = ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.1'] })]);
    expect(shrink).toEqual({
      orphans: [{ key: 'ns/c', group: 'default', addresses: ['10.0.0.2'], message: 'address 10.0.0.2 no longer lies in a pool of service group default' }],
      ignored: [],
    });
    expect(ipam.allocationOf('ns/c')).toMatchObject({ orphaned: true, addresses: [{ ip: '10.0.0.2', pool: undefined, aggregation: 32 }] });
    // Not reclaimed: the orphan keeps its address and nothing changes.
    expect(ipam.allocate(req('ns/c'))).toMatchObject({ ok: true, orphaned: true, changed: false, addresses: [{ ip: '10.0.0.2' }] });
    // Growing back must not hand the orphan's address to someone else.
    ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    expect(ipam.orphans()).toEqual([]);
    expect(ips(ipam.allocate(req('ns/d')))).toEqual(['10.0.0.3']);
    ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.1', '10.0.0.3-10.0.0.9'] })]);
    const reclaimed = ok(ipam.allocate(req('ns/c', { reclaim: true })));
    expect(reclaimed).toMatchObject({ changed: true, orphaned: false, released: [{ ip: '10.0.0.2' }] });
    expect(ips(reclaimed)).toEqual(['10.0.0.4']);
  });

  it('re-evaluates an orphan when it asks for another address explicitly', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ok(ipam.allocate(req('ns/a', { requested: ['10.0.0.9'] })));
    ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.5'] })]);
    expect(ipam.allocate(req('ns/a', { requested: ['10.0.0.9'] }))).toMatchObject({ ok: true, orphaned: true });
    expect(ips(ipam.allocate(req('ns/a', { requested: ['10.0.0.3'] })))).toEqual(['10.0.0.3']);
  });

  it('orphans allocations of a deleted group and of a namespace the group stops allowing', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] }), group('gone', { v4: ['10.1.0.0-10.1.0.9'] })]);
    ok(ipam.allocate(req('team-a/x')));
    ok(ipam.allocate(req('team-b/y', { groupName: 'gone' })));
    const result = ipam.setGroups([group('default', { v4: ['10.0.0.0-10.0.0.9'], namespaces: ['team-b'] })]);
    expect(result.orphans.map((o) => o.message)).toEqual([
      'service group default no longer allows namespace team-a',
      'service group gone no longer exists',
    ]);
    expect(ipam.holdersOf('10.1.0.0')).toEqual(['team-b/y']);
  });

  it('keeps an orphan address that lands in another group out of that group’s free addresses', () => {
    const ipam = new Ipam([group('a', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ok(ipam.allocate(req('ns/x', { groupName: 'a' })));
    ipam.setGroups([group('a', { v4: ['10.0.0.5-10.0.0.9'] }), group('b', { v4: ['10.0.0.0-10.0.0.4'] })]);
    expect(ipam.allocationOf('ns/x')?.orphaned).toBe(true);
    expect(ipam.groupStats('b')?.IPv4).toEqual({ size: 5n, used: 1, available: 4n });
    expect(ips(ipam.allocate(req('ns/y', { groupName: 'b' })))).toEqual(['10.0.0.1']);
    ipam.release('ns/x');
    expect(ipam.groupStats('b')?.IPv4).toEqual({ size: 5n, used: 1, available: 4n });
    expect(ips(ipam.allocate(req('ns/z', { groupName: 'b' })))).toEqual(['10.0.0.0']);
  });

  it('ignores pools overlapping an earlier group and duplicate group names, and says so', () => {
    const ipam = new Ipam();
    const result = ipam.setGroups([
      group('a', { v4: ['10.0.0.0-10.0.0.9'] }),
      group('b', { v4: ['10.0.0.5-10.0.0.20', '10.0.1.0-10.0.1.9'] }),
      group('a', { v4: ['10.9.0.0-10.9.0.9'] }),
    ]);
    expect(result.ignored).toEqual([
      { group: 'b', source: 'spec.local.v4pools[0]', message: '10.0.0.5-10.0.0.20 overlaps service group a (spec.local.v4pools[0] 10.0.0.0-10.0.0.9); ignored' },
      { group: 'a', source: 'spec.local.v4pools[0]', message: 'service group a is given twice; only the first is used' },
    ]);
    expect(ipam.groupStats('b')?.IPv4.size).toBe(10n);
    expect(ipam.ignored()).toEqual(result.ignored);
  });
});

describe('rebuild', () => {
  it('restores allocations, rejects a conflicting claimant whole, and reports orphans', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'], v6: ['fd00::/120'] })]);
    const result = ipam.rebuild([
      { key: 'ns/a', namespace: 'ns', group: 'default', addresses: ['10.0.0.3', 'fd00::3'], ports: [{ protocol: 'TCP', port: 80 }], etpLocal: false, sharingKey: 'k' },
      { key: 'ns/b', namespace: 'ns', addresses: ['10.0.0.3'], ports: [{ protocol: 'TCP', port: 81 }], etpLocal: false, sharingKey: 'k' },
      { key: 'ns/c', namespace: 'ns', addresses: ['10.0.0.3'], ports: [{ protocol: 'TCP', port: 80 }], etpLocal: false, sharingKey: 'k' },
      { key: 'ns/d', namespace: 'ns', addresses: ['fd00::3', '10.0.0.8'], ports: [], etpLocal: false },
      { key: 'ns/e', namespace: 'ns', group: 'default', addresses: ['192.0.2.1'], ports: [], etpLocal: false },
      { key: 'ns/f', namespace: 'ns', addresses: ['bogus'], ports: [], etpLocal: false },
      { key: 'ns/a', namespace: 'ns', addresses: ['10.0.0.9'], ports: [], etpLocal: false },
    ]);
    expect(result.restored).toEqual(['ns/a', 'ns/b', 'ns/e']);
    expect(result.rejected.map((r) => [r.key, r.failure.reason])).toEqual([
      ['ns/c', 'port-clash'],
      ['ns/d', 'address-held'],
      ['ns/f', 'invalid-address'],
      ['ns/a', 'invalid-request'],
    ]);
    expect(result.orphans).toEqual([{ key: 'ns/e', group: 'default', addresses: ['192.0.2.1'], message: 'address 192.0.2.1 no longer lies in a pool of service group default' }]);
    expect(ipam.allocationOf('ns/b')?.group).toBe('default');
    expect(ipam.groupStats('default')).toMatchObject({ IPv4: { used: 1 }, IPv6: { used: 1 } });
    // The restored state allocates around what it holds.
    expect(ips(ipam.allocate(req('ns/new')))).toEqual(['10.0.0.0']);
    expect(ips(ipam.allocate(req('ns/a', { families: ['IPv4', 'IPv6'], policy: 'RequireDualStack', sharingKey: 'k' })))).toEqual(['10.0.0.3', 'fd00::3']);
  });

  it('forgets what was allocated before the rebuild', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0-10.0.0.9'] })]);
    ok(ipam.allocate(req('ns/old')));
    ipam.rebuild([]);
    expect(ipam.keys()).toEqual([]);
    expect(ipam.groupStats('default')?.IPv4).toEqual({ size: 10n, used: 0, available: 10n });
  });
});

describe('queries', () => {
  it('reports per-group, per-family and per-pool size, used and available (BigInt sizes)', () => {
    const ipam = new Ipam([group('default', { v4: ['10.0.0.0/8'], v6: ['2001:db8::/64', '2001:db8:1::/120'], avoidBuggyIPs: true })]);
    ok(ipam.allocate(dual('ns/a', 'RequireDualStack')));
    ok(ipam.allocate(req('ns/b')));
    expect(ipam.stats()).toEqual([
      {
        name: 'default',
        IPv4: { size: 65536n * 254n, used: 2, available: 65536n * 254n - 2n },
        IPv6: { size: (1n << 64n) + 256n, used: 1, available: (1n << 64n) + 255n },
        pools: [
          { family: 'IPv4', source: 'spec.local.v4pools[0]', text: '10.0.0.0/8', size: 65536n * 254n, used: 2, available: 65536n * 254n - 2n },
          { family: 'IPv6', source: 'spec.local.v6pools[0]', text: '2001:db8::/64', size: 1n << 64n, used: 1, available: (1n << 64n) - 1n },
          { family: 'IPv6', source: 'spec.local.v6pools[1]', text: '2001:db8:1::/120', size: 256n, used: 0, available: 256n },
        ],
      },
    ]);
    expect(ipam.groupStats('nope')).toBeUndefined();
    expect(ipam.holdersOf('10.0.0.1')).toEqual(['ns/a']);
    expect(ipam.holdersOf('garbage')).toEqual([]);
    expect(ipam.release('ns/unknown')).toEqual([]);
    expect(ipam.allocationOf('ns/a')).toEqual({
      key: 'ns/a',
      namespace: 'ns',
      group: 'default',
      addresses: [
        { family: 'IPv4', ip: '10.0.0.1', group: 'default', pool: 'spec.local.v4pools[0]', aggregation: 32 },
        { family: 'IPv6', ip: '2001:db8::', group: 'default', pool: 'spec.local.v6pools[0]', aggregation: 128 },
      ],
      sharingKey: '',
      ports: [{ protocol: 'TCP', port: 80 }],
      etpLocal: false,
      orphaned: false,
    });
  });
});
