// The iproute2 backend against the kernel. Needs root: every test works in two network namespaces
// of its own (`plbnl-<pid>-node`, the agent's node, and `plbnl-<pid>-peer`, a neighbour on the LAN,
// joined by a veth pair created inside them), removed in afterAll. The host namespace is never
// configured: links are created inside the namespaces, and the last test checks that no test
// address or link reached the host. Addresses: 198.51.100.0/24, 203.0.113.0/24 and ULA fd00:…
// only, inside the namespaces.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { IpNetlink } from '../src/netlink/ip.js';
import type { AddressOp } from '../src/netlink/types.js';

const TAG = `plbnl-${process.pid}`;
const NODE = `${TAG}-node`;
const PEER = `${TAG}-peer`;
/** Links we create (all inside the namespaces); the host must never show them. */
const OUR_LINKS = ['lan0', 'lan1', 'lan2', 'lan3', 'kube-lb0', 'lbpre0', 'lbnew0', 'lbprobe0', 'lbagg0'];

function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}
const inNode = (...args: string[]) => sh(['ip', '-n', NODE, ...args]);
const json = <T>(text: string): T => (text.trim() ? JSON.parse(text) : []) as T;

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  noprefixroute?: boolean;
  nodad?: boolean;
  tentative?: boolean;
}
function addrInfo(dev: string): AddrInfo[] {
  return json<Array<{ addr_info: AddrInfo[] }>>(inNode('-json', 'addr', 'show', 'dev', dev))[0]?.addr_info ?? [];
}
function routes(family: '-4' | '-6'): Array<{ dst: string; dev: string }> {
  return json(inNode(family, '-json', 'route', 'show', 'table', 'main'));
}
function linkKind(dev: string): string | undefined {
  return json<Array<{ linkinfo?: { info_kind?: string } }>>(inNode('-d', '-json', 'link', 'show', 'dev', dev))[0]?.linkinfo?.info_kind;
}
function linkFlags(dev: string): string[] {
  return json<Array<{ flags: string[] }>>(inNode('-json', 'link', 'show', 'dev', dev))[0]?.flags ?? [];
}
function macOf(dev: string): string {
  return json<Array<{ address: string }>>(inNode('-json', 'link', 'show', 'dev', dev))[0]!.address;
}

/** Removes namespaces of earlier runs of this file whose process is gone (a crash skips afterAll). */
function sweepStale(): void {
  for (const { name } of json<Array<{ name: string }>>(sh(['ip', '-json', 'netns', 'list']))) {
    const m = /^plbnl-(\d+)-(node|peer)$/.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) sh(['ip', 'netns', 'del', name]);
  }
}

function hostView(): { links: string[]; text: string } {
  const links = json<Array<{ ifname: string }>>(sh(['ip', '-json', 'link', 'show'])).map((l) => l.ifname);
  const text = sh(['ip', '-json', 'addr', 'show']) + sh(['ip', '-json', 'route', 'show', 'table', 'all']) + sh(['ip', '-6', '-json', 'route', 'show', 'table', 'all']);
  return { links, text };
}

let hostLinksBefore: string[] = [];
const netlink = new IpNetlink(NODE);

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('netlink.test.ts needs root (network namespaces); run the suite as root');
  sweepStale();
  hostLinksBefore = hostView().links;
  sh(['ip', 'netns', 'add', NODE]);
  sh(['ip', 'netns', 'add', PEER]);
  inNode('link', 'set', 'lo', 'up');
  // Created inside NODE with its peer moved straight into PEER: never a link in the host namespace.
  inNode('link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1', 'netns', PEER);
  inNode('link', 'add', 'lan2', 'type', 'veth', 'peer', 'name', 'lan3');
  inNode('link', 'set', 'lan0', 'up');
  inNode('addr', 'add', '198.51.100.1/24', 'dev', 'lan0');
  inNode('addr', 'add', 'fd00:5::1/64', 'dev', 'lan0', 'nodad');
  inNode('route', 'add', 'default', 'via', '198.51.100.254', 'dev', 'lan0');
  inNode('-6', 'route', 'add', 'default', 'via', 'fd00:5::fe', 'dev', 'lan0');
  sh(['ip', '-n', PEER, 'link', 'set', 'lan1', 'up']);
  sh(['ip', '-n', PEER, 'addr', 'add', '198.51.100.2/24', 'dev', 'lan1']);
  // The node's virtual interface, pre-created as the e2e harness does (no dummy driver here).
  inNode('link', 'add', 'kube-lb0', 'type', 'bridge');
  inNode('link', 'set', 'kube-lb0', 'up');
});

afterAll(() => {
  for (const ns of [NODE, PEER]) {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      // not created (beforeAll failed early)
    }
  }
});

describe('IpNetlink (in a network namespace)', () => {
  it('read(): interfaces, their addresses and the default-route interface per family', async () => {
    const view = await netlink.read();
    expect(view.defaultRoute).toEqual({ IPv4: 'lan0', IPv6: 'lan0' });
    const byName = new Map(view.interfaces.map((i) => [i.name, i]));
    expect([...byName.keys()].sort()).toEqual(['kube-lb0', 'lan0', 'lan2', 'lan3', 'lo']);
    expect(byName.get('lan0')).toMatchObject({ up: true });
    expect(byName.get('lan2')).toMatchObject({ up: false, addresses: [] });
    expect(byName.get('lan0')!.addresses).toEqual(
      expect.arrayContaining([
        { family: 'IPv4', address: '198.51.100.1', prefixLength: 24 },
        { family: 'IPv6', address: 'fd00:5::1', prefixLength: 64 },
      ]),
    );
    expect(byName.get('lo')!.addresses).toContainEqual({ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 });
    expect(byName.get('lan0')!.index).toBeGreaterThan(byName.get('lo')!.index);
  });

  it('apply(): 2 000 addresses in one batch, local ones without prefix route, then all deleted', async () => {
    const hex = (i: number) => i.toString(16);
    const ops: AddressOp[] = [
      // Local: 203.0.113.0/24 and fd00:a::/64 are not lan0's subnets, so a prefix route would show.
      ...Array.from({ length: 240 }, (_, i): AddressOp => ({ op: 'add', kind: 'local', interface: 'lan0', cidr: `203.0.113.${10 + i}/24` })),
      ...Array.from({ length: 1000 }, (_, i): AddressOp => ({ op: 'add', kind: 'local', interface: 'lan0', cidr: `fd00:a::${hex(i + 1)}/64` })),
      // Virtual: aggregated fd00:b::/64 keeps its prefix route on kube-lb0; IPv4 host addresses.
      ...Array.from({ length: 750 }, (_, i): AddressOp => ({ op: 'add', kind: 'virtual', interface: 'kube-lb0', cidr: `fd00:b::${hex(i + 1)}/64` })),
      ...Array.from({ length: 10 }, (_, i): AddressOp => ({ op: 'add', kind: 'virtual', interface: 'kube-lb0', cidr: `198.51.100.${240 + i}/32` })),
    ];
    expect(ops).toHaveLength(2000);
    expect(await netlink.apply(ops)).toEqual([]);

    const view = await netlink.read();
    const present = new Set(view.interfaces.flatMap((i) => i.addresses.map((a) => `${a.address}/${a.prefixLength}@${i.name}`)));
    const missing = ops.filter((o) => !present.has(`${o.cidr}@${o.interface}`));
    expect(missing).toEqual([]);

    const v4 = routes('-4').map((r) => `${r.dst}@${r.dev}`);
    const v6 = routes('-6').map((r) => `${r.dst}@${r.dev}`);
    expect(v4).not.toContain('203.0.113.0/24@lan0');
    expect(v6).not.toContain('fd00:a::/64@lan0');
    expect(v6).toContain('fd00:b::/64@kube-lb0');
    const lan0 = addrInfo('lan0');
    const local6 = lan0.filter((a) => a.local.startsWith('fd00:a::'));
    expect(local6).toHaveLength(1000);
    for (const a of local6) expect(a).toMatchObject({ noprefixroute: true, nodad: true });
    for (const a of local6) expect(a.tentative).toBeUndefined();
    for (const a of lan0.filter((x) => x.local.startsWith('203.0.113.'))) expect(a.noprefixroute).toBe(true);
    for (const a of addrInfo('kube-lb0').filter((x) => x.family === 'inet6' && x.local.startsWith('fd00:b::'))) {
      expect(a.noprefixroute).toBeUndefined();
      expect(a.nodad).toBe(true);
    }

    // Again: converging to what is already there is no error (drift repair re-adds freely).
    expect(await netlink.apply(ops)).toEqual([]);

    const dels = ops.map((o): AddressOp => ({ ...o, op: 'del' }));
    expect(await netlink.apply(dels)).toEqual([]);
    const after = await netlink.read();
    const left = after.interfaces.flatMap((i) => i.addresses.map((a) => `${a.address}/${a.prefixLength}@${i.name}`)).filter((id) => present.has(id) && ops.some((o) => `${o.cidr}@${o.interface}` === id));
    expect(left).toEqual([]);
    // Deleting what is gone is the desired state, not an error.
    expect(await netlink.apply(dels.slice(0, 50))).toEqual([]);
  }, 60_000);

  it('apply(): reports each bad operation with its reason and applies all the others', async () => {
    // IPv6 off on lan2: the kernel refuses the add there (an error iproute2 continues after).
    sh(['ip', 'netns', 'exec', NODE, 'sysctl', '-q', '-w', 'net.ipv6.conf.lan2.disable_ipv6=1']);
    const ops: AddressOp[] = [
      { op: 'add', kind: 'local', interface: 'lan0', cidr: '203.0.113.61/24' },
      { op: 'add', kind: 'local', interface: 'nosuch0', cidr: '203.0.113.62/24' },
      { op: 'add', kind: 'local', interface: 'lan0', cidr: '203.0.113.300/24' },
      { op: 'add', kind: 'virtual', interface: 'bad name', cidr: '203.0.113.63/32' },
      { op: 'del', kind: 'virtual', interface: 'kube-lb0', cidr: '203.0.113.64/32' },
      { op: 'add', kind: 'local', interface: 'lan0', cidr: '203.0.113.65/33' },
      { op: 'add', kind: 'virtual', interface: 'kube-lb0', cidr: 'fd00:b::66/128' },
      { op: 'del', kind: 'virtual', interface: 'nosuch0', cidr: '203.0.113.67/32' },
      { op: 'add', kind: 'local', interface: 'lan2', cidr: 'fd00:c::68/64' },
      { op: 'add', kind: 'virtual', interface: 'kube-lb0', cidr: '198.51.100.69/32' },
    ];
    const failures = await netlink.apply(ops);
    expect(failures.map((f) => f.op)).toEqual([ops[1], ops[2], ops[3], ops[5], ops[8]]);
    expect(failures[0]!.error).toMatch(/Cannot find device "nosuch0"/);
    expect(failures[1]!.error).toMatch(/203\.0\.113\.300/);
    expect(failures[2]!.error).toMatch(/invalid interface name/);
    expect(failures[3]!.error).toMatch(/prefix length/);
    expect(failures[4]!.error).toMatch(/IPv6 is disabled/i);
    const lan0 = addrInfo('lan0').map((a) => `${a.local}/${a.prefixlen}`);
    const lb = addrInfo('kube-lb0').map((a) => `${a.local}/${a.prefixlen}`);
    expect(lan0).toContain('203.0.113.61/24');
    expect(lb).toEqual(expect.arrayContaining(['fd00:b::66/128', '198.51.100.69/32']));
    await netlink.apply([ops[0]!, ops[6]!, ops[9]!].map((o): AddressOp => ({ ...o, op: 'del' })));
  });

  it('ensureInterface(): adopts an existing link as it is, and creates a missing one', async () => {
    inNode('link', 'add', 'lbpre0', 'type', 'bridge');
    inNode('addr', 'add', '203.0.113.99/32', 'dev', 'lbpre0');
    expect(linkFlags('lbpre0')).not.toContain('UP');
    await netlink.ensureInterface('lbpre0');
    expect(linkKind('lbpre0')).toBe('bridge');
    expect(linkFlags('lbpre0')).toContain('UP');
    expect(addrInfo('lbpre0').map((a) => a.local)).toContain('203.0.113.99');

    // A dummy where the kernel has the driver; else the documented bridge fallback.
    let dummyWorks = true;
    try {
      inNode('link', 'add', 'lbprobe0', 'type', 'dummy');
      inNode('link', 'del', 'lbprobe0');
    } catch {
      dummyWorks = false;
    }
    await netlink.ensureInterface('lbnew0');
    expect(linkKind('lbnew0')).toBe(dummyWorks ? 'dummy' : 'bridge');
    expect(linkFlags('lbnew0')).toContain('UP');
    // Idempotent: a second call adopts what the first created.
    await netlink.ensureInterface('lbnew0');
    expect(linkKind('lbnew0')).toBe(dummyWorks ? 'dummy' : 'bridge');
    await expect(netlink.ensureInterface('bad name')).rejects.toThrow(/invalid interface name/);
    // Withdrawing the primary address of an aggregate must not take the others (next test).
    expect(sh(['ip', 'netns', 'exec', NODE, 'sysctl', '-n', 'net/ipv4/conf/lbnew0/promote_secondaries']).trim()).toBe('1');
    expect(sh(['ip', 'netns', 'exec', NODE, 'sysctl', '-n', 'net/ipv4/conf/lbpre0/promote_secondaries']).trim()).toBe('1');
  });

  it('apply(): withdrawing the primary address of an aggregate keeps the others, even without promote_secondaries', async () => {
    // As in a container with a read-only /proc/sys: the kernel drops every secondary address of a
    // prefix with its primary, and apply() must put them back.
    inNode('link', 'add', 'lbagg0', 'type', 'bridge');
    inNode('link', 'set', 'lbagg0', 'up');
    sh(['ip', 'netns', 'exec', NODE, 'sysctl', '-q', '-w', 'net/ipv4/conf/lbagg0/promote_secondaries=0']);
    const add = (cidr: string, kind: 'local' | 'virtual' = 'virtual'): AddressOp => ({ op: 'add', kind, interface: 'lbagg0', cidr });
    const del = (cidr: string): AddressOp => ({ op: 'del', kind: 'virtual', interface: 'lbagg0', cidr });
    expect(await netlink.apply([add('203.0.113.150/24'), add('203.0.113.151/24'), add('203.0.113.152/24', 'local'), add('203.0.113.153/24')])).toEqual([]);
    // The primary goes; one secondary goes with it on purpose; a new one is listed before the delete.
    expect(await netlink.apply([add('203.0.113.154/24'), del('203.0.113.150/24'), del('203.0.113.153/24')])).toEqual([]);
    const left = addrInfo('lbagg0').filter((a) => a.family === 'inet');
    expect(left.map((a) => `${a.local}/${a.prefixlen}`).sort()).toEqual(['203.0.113.151/24', '203.0.113.152/24', '203.0.113.154/24']);
    expect(left.find((a) => a.local === '203.0.113.152')?.noprefixroute).toBe(true);
    expect(left.find((a) => a.local === '203.0.113.151')?.noprefixroute).toBeUndefined();
  });

  describe('announce()', () => {
    let capture: ChildProcess | undefined;
    let captured = '';

    /** tcpdump on the peer's side of the LAN, started and listening before we send. */
    async function startCapture(filter: string): Promise<void> {
      captured = '';
      capture = spawn('ip', ['netns', 'exec', PEER, 'tcpdump', '-l', '-n', '-e', '-vv', '-i', 'lan1', filter], { stdio: ['ignore', 'pipe', 'pipe'] });
      capture.stdout!.on('data', (c: Buffer) => (captured += c.toString()));
      await new Promise<void>((resolve, reject) => {
        let err = '';
        capture!.stderr!.on('data', (c: Buffer) => {
          err += c.toString();
          if (/listening on/.test(err)) resolve();
        });
        capture!.on('exit', () => reject(new Error(`tcpdump exited: ${err}`)));
      });
    }

    /** Waits until `count` matching packets are in, or 10 s; then stops tcpdump. */
    async function packets(re: RegExp, count: number): Promise<string[]> {
      const seen = () => captured.split(/\n(?=\d\d:\d\d:\d\d)/).filter((p) => re.test(p));
      for (let i = 0; i < 100 && seen().length < count; i++) await new Promise((r) => setTimeout(r, 100));
      capture?.kill('SIGTERM');
      capture = undefined;
      return seen();
    }

    afterAll(() => capture?.kill('SIGKILL'));

    it('IPv4: gratuitous ARP (who-has IP tell IP, broadcast from our MAC), count times', async () => {
      expect(await netlink.apply([{ op: 'add', kind: 'local', interface: 'lan0', cidr: '198.51.100.50/24' }])).toEqual([]);
      const mac = macOf('lan0');
      await startCapture('arp');
      await netlink.announce('lan0', '198.51.100.50', 3, 100);
      const garps = await packets(/Request who-has 198\.51\.100\.50 .*tell 198\.51\.100\.50/, 3);
      expect(garps).toHaveLength(3);
      for (const p of garps) expect(p).toContain(`${mac} > ff:ff:ff:ff:ff:ff, ethertype ARP`);
    });

    it('IPv6: unsolicited neighbour advertisement to all nodes, override flag and our MAC as target address', async () => {
      expect(await netlink.apply([{ op: 'add', kind: 'local', interface: 'lan0', cidr: 'fd00:5::50/64' }])).toEqual([]);
      const mac = macOf('lan0');
      await startCapture('icmp6 and ip6[40] == 136');
      await netlink.announce('lan0', 'fd00:5::50', 2, 100);
      const nas = await packets(/neighbor advertisement, length \d+, tgt is fd00:5::50, Flags \[override\]/, 2);
      expect(nas).toHaveLength(2);
      for (const p of nas) {
        expect(p).toContain(`${mac} > 33:33:00:00:00:01`);
        expect(p).toContain('fd00:5::50 > ff02::1');
        // Option 2 is the target link-layer address (tcpdump calls it "destination link-address").
        expect(p).toMatch(new RegExp(`destination link-address option \\(2\\), length 8 \\(1\\): ${mac}`));
      }
    });

    it('fails when nothing could be sent', async () => {
      await expect(netlink.announce('nosuch0', '198.51.100.50', 2, 10)).rejects.toThrow(/2 of 2 announcements/);
      // arping binds to the address: one this node does not hold cannot be announced.
      await expect(netlink.announce('lan0', '198.51.100.51', 1, 10)).rejects.toThrow(/Cannot assign requested address/);
      await expect(netlink.announce('lan0', 'not-an-ip', 1, 10)).rejects.toThrow(/not an IP address/);
    });
  });

  it('left the host namespace alone: no test link, address or route there', () => {
    const host = hostView();
    const newLinks = host.links.filter((l) => !hostLinksBefore.includes(l));
    expect(newLinks.filter((l) => OUR_LINKS.includes(l))).toEqual([]);
    for (const needle of ['203.0.113.', 'fd00:a::', 'fd00:b::', 'fd00:5::', '198.51.100.']) expect(host.text).not.toContain(needle);
  });
});
