// The run's state file: everything a later process (the CLI, a test, `down` after a crash) needs to
// find and drive the cluster. Written atomically (temporary file + rename) at every step of `up`, so
// a crash leaves a file describing everything created so far.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { HostAddress } from './plan.js';

export const STATE_VERSION = 1;
export const DEFAULT_PREFIX = 'plb-';
export const DEFAULT_STATE_DIR = '/tmp/purelb-e2e';

/** Steps of `up`, in order; the state file records the last one reached. */
export const PHASES = ['network', 'control-plane', 'nodes', 'ready'] as const;
export type Phase = (typeof PHASES)[number];

/** A process the harness started: pid plus its kernel start time, so a reused pid is never signalled. */
export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot). */
  startTime: number;
  log: string;
}

export interface AgentRecord extends ProcessRecord {
  command: string;
  args: string[];
  /** Only the variables given to startAgent (the process also inherits the caller's environment). */
  env: Record<string, string>;
  startedAt: string;
}

export interface NodeRecord extends HostAddress {
  name: string;
  namespace: string;
  /** The LAN interface inside the node namespace. */
  interface: string;
  /** Pre-created stand-in for the dummy interface the agent would make (this kernel has no `dummy`). */
  lbInterface: string;
  /** The agent currently running (undefined when none). */
  agent?: AgentRecord;
  /** The last agent command started here (`start-agent NODE` without a command reuses it). */
  lastAgent?: { command: string; args: string[]; env: Record<string, string> };
}

export interface PodRecord extends ProcessRecord {
  id: string;
  node: string;
  port: number;
}

export interface ApiRecord {
  /** URL inside the namespaces (control plane's LAN address). */
  innerUrl: string;
  /** URL on the host's loopback (relay to the control plane through a Unix socket). */
  hostUrl?: string;
  /** Name the server certificate is checked against when connecting through the host relay. */
  hostTlsServerName: string;
  caPem?: string;
  token: string;
}

export interface ClusterState {
  version: number;
  prefix: string;
  runDir: string;
  createdAt: string;
  phase: Phase | 'creating';
  nodeCount: number;
  namespaces: { lan: string; router: string; cp: string; client: string };
  lan: { bridge: string; ipv4Cidr: string; ipv6Cidr: string; gateway: { ipv4: string; ipv6: string } };
  router: HostAddress & { namespace: string; interface: string };
  controlPlane: HostAddress & { namespace: string; interface: string; apiPort: number; socket: string; process?: ProcessRecord };
  client: HostAddress & { namespace: string; interface: string };
  hostRelay?: ProcessRecord & { port: number };
  api: ApiRecord;
  kubeconfig: { host: string; inner: string };
  nodes: NodeRecord[];
  pods: PodRecord[];
  logDir: string;
}

export function runDirFor(stateDir: string, prefix: string): string {
  return join(stateDir, prefix.replace(/-+$/, '') || prefix);
}

export function statePathFor(runDir: string): string {
  return join(runDir, 'state.json');
}

export function readState(path: string): ClusterState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const state = JSON.parse(text) as ClusterState;
  if (state.version !== STATE_VERSION) throw new Error(`${path}: state version ${String(state.version)}, expected ${STATE_VERSION}`);
  return state;
}

export function writeState(path: string, state: ClusterState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Read-modify-write of the state file, so changes made by another process (the CLI) are kept. */
export function updateState(path: string, change: (s: ClusterState) => void): ClusterState {
  const state = readState(path);
  if (!state) throw new Error(`no cluster state at ${path}`);
  change(state);
  writeState(path, state);
  return state;
}
