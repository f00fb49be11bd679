// A 3-node simulated cluster as the node agent's e2e tests will use it: the LAN carries IPv4 and
// IPv6 between client and nodes, pods answer TCP, the API server is reachable from inside the node
// namespaces (where agents run) and from the host (where tests run), EndpointSlices name the nodes,
// and agent processes can be started and killed. No node agent is involved: stand-ins play it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { down, up, waitUntil, type Cluster } from '../src/index.js';
import { kubectlBinary, netnsNames, tempStateDir, uniquePrefix } from './support.js';

const prefix = uniquePrefix();
const stateDir = tempStateDir();
let cluster: Cluster;
const kubectlHome = mkdtempSync(join(tmpdir(), 'purelb-e2e-kubectl-'));

beforeAll(async () => {
  cluster = await up({ nodes: 3, prefix, stateDir });
}, 60000);

afterAll(async () => {
  // down() is what every test relies on for cleanup; it is tested on its own in cleanup.test.ts.
  await down({ prefix, stateDir });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(kubectlHome, { recursive: true, force: true });
}, 60000);

describe('a 3-node cluster', () => {
  it('has a namespace per member, eth0 with both addresses, kube-lb0 up, and default routes via the router', async () => {
    const s = cluster.state;
    expect(s.phase).toBe('ready');
    expect(s.nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
    expect(netnsNames()).toEqual(expect.arrayContaining([`${prefix}lan`, `${prefix}router`, `${prefix}cp`, `${prefix}client`, `${prefix}node1`, `${prefix}node2`, `${prefix}node3`]));
    for (const n of s.nodes) {
      const [eth0] = await cluster.ipJson(n.name, ['addr', 'show', 'dev', 'eth0']);
      const addrs = eth0.addr_info.filter((a: { scope: string }) => a.scope === 'global').map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`);
      expect(addrs.sort()).toEqual([`${n.ipv4}/24`, `${n.ipv6}/64`].sort());
      expect(eth0.address).toBe(n.mac);
      // kube-lb0 exists (the agent adopts it), is up and carries no address yet.
      const [lb] = await cluster.ipJson(n.name, ['-details', 'addr', 'show', 'dev', 'kube-lb0']);
      expect(lb.flags).toContain('UP');
      expect(lb.linkinfo.info_kind).toBe('bridge');
      expect(lb.addr_info.filter((a: { scope: string }) => a.scope === 'global')).toEqual([]);
      const [r4] = await cluster.ipJson(n.name, ['route', 'show', 'default']);
      const [r6] = await cluster.ipJson(n.name, ['-6', 'route', 'show', 'default']);
      expect([r4.gateway, r4.dev]).toEqual([s.lan.gateway.ipv4, 'eth0']);
      expect([r6.gateway, r6.dev]).toEqual([s.lan.gateway.ipv6, 'eth0']);
    }
  });

  it('registers a Node object per node with its InternalIP addresses', async () => {
    const list = await cluster.apiRequest<{ items: any[] }>('GET', '/api/v1/nodes');
    const byName = Object.fromEntries(list.items.map((n) => [n.metadata.name, n.status.addresses.filter((a: { type: string }) => a.type === 'InternalIP').map((a: { address: string }) => a.address)]));
    expect(byName).toEqual({
      node1: ['198.51.100.11', 'fd9a:3c41:7e02:1::11'],
      node2: ['198.51.100.12', 'fd9a:3c41:7e02:1::12'],
      node3: ['198.51.100.13', 'fd9a:3c41:7e02:1::13'],
    });
  });

  it('carries TCP from the client to an echo pod on a node address, over IPv4 and IPv6', async () => {
    const pod = await cluster.startEchoPod('node2', 8080);
    for (const address of [pod.ipv4, pod.ipv6]) {
      const echoed = await cluster.connect(address, 8080, { send: 'hello through the LAN' });
      expect(echoed).toMatchObject({ ok: true, reply: 'hello through the LAN' });
      // The client's own LAN address is the source: the packet crossed the bridge, not loopback.
      expect(echoed.local?.address?.replace(/^::ffff:/, '')).toBe(address.includes(':') ? cluster.state.client.ipv6 : cluster.state.client.ipv4);
      expect(await cluster.connect(address, 8080, { send: 'whoami\n' })).toMatchObject({ ok: true, reply: 'node2\n' });
    }
    // Nothing listens on that port on node1: refused, not a hang.
    expect(await cluster.connect(cluster.node('node1').ipv4, 8080)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    await cluster.stopEchoPod(pod);
    expect(await cluster.connect(pod.ipv4, 8080)).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
  });

  it('lets the client capture ARP and NDP with tcpdump', async () => {
    const capture = await cluster.startCapture(['arp', 'or', 'icmp6']);
    const node3 = cluster.node('node3');
    // ping makes the client resolve node3 (ARP) and its IPv6 address (neighbour solicitation).
    await cluster.exec('client', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
    await cluster.exec('client', ['ping', '-c1', '-W2', node3.ipv4]);
    await cluster.exec('client', ['ping', '-6', '-c1', '-W2', node3.ipv6]);
    await waitUntil('ARP reply and neighbour advertisement in the capture', () => /is-at/.test(capture.text()) && /neighbor advertisement/.test(capture.text()));
    const text = await capture.stop();
    expect(text).toMatch(new RegExp(`${node3.mac} > .*Reply ${node3.ipv4.replace(/\./g, '\\.')} is-at ${node3.mac}`));
    expect(text).toMatch(new RegExp(`${node3.mac} > .*neighbor advertisement, tgt is ${node3.ipv6}`));
  });

  it('lets kubectl inside a node namespace reach the API server with the inner kubeconfig', async () => {
    const { stdout } = await cluster.exec('node1', [kubectlBinary(), '--kubeconfig', cluster.innerKubeconfig, 'get', 'nodes', '-o', 'json'], { env: { ...process.env, HOME: kubectlHome } });
    expect(JSON.parse(stdout).items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['node1', 'node2', 'node3']);
    // The inner kubeconfig names the control plane's LAN address, which only the namespaces reach.
    expect(readFileSync(cluster.innerKubeconfig, 'utf8')).toContain(`server: https://${cluster.state.controlPlane.ipv4}:6443`);
  });

  it('lets @kubernetes/client-node inside a node namespace reach the API server', async () => {
    const code = [
      "const k8s = await import('@kubernetes/client-node');",
      'const kc = new k8s.KubeConfig(); kc.loadFromFile(process.env.KUBECONFIG);',
      'const list = await kc.makeApiClient(k8s.CoreV1Api).listNode();',
      'console.log(JSON.stringify({ server: kc.getCurrentCluster().server, nodes: list.items.map((n) => n.metadata.name) }));',
    ].join('\n');
    // cwd e2e/: the module resolves from e2e/node_modules.
    const { stdout } = await cluster.exec('node3', [process.execPath, '--input-type=module', '-e', code], { cwd: join(process.cwd(), 'e2e'), env: { ...process.env, KUBECONFIG: cluster.innerKubeconfig } });
    expect(JSON.parse(stdout)).toEqual({ server: `https://${cluster.state.controlPlane.ipv4}:6443`, nodes: ['node1', 'node2', 'node3'] });
  });

  it('lets client-node in the host namespace reach the API server through the host kubeconfig', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.hostKubeconfig);
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const list = await kc.makeApiClient(CoreV1Api).listNode();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['node1', 'node2', 'node3']);
  });

  it('publishes EndpointSlices that name the nodes of the pods, and follows the pods when they move', async () => {
    await cluster.apiRequest('POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo' },
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8081, protocol: 'TCP' }], selector: { app: 'echo' } },
    });
    const a = await cluster.startEchoPod('node1', 8081);
    const b = await cluster.startEchoPod('node3', 8081);
    const names = await cluster.publishEndpoints('default/echo', [a, b]);
    expect(names.sort()).toEqual(['echo-e2e-ipv4-8081', 'echo-e2e-ipv6-8081']);
    const slices = async () => {
      const list = await cluster.apiRequest<{ items: any[] }>('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Decho');
      return Object.fromEntries(list.items.map((s) => [s.addressType, s.endpoints.map((e: any) => [e.nodeName, e.addresses[0], e.conditions.ready])]));
    };
    expect(await slices()).toEqual({
      IPv4: [['node1', '198.51.100.11', true], ['node3', '198.51.100.13', true]],
      IPv6: [['node1', 'fd9a:3c41:7e02:1::11', true], ['node3', 'fd9a:3c41:7e02:1::13', true]],
    });
    // The pod on node1 "moves" to node2; node3's pod turns not ready.
    await cluster.stopEchoPod(a);
    const c = await cluster.startEchoPod('node2', 8081);
    await cluster.publishEndpoints('default/echo', [c, { ...b, ready: false }]);
    expect(await slices()).toEqual({
      IPv4: [['node2', '198.51.100.12', true], ['node3', '198.51.100.13', false]],
      IPv6: [['node2', 'fd9a:3c41:7e02:1::12', true], ['node3', 'fd9a:3c41:7e02:1::13', false]],
    });
    await cluster.publishEndpoints('default/echo', []);
    expect(await slices()).toEqual({});
    await cluster.stopEchoPod(b);
    await cluster.stopEchoPod(c);
  });

  it('runs an agent command inside the node namespace with the inner kubeconfig, and kills it with TERM or KILL', async () => {
    // Stand-in agent: reports where it runs, and says goodbye on SIGTERM like the real agent will.
    const code = [
      "const { execFileSync } = require('node:child_process');",
      "const eth0 = JSON.parse(execFileSync('ip', ['-json', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' }))[0];",
      "console.log('AGENT', process.env.NODE_NAME, process.env.KUBECONFIG, process.env.EXTRA, eth0.addr_info[0].local);",
      "process.on('SIGTERM', () => { console.log('AGENT withdrawing'); process.exit(0); });",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const node = cluster.node('node2');
    // Lines the agent printed (the log also holds a header line per start, quoting the command).
    const printed = (log: string, start: string) => readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith(start)).length;
    const first = cluster.startAgent('node2', process.execPath, ['-e', code], { EXTRA: 'x1' });
    await waitUntil('agent output', () => printed(first.log, 'AGENT node2') === 1);
    expect(readFileSync(first.log, 'utf8')).toContain(`AGENT node2 ${cluster.innerKubeconfig} x1 ${node.ipv4}`);
    expect(cluster.agentRunning('node2')).toBe(true);
    expect(() => cluster.startAgent('node2', process.execPath, ['-e', code])).toThrow(/already runs/);
    expect(await cluster.killAgent('node2', 'TERM')).toEqual({ wasRunning: true, exited: true });
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(first.log, 'utf8')).toContain('AGENT withdrawing');
    expect(cluster.agentRunning('node2')).toBe(false);

    // Restart with the same command (as `start-agent node2` does), then SIGKILL: no goodbye.
    const second = cluster.restartAgent('node2');
    await waitUntil('second agent output', () => printed(second.log, 'AGENT node2') === 2);
    expect(await cluster.killAgent('node2', 'KILL')).toEqual({ wasRunning: true, exited: true });
    expect(await second.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(printed(second.log, 'AGENT withdrawing')).toBe(1);
    expect(await cluster.killAgent('node2', 'TERM')).toEqual({ wasRunning: false, exited: true });
  });
});
