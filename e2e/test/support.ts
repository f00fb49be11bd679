// Helpers shared by the e2e harness tests. These tests need root (network namespaces) and the built
// e2e/dist and packages/testkube/dist (`make test` builds before testing): the harness starts its
// helper processes (control plane, relay, echo pods) from the build, since `node` cannot run our
// TypeScript sources.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

/** A prefix no other run (test file, parallel worker, person at the CLI) uses. */
export function uniquePrefix(): string {
  return `t${randomBytes(3).toString('hex')}-`;
}

/** A state directory of its own, so tests never touch a person's /tmp/purelb-e2e runs. */
export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'purelb-e2e-test-'));
}

/** The e2e CLI as built (tests that run it as a process). */
export const CLI = join(process.cwd(), 'e2e', 'dist', 'cli.js');

/** kubectl 1.32 when the Google Cloud SDK's versioned binary is there (see packages/testkube/test/support/kubectl.ts). */
export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const sdk = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
  return existsSync(sdk) ? sdk : 'kubectl';
}

export interface HostNetSnapshot {
  routes4: unknown;
  routes6: unknown;
  links: string[];
  addresses: unknown;
}

/** The host namespace's routes, links and addresses (this process runs in the host namespace). */
export function hostNetSnapshot(): HostNetSnapshot {
  const json = (args: string[]) => JSON.parse(execFileSync('ip', ['-json', ...args], { encoding: 'utf8' }) || '[]');
  const links = (json(['link', 'show']) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
  const addresses = (json(['addr', 'show']) as Array<{ ifname: string; addr_info: Array<{ local: string; prefixlen: number }> }>)
    .map((l) => ({ ifname: l.ifname, addrs: l.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort() }))
    .sort((a, b) => a.ifname.localeCompare(b.ifname));
  // Route lifetimes (`expires`) count down by themselves; everything else must stay as it was.
  const routes = (args: string[]) => (json(args) as Array<Record<string, unknown>>).map(({ expires: _expires, ...r }) => r);
  return { routes4: routes(['route', 'show', 'table', 'all']), routes6: routes(['-6', 'route', 'show', 'table', 'all']), links, addresses };
}

export function netnsNames(): string[] {
  const out = execFileSync('ip', ['-json', 'netns', 'list'], { encoding: 'utf8' });
  return out.trim() ? (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name) : [];
}

/** True while a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}
