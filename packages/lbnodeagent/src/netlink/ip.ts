// The kernel through iproute2: reads with `ip -json`, writes with one `ip -force -batch -` per
// reconcile (no process per address), gratuitous ARP with arping and unsolicited NA with na6.
// Every command is an argument array: no shell, no string building with untrusted values.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { IPFamily } from '@purelb/shared';
import type { InterfaceAddress, LocalInterface, NodeInterfaces } from '../core/types.js';
import type { AddressOp, Netlink } from './types.js';

const run = promisify(execFile);

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  flags?: string[];
  operstate?: string;
  addr_info?: Array<{ family: 'inet' | 'inet6'; local: string; prefixlen: number; scope?: string }>;
}

export class IpNetlink implements Netlink {
  /** `netns`: run every command in this network namespace (tests); the agent runs inside its own. */
  constructor(private readonly netns?: string) {}

  private argv(cmd: string, args: string[]): [string, string[]] {
    return this.netns ? ['ip', ['netns', 'exec', this.netns, cmd, ...args]] : [cmd, args];
  }

  private async exec(cmd: string, args: string[]): Promise<string> {
    const [file, argv] = this.argv(cmd, args);
    const { stdout } = await run(file, argv, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  async read(): Promise<NodeInterfaces> {
    const [addrText, route4, route6] = await Promise.all([
      this.exec('ip', ['-json', 'addr', 'show']),
      this.exec('ip', ['-json', '-4', 'route', 'show', 'default']),
      this.exec('ip', ['-json', '-6', 'route', 'show', 'default']),
    ]);
    const links = JSON.parse(addrText || '[]') as IpAddrJson[];
    const interfaces: LocalInterface[] = links.map((l) => ({
      name: l.ifname,
      index: l.ifindex,
      up: (l.flags ?? []).includes('UP'),
      addresses: (l.addr_info ?? [])
        .filter((a) => a.family === 'inet' || a.family === 'inet6')
        .map((a): InterfaceAddress => ({ family: a.family === 'inet' ? 'IPv4' : 'IPv6', address: a.local, prefixLength: a.prefixlen })),
    }));
    const defaultRoute: Partial<Record<IPFamily, string>> = {};
    const r4 = (JSON.parse(route4 || '[]') as Array<{ dev?: string }>)[0];
    const r6 = (JSON.parse(route6 || '[]') as Array<{ dev?: string }>)[0];
    if (r4?.dev) defaultRoute.IPv4 = r4.dev;
    if (r6?.dev) defaultRoute.IPv6 = r6.dev;
    return { interfaces, defaultRoute };
  }

  async apply(ops: AddressOp[]): Promise<Array<{ op: AddressOp; error: string }>> {
    if (ops.length === 0) return [];
    // One line per operation; `-force` goes on after errors, which are reported per line on stderr
    // ("Command failed -:N"). Local addresses get no prefix route; IPv6 skips duplicate address
    // detection so that the address is usable at once.
    const lines = ops.map((op) => {
      const v6 = op.cidr.includes(':');
      if (op.op === 'add') return `address replace ${op.cidr} dev ${op.interface} noprefixroute${v6 ? ' nodad' : ''}`;
      return `address del ${op.cidr} dev ${op.interface}`;
    });
    for (const op of ops) {
      if (/[\s]/.test(op.cidr) || /[\s]/.test(op.interface)) throw new Error(`refusing an address operation with whitespace: ${JSON.stringify(op)}`);
    }
    const [file, argv] = this.argv('ip', ['-force', '-batch', '-']);
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(file, argv, { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(err));
      child.stdin.end(`${lines.join('\n')}\n`);
    });
    const failures: Array<{ op: AddressOp; error: string }> = [];
    const errLines = stderr.split('\n');
    for (let i = 0; i < errLines.length; i++) {
      const m = /Command failed -:(\d+)/.exec(errLines[i]!);
      if (!m) continue;
      const op = ops[Number(m[1]) - 1];
      if (!op) continue;
      const message = (errLines[i - 1] ?? '').trim() || 'failed';
      // Deleting what is already gone is the desired state.
      if (op.op === 'del' && /Cannot assign requested address|No such|does not exist/.test(message)) continue;
      failures.push({ op, error: message });
    }
    return failures;
  }

  async ensureInterface(name: string): Promise<void> {
    if (/\s/.test(name) || name.length > 15) throw new Error(`invalid interface name ${JSON.stringify(name)}`);
    const exists = await this.exec('ip', ['-json', 'link', 'show', 'dev', name]).then(
      () => true,
      () => false,
    );
    if (!exists) {
      try {
        await this.exec('ip', ['link', 'add', name, 'type', 'dummy']);
      } catch (err) {
        // Kernels without the dummy driver (like our test machines): an unattached bridge holds
        // addresses just as well and carries no traffic of its own.
        if (!/Unknown device type|not supported/i.test(String((err as { stderr?: string }).stderr ?? err))) throw err;
        await this.exec('ip', ['link', 'add', name, 'type', 'bridge']);
      }
    }
    await this.exec('ip', ['link', 'set', name, 'up']);
  }

  async announce(iface: string, ip: string, count: number, intervalMs: number): Promise<void> {
    // Unsolicited neighbour advertisement (override flag, target link-layer address, to all nodes)
    // from ipv6toolkit; for IPv4 a gratuitous ARP. iputils arping takes whole seconds for -i, so the
    // bursts are paced here to honour intervalMs.
    const argv: [string, string[]] = ip.includes(':')
      ? ['na6', ['-i', iface, '-s', ip, '-d', 'ff02::1', '-t', ip, '-o', '-e']]
      : ['arping', ['-U', '-c', '1', '-w', '1', '-I', iface, ip]];
    let lastError: unknown;
    let sent = 0;
    for (let i = 0; i < count; i++) {
      try {
        await this.exec(argv[0], argv[1]);
        sent++;
      } catch (err) {
        lastError = err;
      }
      if (i + 1 < count) await new Promise((r) => setTimeout(r, intervalMs));
    }
    if (sent === 0 && lastError) throw lastError;
  }
}
