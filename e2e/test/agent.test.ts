// The node agent on the simulated cluster, with real traffic: 3 nodes, the allocator on the host,
// an agent in every node namespace, echo "pods", and a client that connects to the addresses.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { allCrds } from '@purelb/crds';
import { KubeClient, Resources, loadKubeConfig, type KubeObject } from '@purelb/shared';
import { up, type Cluster } from '../src/index.js';
import { kubectlBinary, tempStateDir, uniquePrefix } from './support.js';

const AGENT = join(process.cwd(), 'packages/lbnodeagent/dist/main.js');
const ALLOCATOR = join(process.cwd(), 'packages/allocator/dist/main.js');
const NODES = ['node1', 'node2', 'node3'];
const PORT = 8080;
const SG: Record<string, unknown> = { group: 'purelb.io', version: 'v1', plural: 'servicegroups', namespaced: true, kind: 'ServiceGroup' };

let cluster: Cluster;
let client: KubeClient;
let allocator: ChildProcess;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Addresses on an interface of a node, as `ip/len`. */
async function addrs(node: string, dev: string): Promise<string[]> {
  const out = await cluster.ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>>(node, ['addr', 'show', 'dev', dev]);
  return (out[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

async function holders(ip: string, dev = 'eth0'): Promise<string[]> {
  const out: string[] = [];
  for (const n of NODES) if ((await addrs(n, dev)).some((a) => a.startsWith(`${ip}/`))) out.push(n);
  return out;
}

/** Waits until every agent holds its membership Lease and the re-election after it has settled. */
async function allMembersSettled(): Promise<void> {
  await until('three members', async () => {
    const leases: any = await client.list(Resources.leases, { namespace: 'purelb' });
    return leases.items.filter((l: any) => l.metadata.name.startsWith('purelb-node-') && !l.metadata.deletionTimestamp).length === 3;
  });
  // A rejoining node wins back the addresses rendezvous hashing gives it; let that happen first.
  await new Promise((r) => setTimeout(r, 1500));
}

function startAgent(node: string) {
  return cluster.startAgent(node, process.execPath, [AGENT, '--node-name', node, '--health-port', '0', '--lease-duration', '2s', '--drift-interval', '1s', '--log-level', 'warn']);
}

async function createService(name: string, annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}): Promise<void> {
  await client.create(Resources.services, {
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'echo', port: PORT, targetPort: PORT, protocol: 'TCP' }], ...spec },
  } as KubeObject);
}

async function ingress(name: string, count = 1): Promise<string[]> {
  return until(`${name} allocated`, async () => {
    const svc: any = await client.get(Resources.services, name, 'default');
    const ips = (svc.status?.loadBalancer?.ingress ?? []).map((i: { ip: string }) => i.ip);
    return ips.length === count ? ips : undefined;
  });
}

beforeAll(async () => {
  cluster = await up({ nodes: 3, prefix: uniquePrefix(), stateDir: tempStateDir() });
  client = new KubeClient(loadKubeConfig({ kubeconfig: cluster.hostKubeconfig }).kubeConfig, { userAgent: 'e2e-agent-test' });
  for (const crd of allCrds()) await client.create({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' }, crd as unknown as KubeObject);
  await client.create(Resources.namespaces, { metadata: { name: 'purelb' } });
  await until('ServiceGroup CRD', async () => {
    await client.create(SG as never, {
      apiVersion: 'purelb.io/v1',
      kind: 'ServiceGroup',
      metadata: { name: 'default', namespace: 'purelb' },
      spec: {
        local: {
          v4pool: { subnet: '198.51.100.0/24', pool: '198.51.100.200-198.51.100.250', aggregation: 'default' },
          v6pool: { subnet: 'fd9a:3c41:7e02:1::/64', pool: 'fd9a:3c41:7e02:1::200-fd9a:3c41:7e02:1::2ff', aggregation: 'default' },
        },
      },
    } as KubeObject);
    return true;
  });
  await client.create(SG as never, {
    apiVersion: 'purelb.io/v1',
    kind: 'ServiceGroup',
    metadata: { name: 'virtual', namespace: 'purelb' },
    spec: { local: { v4pool: { subnet: '203.0.113.0/24', pool: '203.0.113.10-203.0.113.20', aggregation: '/32' } } },
  } as KubeObject);
  allocator = spawn(process.execPath, [ALLOCATOR, '--kubeconfig', cluster.hostKubeconfig, '--leader-elect=false', '--health-port', '0', '--health-host', '127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
  for (const n of NODES) startAgent(n);
  for (const n of NODES) await cluster.startEchoPod(n, PORT);
  await until('three members', async () => {
    const leases: any = await client.list(Resources.leases, { namespace: 'purelb' });
    return leases.items.filter((l: any) => l.metadata.name.startsWith('purelb-node-')).length === 3;
  });
}, 60_000);

afterAll(async () => {
  allocator?.kill('SIGKILL');
  await cluster?.down();
}, 60_000);

describe('node agent on a 3-node cluster', () => {
  it('puts a local IPv4 address on exactly one node; TCP reaches it and the client ARP cache points at it', async () => {
    await createService('web4');
    const [ip] = await ingress('web4');
    const holder = await until('one holder', async () => {
      const h = await holders(ip!);
      return h.length === 1 ? h[0] : undefined;
    });
    const reply = await cluster.connect(ip!, PORT, { send: 'whoami\n' });
    expect(reply.ok).toBe(true);
    expect(reply.reply.trim()).toBe(holder);
    const neigh = await cluster.ipJson<Array<{ dst: string; lladdr?: string }>>('client', ['neigh', 'show', ip!]);
    expect(neigh[0]?.lladdr).toBe(cluster.node(holder!).mac);
    const svc: any = await until('announcing annotation', async () => {
      const s: any = await client.get(Resources.services, 'web4', 'default');
      return s.metadata.annotations?.['purelb.io/announcing-IPv4'] ? s : undefined;
    });
    expect(svc.metadata.annotations['purelb.io/announcing-IPv4']).toBe(`${holder}, eth0`);
    // Events are written asynchronously by the agent's recorder: describe until the event is there.
    const announcing = new RegExp(`AnnouncingLocal\\s+.*Node ${holder} announcing ${ip!.replace(/\./g, '\\.')} on interface eth0`);
    const stdout = await until('describe shows AnnouncingLocal', async () => {
      const out = (await promisify(execFile)(kubectlBinary(), ['--kubeconfig', cluster.hostKubeconfig, 'describe', 'service', 'web4'])).stdout;
      return announcing.test(out) ? out : undefined;
    });
    expect(stdout).toContain(`purelb.io/announcing-IPv4: ${holder}, eth0`);
  }, 30_000);

  it('puts a local IPv6 address on exactly one node; TCP reaches it and NDP points at it', async () => {
    await createService('web6', {}, { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    const [ip] = await ingress('web6');
    const holder = await until('one holder', async () => {
      const h = await holders(ip!);
      return h.length === 1 ? h[0] : undefined;
    });
    const reply = await cluster.connect(ip!, PORT, { send: 'whoami\n' });
    expect(reply.reply.trim()).toBe(holder);
    const neigh = await cluster.ipJson<Array<{ dst: string; lladdr?: string }>>('client', ['-6', 'neigh', 'show', ip!]);
    expect(neigh[0]?.lladdr).toBe(cluster.node(holder!).mac);
  }, 30_000);

  it('sends an unsolicited neighbour advertisement from the new holder when an IPv6 address moves', async () => {
    const [ip6] = await ingress('web6');
    const [ip4] = await ingress('web4');
    const [from6] = await holders(ip6!);
    const capture = await cluster.startCapture(['icmp6']);
    await cluster.killAgent(from6!, 'TERM');
    try {
      const to6 = await until('v6 moved', async () => {
        const h = await holders(ip6!);
        return h.length === 1 && h[0] !== from6 ? h[0] : undefined;
      });
      // Sent by the new holder (its MAC as the frame's source), to all nodes.
      const fromNewHolder = (l: string) => l.includes(`neighbor advertisement, tgt is ${ip6}`) && l.includes(`${cluster.node(to6!).mac} > 33:33:00:00:00:01`);
      await until('NA from the new holder', async () => capture.text().split('\n').some(fromNewHolder));
      await capture.stop();
    } finally {
      startAgent(from6!);
      await allMembersSettled();
    }
    await until('settled', async () => (await holders(ip6!)).length === 1 && (await holders(ip4!)).length === 1);
  }, 30_000);

  it('sends a gratuitous ARP from the new holder when an IPv4 address moves', async () => {
    const [ip4] = await ingress('web4');
    const [from] = await holders(ip4!);
    const capture = await cluster.startCapture(['arp']);
    await cluster.killAgent(from!, 'TERM');
    try {
      const to = await until('v4 moved', async () => {
        const h = await holders(ip4!);
        return h.length === 1 && h[0] !== from ? h[0] : undefined;
      });
      // arping -U: an ARP request for the address, sent from it (`who-has IP (ff:…) tell IP`).
      const gratuitous = new RegExp(`who-has ${ip4!.replace(/\./g, '\\.')} .*tell ${ip4!.replace(/\./g, '\\.')},`);
      // Other nodes may announce too (a node rejoining wins back its addresses): look for the new holder's.
      const fromNewHolder = (l: string) => gratuitous.test(l) && l.includes(`${cluster.node(to!).mac} > ff:ff:ff:ff:ff:ff`);
      await until('gratuitous ARP from the new holder', async () => capture.text().split('\n').some(fromNewHolder));
      await capture.stop();
    } finally {
      startAgent(from!);
      await allMembersSettled();
    }
    await until('settled', async () => (await holders(ip4!)).length === 1);
  }, 30_000);

  it('resets externalTrafficPolicy Local on a local address to Cluster, with LocalOverride', async () => {
    await createService('etp', {}, { externalTrafficPolicy: 'Local' });
    await ingress('etp');
    await until('reset to Cluster', async () => ((await client.get<any>(Resources.services, 'etp', 'default')).spec.externalTrafficPolicy === 'Cluster' ? true : undefined));
    // The event is written by the agent's recorder after the patch, asynchronously.
    const found = await until('LocalOverride event', async () => {
      const events: any = await client.list(Resources.events, { namespace: 'default', fieldSelector: 'involvedObject.name=etp' });
      return events.items.find((e: any) => e.reason === 'LocalOverride');
    });
    expect(found.source.component).toBe('purelb-lbnodeagent');
  }, 30_000);

  it('puts a virtual address on kube-lb0 of every node, and with ETP Local only where an endpoint runs', async () => {
    await createService('virt', { 'purelb.io/service-group': 'virtual' });
    const [ip] = await ingress('virt');
    await until('on every node', async () => (await holders(ip!, 'kube-lb0')).length === 3);
    expect((await addrs('node1', 'kube-lb0'))).toContain(`${ip}/32`);
    await createService('virt-local', { 'purelb.io/service-group': 'virtual' }, { externalTrafficPolicy: 'Local' });
    const [lip] = await ingress('virt-local');
    await cluster.publishEndpoints('virt-local', [{ node: 'node2', port: PORT }], { portName: 'echo' });
    await until('only node2', async () => JSON.stringify(await holders(lip!, 'kube-lb0')) === JSON.stringify(['node2']));
    await cluster.publishEndpoints('virt-local', [{ node: 'node3', port: PORT }], { portName: 'echo' });
    await until('follows the pod to node3', async () => JSON.stringify(await holders(lip!, 'kube-lb0')) === JSON.stringify(['node3']));
  }, 30_000);

  it('puts two Services sharing an address on one node, and keeps it for the other when one goes', async () => {
    const share = { 'purelb.io/allow-shared-ip': 'pair', 'purelb.io/addresses': '198.51.100.222' };
    await createService('pair-a', share);
    await client.create(Resources.services, {
      metadata: { name: 'pair-b', namespace: 'default', annotations: share },
      spec: { type: 'LoadBalancer', ports: [{ name: 'echo2', port: PORT + 1, targetPort: PORT + 1, protocol: 'TCP' }] },
    } as KubeObject);
    await ingress('pair-a');
    await ingress('pair-b');
    const holder = await until('one holder', async () => {
      const h = await holders('198.51.100.222');
      return h.length === 1 ? h[0] : undefined;
    });
    await cluster.startEchoPod(holder!, PORT + 1);
    expect((await cluster.connect('198.51.100.222', PORT, { send: 'whoami\n' })).reply.trim()).toBe(holder);
    expect((await cluster.connect('198.51.100.222', PORT + 1, { send: 'whoami\n' })).reply.trim()).toBe(holder);
    await client.delete(Resources.services, 'pair-a', 'default');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await holders('198.51.100.222')).toEqual([holder]);
    expect((await cluster.connect('198.51.100.222', PORT + 1, { send: 'whoami\n' })).ok).toBe(true);
  }, 30_000);

  it('repairs an address deleted by hand on the winner', async () => {
    const [ip] = await ingress('web4');
    const [holder] = await holders(ip!);
    await cluster.exec(holder!, ['ip', 'addr', 'del', `${ip}/24`, 'dev', 'eth0']);
    await until('back on the winner', async () => JSON.stringify(await holders(ip!)) === JSON.stringify([holder]));
  }, 30_000);

  it('fails over on SIGTERM at once and on SIGKILL after the lease expires, leaving nothing stale', async () => {
    await allMembersSettled();
    const [ip] = await ingress('web4');
    const [first] = await holders(ip!);
    await cluster.killAgent(first!, 'TERM');
    const second = await until('another node', async () => {
      const h = await holders(ip!);
      return h.length === 1 && h[0] !== first ? h[0] : undefined;
    });
    expect((await cluster.connect(ip!, PORT, { send: 'whoami\n' })).reply.trim()).toBe(second);
    await cluster.killAgent(second!, 'KILL');
    // The killed agent cannot withdraw; the survivors take over once its Lease expires.
    const third = await until('a survivor', async () => {
      const h = (await holders(ip!)).filter((n) => n !== second);
      return h.length === 1 ? h[0] : undefined;
    });
    expect([first, second]).not.toContain(third);
    startAgent(first!);
    startAgent(second!);
    // Restarted agents: every local address on exactly one node, nothing stale anywhere.
    const [ip6] = await ingress('web6');
    const [etp] = await ingress('etp');
    await until('settled', async () => {
      for (const a of [ip!, '198.51.100.222', ip6!, etp!]) if ((await holders(a)).length !== 1) return false;
      return true;
    }, 20_000);
    const pooled = (a: string) => /^198\.51\.100\.2([0-4]\d|5[0])\//.test(a) || a.startsWith('fd9a:3c41:7e02:1::2');
    const all = (await Promise.all(NODES.map((n) => addrs(n, 'eth0')))).flat().filter(pooled);
    expect(all.sort()).toEqual([`${ip}/24`, '198.51.100.222/24', `${ip6}/64`, `${etp}/24`].sort());
  }, 45_000);

  it('removes the address from every node when the Service is deleted', async () => {
    const [ip] = await ingress('virt');
    await client.delete(Resources.services, 'virt', 'default');
    await until('gone everywhere', async () => (await holders(ip!, 'kube-lb0')).length === 0);
  }, 30_000);
});
