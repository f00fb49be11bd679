// The kernel through iproute2: reads with `ip -json`, writes with one `ip -force -batch -` per call
// (no process per address), gratuitous ARP with arping (iputils) and unsolicited neighbour
// advertisements with na6 (ipv6toolkit). Every command is an argument array (execFile/spawn, never a
// shell), and every value that goes into the batch script is validated first, since iproute2 parses
// that script itself (whitespace splits words, `#` starts a comment, quotes group).
import { execFile, spawn } from 'node:child_process';
import { isIPv4, isIPv6 } from 'node:net';
import type { IPFamily } from '@purelb/shared';
import type { InterfaceAddress, LocalInterface, NodeInterfaces } from '../core/types.js';
import type { AddressOp, Netlink } from './types.js';

// ------------------------------------------------------------------ pure helpers (exported for tests)

/**
 * Linux accepts 1–15 bytes without '/', ':' or whitespace (dev_valid_name). We also refuse what the
 * batch parser would reinterpret (`#`, quotes, backslash) and control characters.
 */
export function validInterfaceName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x20\x7f/:#"'\\]{1,15}$/.test(name) && name !== '.' && name !== '..' && Buffer.byteLength(name) <= 15;
}

/** Why `cidr` cannot go into a batch line, or undefined when it can. */
export function invalidCidr(cidr: string): string | undefined {
  const parts = cidr.split('/');
  if (parts.length !== 2) return `${JSON.stringify(cidr)} is not ADDRESS/LENGTH`;
  const [addr, len] = parts as [string, string];
  const bits = isIPv4(addr) ? 32 : isIPv6(addr) && !addr.includes('%') ? 128 : 0;
  if (bits === 0) return `${JSON.stringify(addr)} is not an IP address`;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(len) || Number(len) > bits) return `prefix length ${JSON.stringify(len)} is out of range`;
  return undefined;
}

/** The batch line for a (valid) operation. */
export function batchLine(op: AddressOp): string {
  if (op.op === 'del') return `address del ${op.cidr} dev ${op.interface}`;
  // `replace` is idempotent: re-adding a present address (drift repair) is not an error.
  let line = `address replace ${op.cidr} dev ${op.interface}`;
  // A local address joins a subnet the interface is already on: no route of its own.
  if (op.kind !== 'virtual') line += ' noprefixroute';
  // DAD would fail against the previous holder during a takeover (and never completes on a link
  // without carrier); an address we add is ours by allocation, not by negotiation.
  if (op.cidr.includes(':')) line += ' nodad';
  return line;
}

/**
 * Splits the stderr of `ip -force -batch -` into per-line errors. iproute2 prints the error (one or
 * more lines, e.g. `Error: ipv4: Address not found.` or `Cannot find device "x"`) and then
 * `Command failed -:N` with the 1-based line number. Text after the last such marker means ip
 * stopped without naming a line (a parse error exits the whole batch even with -force).
 */
export function parseBatchErrors(stderr: string): { byLine: Map<number, string>; trailing: string } {
  const byLine = new Map<number, string>();
  let pending: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^Command failed .*:(\d+)$/.exec(line);
    if (m) {
      byLine.set(Number(m[1]), pending.join(' ') || 'command failed');
      pending = [];
    } else {
      pending.push(line);
    }
  }
  return { byLine, trailing: pending.join(' ') };
}

/** Deleting what is not there (the address, or its whole device) leaves the desired state. */
const ABSENT = /address not found|cannot assign requested address|cannot find device|no such device|does not exist/i;

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  flags?: string[];
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; secondary?: boolean; noprefixroute?: boolean }>;
}

/** `ip -json addr show` → interfaces. */
export function parseAddrJson(text: string): LocalInterface[] {
  const links = (text.trim() ? JSON.parse(text) : []) as IpAddrJson[];
  return links.map((l) => ({
    name: l.ifname,
    index: l.ifindex,
    up: (l.flags ?? []).includes('UP'),
    addresses: (l.addr_info ?? []).flatMap((a): InterfaceAddress[] =>
      (a.family === 'inet' || a.family === 'inet6') && typeof a.local === 'string' && typeof a.prefixlen === 'number'
        ? [{ family: a.family === 'inet' ? 'IPv4' : 'IPv6', address: a.local, prefixLength: a.prefixlen }]
        : [],
    ),
  }));
}

interface RouteJson {
  type?: string;
  dev?: string;
  metric?: number;
  nexthops?: Array<{ dev?: string }>;
}

/**
 * `ip -json route show default` → the interface the kernel uses: among unicast default routes (not
 * `unreachable`/`blackhole`, which point at lo) the lowest metric; a multipath route counts with its
 * first next hop's device.
 */
export function defaultRouteDevice(text: string): string | undefined {
  const routes = (text.trim() ? JSON.parse(text) : []) as RouteJson[];
  let best: { dev: string; metric: number } | undefined;
  for (const r of routes) {
    if (r.type !== undefined && r.type !== 'unicast') continue;
    const dev = r.dev ?? r.nexthops?.find((n) => n.dev)?.dev;
    if (!dev || dev === 'lo') continue;
    const metric = r.metric ?? 0;
    if (!best || metric < best.metric) best = { dev, metric };
  }
  return best?.dev;
}

// ------------------------------------------------------------------ the backend

interface Failure {
  /** Position in the caller's list, to report failures in the caller's order. */
  index: number;
  op: AddressOp;
  error: string;
}

function report(failures: Failure[]): Array<{ op: AddressOp; error: string }> {
  return failures.sort((a, b) => a.index - b.index).map(({ op, error }) => ({ op, error }));
}

/** A secondary IPv4 address the deletion of its primary (`cause`) may take down with it. */
interface AtRisk {
  cause: { index: number; op: AddressOp };
  iface: string;
  cidr: string;
  noprefixroute: boolean;
}

function ipv4Network(address: string, prefixLength: number): number {
  const value = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  const size = 2 ** (32 - prefixLength);
  return value - (value % size);
}

interface ExecError extends Error {
  stderr?: string;
  code?: number | string;
}

export class IpNetlink implements Netlink {
  /**
   * `netns`: run every command under `ip netns exec NETNS` (tests, benchmarks); the agent itself runs
   * inside its node's namespace and passes nothing.
   */
  constructor(private readonly netns?: string) {}

  private argv(cmd: string, args: string[]): [string, string[]] {
    return this.netns ? ['ip', ['netns', 'exec', this.netns, cmd, ...args]] : [cmd, args];
  }

  /** Runs a command; failures carry its stderr in the message. */
  private exec(cmd: string, args: string[]): Promise<string> {
    const [file, argv] = this.argv(cmd, args);
    return new Promise((resolve, reject) => {
      execFile(file, argv, { maxBuffer: 512 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e: ExecError = new Error(`${[cmd, ...args].join(' ')}: ${stderr.trim() || err.message}`);
        e.stderr = stderr;
        e.code = (err as ExecError).code;
        reject(e);
      });
    });
  }

  async read(): Promise<NodeInterfaces> {
    const [addrText, route4, route6] = await Promise.all([
      this.exec('ip', ['-json', 'addr', 'show']),
      this.exec('ip', ['-json', 'route', 'show', 'default']),
      this.exec('ip', ['-6', '-json', 'route', 'show', 'default']),
    ]);
    const defaultRoute: Partial<Record<IPFamily, string>> = {};
    const dev4 = defaultRouteDevice(route4);
    const dev6 = defaultRouteDevice(route6);
    if (dev4) defaultRoute.IPv4 = dev4;
    if (dev6) defaultRoute.IPv6 = dev6;
    return { interfaces: parseAddrJson(addrText), defaultRoute };
  }

  async apply(ops: AddressOp[]): Promise<Array<{ op: AddressOp; error: string }>> {
    const failures: Failure[] = [];
    const valid: Array<{ index: number; op: AddressOp }> = [];
    ops.forEach((op, index) => {
      const problem =
        op.op !== 'add' && op.op !== 'del'
          ? `unknown operation ${JSON.stringify(op.op)}`
          : !validInterfaceName(op.interface)
            ? `invalid interface name ${JSON.stringify(op.interface)}`
            : invalidCidr(op.cidr);
      // Never sent: a malformed line would end the whole batch, not just fail itself.
      if (problem) failures.push({ index, op, error: problem });
      else valid.push({ index, op });
    });
    if (valid.length === 0) return report(failures);
    // Deletes before adds, so that an add is never swept away by the removal of a primary address
    // later in the same batch (see secondariesAtRisk). A list that both adds and deletes the same
    // address contradicts itself; a reconcile's difference never does.
    const ordered = [...valid.filter((v) => v.op.op === 'del'), ...valid.filter((v) => v.op.op === 'add')];
    const atRisk = ordered.some((v) => v.op.op === 'del' && !v.op.cidr.includes(':')) ? await this.secondariesAtRisk(ordered) : [];

    const result = await this.batch(ordered.map((v) => batchLine(v.op)));
    const { byLine, trailing } = parseBatchErrors(result.stderr);
    let lastReported = 0;
    for (const [n, error] of byLine) {
      lastReported = Math.max(lastReported, n);
      const item = ordered[n - 1];
      if (!item) continue;
      if (item.op.op === 'del' && ABSENT.test(error)) continue;
      failures.push({ ...item, error });
    }
    if (trailing || result.signal || (result.code !== 0 && byLine.size === 0)) {
      // ip stopped early without naming the line (our validation should make this unreachable):
      // the lines after the last one it reported have unknown outcomes, so look at the kernel.
      const why = trailing || `ip exited with ${result.signal ?? `code ${result.code}`}`;
      failures.push(...(await this.unconfirmed(ordered.slice(lastReported), why)));
    }
    if (atRisk.length > 0) failures.push(...(await this.restoreSecondaries(atRisk)));
    return report(failures);
  }

  /**
   * IPv4 only: deleting the primary address of a prefix makes the kernel delete every secondary
   * address of that prefix on the interface too, unless `promote_secondaries` is set on it. On
   * kube-lb0 every virtual address of a pool carries the pool's aggregation (e.g. /24), so the first
   * one added is the primary, and withdrawing its Service would take down all the others.
   * ensureInterface sets promote_secondaries, but /proc/sys is read-only in many containers; so the
   * secondaries of every primary we delete are noted here, and restoreSecondaries puts back those
   * the kernel removed.
   */
  private async secondariesAtRisk(ordered: Array<{ index: number; op: AddressOp }>): Promise<AtRisk[]> {
    const links = JSON.parse((await this.exec('ip', ['-4', '-json', 'addr', 'show'])) || '[]') as IpAddrJson[];
    const deleting = new Set(ordered.filter((v) => v.op.op === 'del').map((v) => `${v.op.cidr}@${v.op.interface}`));
    // Per interface: primaries by `ip/len`, secondaries by `network/len` (indexed once, so that
    // thousands of deletes on a link with thousands of addresses stay linear).
    const index = new Map<string, { primaries: Set<string>; secondaries: Map<string, Array<{ cidr: string; noprefixroute: boolean }>> }>();
    for (const l of links) {
      const primaries = new Set<string>();
      const secondaries = new Map<string, Array<{ cidr: string; noprefixroute: boolean }>>();
      for (const a of l.addr_info ?? []) {
        if (a.family !== 'inet' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
        const cidr = `${a.local}/${a.prefixlen}`;
        if (!a.secondary) primaries.add(cidr);
        else {
          const key = `${ipv4Network(a.local, a.prefixlen)}/${a.prefixlen}`;
          const list = secondaries.get(key) ?? [];
          list.push({ cidr, noprefixroute: a.noprefixroute === true });
          secondaries.set(key, list);
        }
      }
      index.set(l.ifname, { primaries, secondaries });
    }
    const out = new Map<string, AtRisk>();
    for (const cause of ordered) {
      if (cause.op.op !== 'del' || cause.op.cidr.includes(':')) continue;
      const link = index.get(cause.op.interface);
      if (!link?.primaries.has(cause.op.cidr)) continue;
      const [addr, len] = cause.op.cidr.split('/') as [string, string];
      for (const s of link.secondaries.get(`${ipv4Network(addr, Number(len))}/${len}`) ?? []) {
        const id = `${s.cidr}@${cause.op.interface}`;
        if (deleting.has(id) || out.has(id)) continue;
        out.set(id, { cause, iface: cause.op.interface, cidr: s.cidr, noprefixroute: s.noprefixroute });
      }
    }
    return [...out.values()];
  }

  /** Re-adds the at-risk secondaries that the kernel removed with their primary. */
  private async restoreSecondaries(atRisk: AtRisk[]): Promise<Failure[]> {
    const links = JSON.parse((await this.exec('ip', ['-4', '-json', 'addr', 'show'])) || '[]') as IpAddrJson[];
    const present = new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}@${l.ifname}`)));
    const missing = atRisk.filter((r) => !present.has(`${r.cidr}@${r.iface}`));
    if (missing.length === 0) return [];
    const result = await this.batch(missing.map((r) => `address replace ${r.cidr} dev ${r.iface}${r.noprefixroute ? ' noprefixroute' : ''}`));
    const { byLine, trailing } = parseBatchErrors(result.stderr);
    return missing.flatMap((r, i) => {
      const error = byLine.get(i + 1) ?? (trailing || undefined);
      if (error === undefined) return [];
      return [{ ...r.cause, error: `removing ${r.cause.op.cidr} also removed ${r.cidr} (promote_secondaries is off on ${r.iface}), and adding it back failed: ${error}` }];
    });
  }

  /** The operations whose effect is not visible in the kernel, each with `why`. */
  private async unconfirmed(items: Array<{ index: number; op: AddressOp }>, why: string): Promise<Failure[]> {
    const present = new Set<string>();
    for (const iface of (await this.read()).interfaces) {
      for (const a of iface.addresses) present.add(`${a.address}/${a.prefixLength}@${iface.name}`);
    }
    return items
      .filter(({ op }) => present.has(`${op.cidr}@${op.interface}`) !== (op.op === 'add'))
      .map(({ index, op }) => ({ index, op, error: `batch aborted: ${why}` }));
  }

  /** Feeds `script` to one `ip -force -batch -`: -force goes on after a failed line. */
  private batch(lines: string[]): Promise<{ stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
    const [file, argv] = this.argv('ip', ['-force', '-batch', '-']);
    return new Promise((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stderr.on('data', (c: Buffer) => chunks.push(c));
      // EPIPE when ip exits before reading everything: the exit status tells the story.
      child.stdin.on('error', () => undefined);
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ stderr: Buffer.concat(chunks).toString(), code, signal }));
      child.stdin.end(`${lines.join('\n')}\n`);
    });
  }

  async ensureInterface(name: string): Promise<void> {
    if (!validInterfaceName(name)) throw new Error(`invalid interface name ${JSON.stringify(name)}`);
    let exists = true;
    try {
      await this.exec('ip', ['-json', 'link', 'show', 'dev', name]);
    } catch (err) {
      if (!/does not exist|cannot find device/i.test((err as ExecError).stderr ?? '')) throw err;
      exists = false;
    }
    if (!exists) {
      try {
        await this.exec('ip', ['link', 'add', name, 'type', 'dummy']);
      } catch (err) {
        const stderr = (err as ExecError).stderr ?? '';
        if (/Unknown device type/i.test(stderr)) {
          // A kernel without the dummy driver (like the test machines here, where the harness
          // pre-creates kube-lb0 as a bridge): an unattached bridge holds addresses just as well,
          // has carrier, and forwards nothing since it has no ports.
          await this.exec('ip', ['link', 'add', name, 'type', 'bridge']).catch((e: ExecError) => {
            if (!/File exists/i.test(e.stderr ?? '')) throw e;
          });
        } else if (!/File exists/i.test(stderr)) {
          // "File exists": someone created it between our look and our add; adopt it.
          throw err;
        }
      }
    }
    await this.exec('ip', ['link', 'set', 'dev', name, 'up']);
    // So that withdrawing the first (primary) IPv4 address of an aggregate does not take the other
    // addresses of that prefix with it (see secondariesAtRisk). Best effort: /proc/sys is read-only
    // in many containers, and apply() repairs the effect without it. The slash form of the key
    // keeps a dot in the interface name from being read as a separator.
    await this.exec('sysctl', ['-q', '-w', `net/ipv4/conf/${name}/promote_secondaries=1`]).catch(() => undefined);
  }

  async announce(iface: string, ip: string, count: number, intervalMs: number): Promise<void> {
    if (!validInterfaceName(iface)) throw new Error(`invalid interface name ${JSON.stringify(iface)}`);
    if (!isIPv4(ip) && !(isIPv6(ip) && !ip.includes('%'))) throw new Error(`${JSON.stringify(ip)} is not an IP address`);
    const n = Math.max(0, Math.floor(count));
    // IPv4: a gratuitous ARP request (`who-has IP tell IP`, broadcast), iputils arping in unsolicited
    // mode. IPv6: an unsolicited neighbour advertisement to all nodes (ff02::1) with the override
    // flag (-o) and the target link-layer address option (-e, our MAC), from na6 (ipv6toolkit);
    // ndisc6 only solicits, and the kernel sends nothing for addresses added with nodad.
    const [cmd, args]: [string, string[]] = isIPv4(ip)
      ? ['arping', ['-U', '-c', '1', '-w', '1', '-I', iface, ip]]
      : ['na6', ['-i', iface, '-s', ip, '-d', 'ff02::1', '-t', ip, '-o', '-e']];
    // One process per packet, started `intervalMs` apart: iputils arping takes whole seconds for -i
    // ("invalid argument: '0.5'") and lingers for a second after its last probe, and na6 sends one
    // message per run (its loop mode never stops). Staggered starts keep the pacing exact; the
    // processes overlap.
    // Each send's outcome is captured at once: a failure during a later pause must not be an
    // unhandled rejection.
    const sends: Array<Promise<Error | undefined>> = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, Math.max(0, intervalMs)));
      sends.push(this.exec(cmd, args).then(() => undefined, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    }
    const errors = (await Promise.all(sends)).filter((e): e is Error => e !== undefined);
    if (errors.length > 0) {
      throw new Error(`${errors.length} of ${n} announcements of ${ip} on ${iface} failed: ${errors[0]!.message}`);
    }
  }
}
