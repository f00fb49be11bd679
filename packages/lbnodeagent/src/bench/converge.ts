// SPEC §10 row "converge 10 000 virtual addresses onto kube-lb0 ≤ 1.5× one raw ip -batch of the same
// operations" (a benchmark: prints figures, asserts nothing). Root only: it works in a throwaway
// network namespace and removes it afterwards.
// Run: node packages/lbnodeagent/dist/bench/converge.js   (pnpm bench:converge)
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { IpNetlink } from '../netlink/ip.js';
import type { AddressOp } from '../netlink/types.js';

const N = Number(process.env.BENCH_ADDRESSES ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const ns = `conv-${randomBytes(3).toString('hex')}`;
const DEV = 'kube-lb0';

/** Documentation-range IPv6 addresses (2001:db8::/32), as /128 virtual announcements. */
function addresses(): string[] {
  return Array.from({ length: N }, (_, i) => `2001:db8:e2e::${(i + 1).toString(16)}/128`);
}

function rawBatch(lines: string[]): number {
  const start = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', ns, 'ip', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`raw ip -batch failed: ${r.stderr.toString()}`);
  return ms;
}

function flush(): void {
  execFileSync('ip', ['-n', ns, 'addr', 'flush', 'dev', DEV, 'scope', 'global']);
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function main(): Promise<void> {
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const netlink = new IpNetlink(ns);
    await netlink.ensureInterface(DEV);
    const cidrs = addresses();
    const ops: AddressOp[] = cidrs.map((cidr) => ({ op: 'add', interface: DEV, cidr }));
    // What apply() sends for these operations, minus its bookkeeping: the raw baseline.
    const lines = cidrs.map((c) => `address replace ${c} dev ${DEV} noprefixroute nodad`);
    const raw: number[] = [];
    const agent: number[] = [];
    for (let i = 0; i < SAMPLES + 1; i++) {
      flush();
      const r = rawBatch(lines);
      flush();
      const start = performance.now();
      const failures = await netlink.apply(ops);
      const a = performance.now() - start;
      if (failures.length) throw new Error(`apply failed: ${failures[0]!.error}`);
      if (i > 0) {
        // The first round warms caches (kernel and V8) and is not counted.
        raw.push(r);
        agent.push(a);
      }
    }
    const ratio = pct(agent, 50) / pct(raw, 50);
    process.stdout.write(
      [
        `${N} virtual addresses onto ${DEV}, ${SAMPLES} samples each`,
        `raw ip -batch:        p50 ${pct(raw, 50).toFixed(0)} ms, p99 ${pct(raw, 99).toFixed(0)} ms`,
        `agent apply() (one batch): p50 ${pct(agent, 50).toFixed(0)} ms, p99 ${pct(agent, 99).toFixed(0)} ms`,
        `ratio of p50s: ${ratio.toFixed(2)} (target ≤ 1.5)`,
        '',
      ].join('\n'),
    );
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  process.exit(1);
});
