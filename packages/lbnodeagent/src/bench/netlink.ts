// Benchmark for the SPEC §10 row "converge 10 000 virtual addresses onto kube-lb0: ≤ 1.5× one raw
// `ip -batch` of the same operations". Prints figures, asserts nothing. Needs root: it works in a
// throwaway network namespace (`plbbench-<pid>`, removed at the end, also after a failure; ones left
// by a killed run are swept at the next start) on a kube-lb0-like link made by ensureInterface (a
// dummy, or a bridge where the kernel has no dummy driver). No packet leaves the namespace; the
// addresses are ULA (fd00:…), since the IPv4 documentation ranges hold only 768 addresses.
//
// Each sample converges an empty link to 10 000 addresses, once through IpNetlink.apply() and once
// by feeding the very lines apply() sends to `ip -force -batch -` directly (both under `ip netns
// exec`, so both pay the same process start-up); the order alternates between samples so that
// drift in machine load hits both alike. Before each, the link is deleted and re-created (not
// timed). A warm-up sample runs first and is not counted.
//
// Run: node packages/lbnodeagent/dist/bench/netlink.js   (pnpm bench:netlink)
// Env: BENCH_ADDRESSES (default 10000), BENCH_SAMPLES (default 20), BENCH_SCENARIOS (`128,64`:
// virtual addresses with aggregation /128 and/or /64).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { IpNetlink, batchLine } from '../netlink/ip.js';
import type { AddressOp } from '../netlink/types.js';

const N = Number(process.env.BENCH_ADDRESSES ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const NS = `plbbench-${process.pid}`;
const DEV = 'kube-lb0';

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
}

function sweepStale(): void {
  const out = ip(['-json', 'netns', 'list']);
  for (const { name } of (out.trim() ? JSON.parse(out) : []) as Array<{ name: string }>) {
    const m = /^plbbench-(\d+)$/.exec(name);
    if (m && !existsSync(`/proc/${m[1]}`)) ip(['netns', 'del', name]);
  }
}

/** One raw `ip -force -batch -` of `lines`, timed from spawn to exit (what apply() pays too). */
function rawBatch(lines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('ip', ['netns', 'exec', NS, 'ip', '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) reject(new Error(`raw ip -batch failed (${code}): ${stderr.slice(0, 500)}`));
      else resolve(ms);
    });
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

async function viaApply(netlink: IpNetlink, ops: AddressOp[]): Promise<number> {
  const start = performance.now();
  const failures = await netlink.apply(ops);
  const ms = performance.now() - start;
  if (failures.length) throw new Error(`apply() reported ${failures.length} failures, first: ${failures[0]!.error}`);
  return ms;
}

/** IPv6 addresses of global scope on the link (`scope global` does not filter `ip -json` output). */
function globalAddresses(): number {
  const out = ip(['-n', NS, '-6', '-json', 'addr', 'show', 'dev', DEV]);
  const info = ((out.trim() ? JSON.parse(out) : []) as Array<{ addr_info?: Array<{ scope?: string }> }>)[0]?.addr_info ?? [];
  return info.filter((a) => a.scope === 'global').length;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

interface Scenario {
  name: string;
  ops: AddressOp[];
}

/** An empty link again: deleting and re-creating it takes 0.1 s, deleting 10 000 IPv6 addresses a minute. */
async function resetLink(netlink: IpNetlink): Promise<void> {
  ip(['-n', NS, 'link', 'del', DEV]);
  await netlink.ensureInterface(DEV);
  if (globalAddresses() !== 0) throw new Error(`${DEV} is not empty after re-creating it`);
}

async function run(netlink: IpNetlink, scenario: Scenario) {
  const adds = scenario.ops;
  const lines = adds.map(batchLine);
  const t = { apply: [] as number[], raw: [] as number[], read: [] as number[] };
  for (let i = 0; i <= SAMPLES; i++) {
    const rounds: Array<() => Promise<void>> = [
      async () => {
        await resetLink(netlink);
        const a = await viaApply(netlink, adds);
        // read() of the converged link: what each later reconcile pays to see the kernel.
        const r0 = performance.now();
        const view = await netlink.read();
        const r = performance.now() - r0;
        const held = view.interfaces.find((x) => x.name === DEV)?.addresses.filter((x) => x.family === 'IPv6' && !x.address.startsWith('fe80:')).length;
        if (held !== N) throw new Error(`after apply(): ${held} addresses on ${DEV}, expected ${N}`);
        if (i > 0) {
          t.apply.push(a);
          t.read.push(r);
        }
      },
      async () => {
        await resetLink(netlink);
        const a = await rawBatch(lines);
        if (globalAddresses() !== N) throw new Error('the raw batch did not add every address');
        if (i > 0) t.raw.push(a);
      },
    ];
    if (i % 2 === 1) rounds.reverse();
    for (const round of rounds) await round();
    process.stderr.write(`  sample ${i}/${SAMPLES}${i === 0 ? ' (warm-up)' : ''}: apply ${t.apply.at(-1)?.toFixed(0) ?? '-'} ms, raw ${t.raw.at(-1)?.toFixed(0) ?? '-'} ms\n`);
  }
  const f = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  const ratio = (p: number) => (pct(t.apply, p) / pct(t.raw, p)).toFixed(2);
  return [
    `${scenario.name}: ${N} addresses, ${SAMPLES} samples each`,
    `  raw ip -batch:      ${f(t.raw)}`,
    `  IpNetlink.apply():  ${f(t.apply)}`,
    `  ratio apply/raw:    p50 ${ratio(50)}, p99 ${ratio(99)} (target <= 1.5)`,
    `  read() of the converged node: ${f(t.read)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  sweepStale();
  ip(['netns', 'add', NS]);
  try {
    ip(['-n', NS, 'link', 'set', 'lo', 'up']);
    const netlink = new IpNetlink(NS);
    await netlink.ensureInterface(DEV);
    const kind = (JSON.parse(ip(['-n', NS, '-d', '-json', 'link', 'show', 'dev', DEV])) as Array<{ linkinfo?: { info_kind?: string } }>)[0]?.linkinfo?.info_kind;
    const hex = (i: number) => (i + 1).toString(16);
    const wanted = (process.env.BENCH_SCENARIOS ?? '128,64').split(',');
    const scenarios: Scenario[] = [
      // Pools with aggregation /128: one host route per address.
      { name: 'virtual /128 (a route per address)', ops: Array.from({ length: N }, (_, i): AddressOp => ({ op: 'add', kind: 'virtual', interface: DEV, cidr: `fd00:10b::${hex(i)}/128` })) },
      // The default aggregation (the pool's subnet, here a /64): one prefix route for them all.
      { name: 'virtual /64 (one shared prefix route)', ops: Array.from({ length: N }, (_, i): AddressOp => ({ op: 'add', kind: 'virtual', interface: DEV, cidr: `fd00:10c::${hex(i)}/64` })) },
    ];
    process.stdout.write(`${DEV} is a ${kind} link in namespace ${NS}; node ${process.version}\n`);
    for (const s of scenarios.filter((x) => wanted.includes(x.name.match(/\/(\d+)/)![1]!))) process.stdout.write(`${await run(netlink, s)}\n`);
  } finally {
    ip(['netns', 'del', NS]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  try {
    ip(['netns', 'del', NS]);
  } catch {
    // not created, or already gone
  }
  process.exit(1);
});
