// The pure parts of the iproute2 backend: what goes into the batch script and how ip's answers are
// read. The stderr and JSON samples are verbatim output of iproute2 6.1 (the version here); the
// namespaced tests in netlink.test.ts run the same code against the kernel.
import { describe, it, expect } from '@jest/globals';
import { batchLine, defaultRouteDevice, invalidCidr, parseAddrJson, parseBatchErrors, validInterfaceName } from '../src/netlink/ip.js';

describe('batch script', () => {
  it('adds local addresses without a prefix route (and without DAD for IPv6), virtual ones with it', () => {
    expect(batchLine({ op: 'add', interface: 'eth0', cidr: '198.51.100.5/24' })).toBe('address replace 198.51.100.5/24 dev eth0 noprefixroute');
    expect(batchLine({ op: 'add', interface: 'eth0', cidr: '198.51.100.5/24', kind: 'local' })).toBe('address replace 198.51.100.5/24 dev eth0 noprefixroute');
    expect(batchLine({ op: 'add', interface: 'eth0', cidr: 'fd00:1::5/64', kind: 'local' })).toBe('address replace fd00:1::5/64 dev eth0 noprefixroute nodad');
    expect(batchLine({ op: 'add', interface: 'kube-lb0', cidr: '203.0.113.5/32', kind: 'virtual' })).toBe('address replace 203.0.113.5/32 dev kube-lb0');
    expect(batchLine({ op: 'add', interface: 'kube-lb0', cidr: 'fd00:b::5/128', kind: 'virtual' })).toBe('address replace fd00:b::5/128 dev kube-lb0 nodad');
    expect(batchLine({ op: 'del', interface: 'kube-lb0', cidr: 'fd00:b::5/128', kind: 'virtual' })).toBe('address del fd00:b::5/128 dev kube-lb0');
  });

  it('accepts only what iproute2 reads as one address and one device name', () => {
    for (const ok of ['198.51.100.5/24', '0.0.0.0/0', 'fd00::1/128', '::ffff:198.51.100.5/128', '2001:db8::/32']) expect(invalidCidr(ok)).toBeUndefined();
    for (const bad of ['198.51.100.5', '198.51.100.300/24', '198.51.100.5/33', 'fd00::1/129', '198.51.100.5/24/1', '198.51.100.5/024', 'fe80::1%eth0/64', '198.51.100.5 /24', 'x/24', '198.51.100.5/'])
      expect(invalidCidr(bad)).toEqual(expect.any(String));
    for (const ok of ['eth0', 'kube-lb0', 'enp0s31f6', 'a', 'veth1234567890a', 'br.100']) expect(validInterfaceName(ok)).toBe(true);
    for (const bad of ['', '.', '..', 'eth 0', 'eth0\n', 'a/b', 'eth0:1', 'veth1234567890ab', 'x#y', 'x"y', "x'y", 'x\\y', 'ééééééééé']) expect(validInterfaceName(bad)).toBe(false);
  });

  it('attributes errors to lines from `ip -force -batch -` stderr, and notices an early stop', () => {
    // From: address replace (ok) / add of a present address / del of an absent one / add on a
    // missing device / a malformed address, which ends the batch without a line number.
    const stderr = [
      'Error: ipv4: Address already assigned.',
      'Command failed -:2',
      'Error: ipv4: Address not found.',
      'Command failed -:3',
      'Cannot find device "nosuch"',
      'Command failed -:4',
      'Error: any valid prefix is expected rather than "203.0.113.300/32".',
      '',
    ].join('\n');
    const { byLine, trailing } = parseBatchErrors(stderr);
    expect([...byLine]).toEqual([
      [2, 'Error: ipv4: Address already assigned.'],
      [3, 'Error: ipv4: Address not found.'],
      [4, 'Cannot find device "nosuch"'],
    ]);
    expect(trailing).toBe('Error: any valid prefix is expected rather than "203.0.113.300/32".');
    expect(parseBatchErrors('Error: ipv6: address not found.\nCommand failed -:1\n')).toEqual({ byLine: new Map([[1, 'Error: ipv6: address not found.']]), trailing: '' });
    expect(parseBatchErrors('')).toEqual({ byLine: new Map(), trailing: '' });
  });
});

describe('reading ip -json', () => {
  it('maps `ip -json addr show` to interfaces (UP flag, both families, other entries ignored)', () => {
    const text = JSON.stringify([
      { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, scope: 'host' }] },
      {
        ifindex: 3,
        ifname: 'kube-lb0',
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        addr_info: [
          { family: 'inet', local: '203.0.113.1', prefixlen: 32, scope: 'global', noprefixroute: true },
          { family: 'inet6', local: 'fd00:b::1', prefixlen: 64, scope: 'global', nodad: true },
        ],
      },
      { ifindex: 4, ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST'], addr_info: [] },
      { ifindex: 5, ifname: 'can0', flags: ['NOARP', 'UP'] },
    ]);
    expect(parseAddrJson(text)).toEqual([
      { name: 'lo', index: 1, up: true, addresses: [{ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 }] },
      {
        name: 'kube-lb0',
        index: 3,
        up: true,
        addresses: [
          { family: 'IPv4', address: '203.0.113.1', prefixLength: 32 },
          { family: 'IPv6', address: 'fd00:b::1', prefixLength: 64 },
        ],
      },
      { name: 'eth1', index: 4, up: false, addresses: [] },
      { name: 'can0', index: 5, up: true, addresses: [] },
    ]);
    expect(parseAddrJson('')).toEqual([]);
  });

  it('picks the default route the kernel uses: lowest metric, first next hop, never unreachable', () => {
    expect(defaultRouteDevice('[{"dst":"default","gateway":"203.0.113.254","dev":"v1","metric":100,"flags":[]},{"dst":"default","gateway":"198.51.100.254","dev":"v0","metric":200,"flags":[]}]')).toBe('v1');
    expect(defaultRouteDevice('[{"dst":"default","gateway":"198.51.100.254","dev":"v0","metric":200,"flags":[]},{"dst":"default","gateway":"203.0.113.254","dev":"v1","flags":[]}]')).toBe('v1');
    expect(
      defaultRouteDevice('[{"dst":"default","flags":[],"nexthops":[{"gateway":"198.51.100.254","dev":"v0","weight":1,"flags":[]},{"gateway":"203.0.113.254","dev":"v1","weight":1,"flags":[]}]}]'),
    ).toBe('v0');
    expect(defaultRouteDevice('[{"type":"unreachable","dst":"default","dev":"lo","metric":1024,"flags":[],"pref":"medium"}]')).toBeUndefined();
    expect(defaultRouteDevice('[]')).toBeUndefined();
    expect(defaultRouteDevice('')).toBeUndefined();
  });
});
