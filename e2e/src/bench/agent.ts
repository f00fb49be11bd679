// Benchmarks of SPEC §10 on the simulated cluster (not tests: they print figures, assert nothing).
// Run as root after the build: node e2e/dist/bench/agent.js   (pnpm bench:e2e)
//   B1  Service create → address on a node interface
//   B3  Service delete → address gone from every node
//   D3  Service create → first TCP answer through the address
//   E3  announcer killed with SIGTERM → address on another node
//   E3k announcer killed with SIGKILL → address on another node (lease expiry bound)
// Address changes are timed with `ip monitor address` in every node namespace (event timestamps, no
// polling), TCP answers by connecting from the client namespace until one succeeds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { allCrds } from '@purelb/crds';
import { KubeClient, Resources, loadKubeConfig, type KubeObject } from '@purelb/shared';
import { up, type Cluster } from '../cluster.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const ROOT = process.cwd();
const AGENT = join(ROOT, 'packages/lbnodeagent/dist/main.js');
const ALLOCATOR = join(ROOT, 'packages/allocator/dist/main.js');
const PORT = 8080;
const LEASE = '2s';
const SG = { group: 'purelb.io', version: 'v1', plural: 'servicegroups', namespaced: true, kind: 'ServiceGroup' };

/** Watches address changes in every node namespace and resolves waiters on matching events. */
class AddressMonitor {
  private readonly procs: ChildProcess[] = [];
  private waiters: Array<{ match: (node: string, line: string) => boolean; resolve: (t: number) => void }> = [];

  constructor(cluster: Cluster) {
    for (const n of cluster.nodes) {
      const p = spawn('ip', ['-n', n.namespace, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout.on('data', (c: Buffer) => {
        const t = performance.now();
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          this.waiters = this.waiters.filter((w) => {
            if (!w.match(n.name, line)) return true;
            w.resolve(t);
            return false;
          });
        }
      });
      this.procs.push(p);
    }
  }

  next(match: (node: string, line: string) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  stop(): void {
    for (const p of this.procs) p.kill();
  }
}

function stats(name: string, values: number[], target: string): string {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return `| ${name} | ${s.length} | ${q(50).toFixed(0)} ms | ${q(99).toFixed(0)} ms | ${s[0]!.toFixed(0)}–${s[s.length - 1]!.toFixed(0)} ms | ${target} |`;
}

async function main(): Promise<void> {
  const cluster = await up({ nodes: 3, prefix: 'bench-', stateDir: mkdtempSync(join(tmpdir(), 'purelb-bench-')) });
  const client = new KubeClient(loadKubeConfig({ kubeconfig: cluster.hostKubeconfig }).kubeConfig, { userAgent: 'bench' });
  let allocator: ChildProcess | undefined;
  const monitor = new AddressMonitor(cluster);
  try {
    for (const crd of allCrds()) await client.create({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' }, crd as unknown as KubeObject);
    await client.create(Resources.namespaces, { metadata: { name: 'purelb' } });
    for (;;) {
      try {
        await client.create(SG, { apiVersion: 'purelb.io/v1', kind: 'ServiceGroup', metadata: { name: 'default', namespace: 'purelb' }, spec: { local: { v4pool: { subnet: '198.51.100.0/24', pool: '198.51.100.200-198.51.100.250', aggregation: 'default' } } } } as KubeObject);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    allocator = spawn(process.execPath, [ALLOCATOR, '--kubeconfig', cluster.hostKubeconfig, '--leader-elect=false', '--health-port', '0', '--health-host', '127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
    const startAgent = (node: string) => cluster.startAgent(node, process.execPath, [AGENT, '--node-name', node, '--health-port', '0', '--lease-duration', LEASE, '--log-level', 'warn']);
    for (const n of cluster.nodes) startAgent(n.name);
    for (const n of cluster.nodes) await cluster.startEchoPod(n.name, PORT);
    for (;;) {
      const leases: any = await client.list(Resources.leases, { namespace: 'purelb' });
      if (leases.items.filter((l: any) => l.metadata.name.startsWith('purelb-node-')).length === 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const b1: number[] = [];
    const b3: number[] = [];
    const d3: number[] = [];
    const e3: number[] = [];
    const e3k: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const name = `b-${i}`;
      // Each sample uses a fresh address so that events from the previous sample cannot match.
      const ip = `198.51.100.${200 + (i % 50)}`;
      const added = monitor.next((_n, l) => !l.startsWith('Deleted') && l.includes(` ${ip}/`));
      const start = performance.now();
      await client.create(Resources.services, { metadata: { name, namespace: 'default', annotations: { 'purelb.io/addresses': ip } }, spec: { type: 'LoadBalancer', ports: [{ port: PORT, targetPort: PORT, protocol: 'TCP' }] } } as KubeObject);
      // D3: connect until the first answer (each try has a short timeout).
      const tcp = (async () => {
        for (;;) {
          const r = await cluster.connect(ip, PORT, { send: 'whoami\n', timeoutMs: 300 });
          if (r.ok && r.reply.trim()) return performance.now();
        }
      })();
      b1.push((await added) - start);
      d3.push((await tcp) - start);
      // E3 (every other sample SIGTERM, the others SIGKILL): the announcer dies, another takes over.
      const holder = await holderOf(cluster, ip);
      if (holder) {
        const moved = monitor.next((n, l) => n !== holder && !l.startsWith('Deleted') && l.includes(` ${ip}/`));
        const killStart = performance.now();
        const kill = i % 2 === 0 ? 'TERM' : 'KILL';
        await cluster.killAgent(holder, kill);
        (kill === 'TERM' ? e3 : e3k).push((await moved) - killStart);
        startAgent(holder);
        await new Promise((r) => setTimeout(r, 2500)); // let it rejoin before the next sample
      }
      const gone = monitor.next((_n, l) => l.startsWith('Deleted') && l.includes(` ${ip}/`));
      const delStart = performance.now();
      await client.delete(Resources.services, name, 'default');
      b3.push((await gone) - delStart);
    }
    process.stdout.write(
      [
        `3 nodes, ${SAMPLES} samples per figure (E3 alternates SIGTERM/SIGKILL), membership lease ${LEASE}`,
        '| figure | samples | p50 | p99 | range | target |',
        '|---|---|---|---|---|---|',
        stats('B1 create → address on a node', b1, 'p50 < 100 ms, p99 < 250 ms'),
        stats('B3 delete → address gone everywhere', b3, 'p50 < 100 ms, p99 < 250 ms'),
        stats('D3 create → first TCP answer', d3, 'p50 < 200 ms'),
        stats('E3 SIGTERM → address on another node', e3, 'p50 < 250 ms'),
        stats('E3 SIGKILL → address on another node', e3k, `≤ lease (${LEASE}) + 500 ms`),
        '',
      ].join('\n'),
    );
  } finally {
    monitor.stop();
    allocator?.kill('SIGKILL');
    await cluster.down();
  }
}

async function holderOf(cluster: Cluster, ip: string): Promise<string | undefined> {
  for (const n of cluster.nodes) {
    const out = await cluster.ipJson<Array<{ addr_info: Array<{ local: string }> }>>(n.name, ['addr', 'show', 'dev', 'eth0']);
    if ((out[0]?.addr_info ?? []).some((a) => a.local === ip)) return n.name;
  }
  return undefined;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
