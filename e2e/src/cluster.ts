// The simulated cluster: Linux network namespaces joined by a LAN bridge, a control plane running
// testkube on that LAN, a client, and N nodes whose agents and "pods" run inside their namespaces.
//
//   <prefix>lan      bridge lan0; one veth port per member (named after the member)
//   <prefix>router   eth0 198.51.100.1 / fd9a:3c41:7e02:1::1, forwarding on (the LAN's gateway)
//   <prefix>cp       eth0 198.51.100.2 / …::2, testkube on :6443 + Unix socket relay
//   <prefix>client   eth0 198.51.100.3 / …::3, sends TCP, captures with tcpdump
//   <prefix>nodeI    eth0 198.51.100.(10+I) / …::(10+I), kube-lb0 (an empty bridge), agent, pods
//
// Every veth is created from inside the LAN namespace straight into its member namespace, so no
// link ever exists in the host namespace, and the host gets no address or route in a test range.
// The host reaches the API server through 127.0.0.1 → relay → Unix socket → control plane.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLIENT_OCTET,
  CONTROL_PLANE_OCTET,
  DEFAULT_API_PORT,
  LAN_IPV4_CIDR,
  LAN_IPV6_CIDR,
  MAX_NODES,
  ROUTER_OCTET,
  SERVICE_CIDR_V4,
  SERVICE_CIDR_V6,
  lanAddress,
  nodeName,
  nodeOctet,
} from './plan.js';
import {
  DEFAULT_PREFIX,
  DEFAULT_STATE_DIR,
  STATE_VERSION,
  readState,
  runDirFor,
  statePathFor,
  updateState,
  writeState,
  type AgentRecord,
  type ClusterState,
  type NodeRecord,
  type Phase,
  type PodRecord,
} from './state.js';
import {
  addNetns,
  deleteNetns,
  findProcessesByRunDir,
  ipBatch,
  listNetns,
  netnsExec,
  netnsPids,
  pidAlive,
  recordAlive,
  run,
  runRaw,
  signalAndWait,
  sleep,
  spawnDetached,
  tail,
  terminateAll,
  waitForJsonFile,
  waitUntil,
  type RunOptions,
  type RunResult,
} from './sys.js';
import { apiRequest, writeJsonKubeconfig, type ApiEndpoint } from './kube.js';

/** e2e/ (this file is e2e/src/cluster.ts under jest and e2e/dist/cluster.js when built). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The helper processes always run from the build: a spawned `node` cannot run our TypeScript. */
const PROCS_DIR = join(PACKAGE_ROOT, 'dist', 'procs');
const SCRIPTS = {
  controlPlane: join(PROCS_DIR, 'controlplane-main.js'),
  relay: join(PROCS_DIR, 'relay-main.js'),
  echo: join(PROCS_DIR, 'echo-main.js'),
  tcpClient: join(PROCS_DIR, 'tcp-client-main.js'),
};

const LAN_BRIDGE = 'lan0';
const MEMBER_INTERFACE = 'eth0';
const LB_INTERFACE = 'kube-lb0';
const ROLES = ['lan', 'router', 'cp', 'client'] as const;
const ENDPOINTSLICE_MANAGER = 'e2e.purelb.io';
/** Unix socket paths are limited to 108 bytes (sun_path). */
const MAX_SOCKET_PATH = 100;

export interface RunLocation {
  /** Namespace name prefix of the run (default `plb-`); lower-case letters, digits and dashes. */
  prefix?: string;
  /** Directory holding one sub-directory per run (default $PURELB_E2E_STATE_DIR or /tmp/purelb-e2e). */
  stateDir?: string;
}

export interface UpOptions extends RunLocation {
  nodes: number;
  /** API server port on the control plane's LAN address (default 6443). */
  apiPort?: number;
  /** Progress messages (the CLI prints them to stderr). */
  log?: (message: string) => void;
  /** Leave everything in place when `up` fails (default: clean up as `down` does). */
  keepOnFailure?: boolean;
  /**
   * For crash tests: after reaching this phase (and recording it in the state file), wait forever
   * instead of going on, so a test can kill the process in the middle of `up`.
   */
  holdAt?: Phase;
}

export interface DownOptions extends RunLocation {
  /** How long processes get between SIGTERM and SIGKILL (default 3000 ms). */
  graceMs?: number;
  /** Keep `<runDir>/logs` (everything else is removed). */
  keepLogs?: boolean;
}

export interface DownReport {
  namespaces: string[];
  processes: number[];
  runDir: string;
}

export interface AgentHandle {
  node: string;
  pid: number;
  log: string;
  /** Resolves when the agent exits (only in the process that started it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface EchoPod {
  id: string;
  node: string;
  port: number;
  pid: number;
  /** The node's LAN addresses (the pod shares the node's network, like a hostNetwork pod). */
  ipv4: string;
  ipv6: string;
  log: string;
}

/** Where an endpoint runs: a started echo pod or any node and port (e.g. to simulate a pod elsewhere). */
export interface EndpointTarget {
  node: string;
  port: number;
  /** Endpoint condition `ready` (and `serving`); default true. */
  ready?: boolean;
}

export interface PublishOptions {
  /** Port name in the slice, matching the Service port's name (default '' for an unnamed port). */
  portName?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Families to publish (default both: one slice per family and port). */
  families?: Array<'IPv4' | 'IPv6'>;
}

export interface ConnectResult {
  ok: boolean;
  reply: string;
  local?: { address?: string; port?: number };
  remote?: { address?: string; port?: number };
  error?: string;
  code?: string;
}

export interface Capture {
  pid: number;
  log: string;
  /** What tcpdump printed so far (one line per packet). */
  text(): string;
  /** Stops tcpdump (SIGINT, so it flushes) and returns its output. */
  stop(): Promise<string>;
}

export function defaultStateDir(): string {
  return process.env.PURELB_E2E_STATE_DIR || DEFAULT_STATE_DIR;
}

function location(options: RunLocation): { prefix: string; stateDir: string; runDir: string; statePath: string } {
  const prefix = options.prefix ?? (process.env.PURELB_E2E_PREFIX || DEFAULT_PREFIX);
  validatePrefix(prefix);
  const stateDir = resolve(options.stateDir ?? defaultStateDir());
  const runDir = runDirFor(stateDir, prefix);
  return { prefix, stateDir, runDir, statePath: statePathFor(runDir) };
}

export function validatePrefix(prefix: string): void {
  // Short enough that `<prefix>node50` stays a readable name; no characters with meaning anywhere.
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(prefix)) throw new Error(`bad prefix ${JSON.stringify(prefix)}: 1-20 characters, a-z 0-9 -, starting with a letter`);
}

/** Namespaces of the run with this prefix: exactly `<prefix><role>`, so `plb-` never matches `plb-x-lan`. */
export function namespacesOfPrefix(prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}(?:lan|router|cp|client|node\\d+)$`);
  return listNetns().filter((n) => re.test(n));
}

function requireRoot(): void {
  if (process.getuid && process.getuid() !== 0) throw new Error('the simulated cluster needs root (network namespaces)');
}

function requireBuild(): void {
  for (const script of Object.values(SCRIPTS)) {
    if (!existsSync(script)) throw new Error(`${script} is missing: build first (./node_modules/.bin/tsc -b e2e)`);
  }
}

function holdForever(): Promise<never> {
  // A pending promise alone would let Node exit; the interval keeps the process alive until killed.
  return new Promise(() => setInterval(() => {}, 60_000));
}

// ---------------------------------------------------------------------------------------------
// up

export async function up(options: UpOptions): Promise<Cluster> {
  const { prefix, runDir, statePath, stateDir } = location(options);
  const log = options.log ?? (() => {});
  const count = options.nodes;
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new Error(`--nodes must be 1..${MAX_NODES}, got ${count}`);
  requireRoot();
  requireBuild();
  if (readState(statePath) || namespacesOfPrefix(prefix).length > 0) {
    throw new Error(`a run with prefix ${prefix} exists (state ${statePath} or namespaces ${namespacesOfPrefix(prefix).join(', ')}): run down first`);
  }
  const socket = join(runDir, 'api.sock');
  if (socket.length > MAX_SOCKET_PATH) throw new Error(`state directory too long for a Unix socket path: ${socket}`);
  mkdirSync(join(runDir, 'logs'), { recursive: true, mode: 0o700 });

  const state = initialState(prefix, runDir, count, options.apiPort ?? DEFAULT_API_PORT, socket);
  writeState(statePath, state);
  const reached = async (phase: Phase) => {
    state.phase = phase;
    writeState(statePath, state);
    log(`${prefix}: ${phase} done`);
    if (options.holdAt === phase) await holdForever();
  };
  try {
    await createNetwork(state);
    await reached('network');
    await startControlPlane(state, statePath);
    await reached('control-plane');
    await registerNodes(state);
    await reached('nodes');
    await reached('ready');
  } catch (e) {
    if (!options.keepOnFailure) await down({ prefix, stateDir }).catch(() => {});
    throw e;
  }
  return new Cluster(statePath);
}

function initialState(prefix: string, runDir: string, count: number, apiPort: number, socket: string): ClusterState {
  const ns = (role: string) => `${prefix}${role}`;
  const router = lanAddress(ROUTER_OCTET);
  const nodes: NodeRecord[] = [];
  for (let i = 1; i <= count; i++) {
    const name = nodeName(i);
    nodes.push({ name, namespace: ns(name), interface: MEMBER_INTERFACE, lbInterface: LB_INTERFACE, ...lanAddress(nodeOctet(i)) });
  }
  return {
    version: STATE_VERSION,
    prefix,
    runDir,
    createdAt: new Date().toISOString(),
    phase: 'creating',
    nodeCount: count,
    namespaces: { lan: ns('lan'), router: ns('router'), cp: ns('cp'), client: ns('client') },
    lan: { bridge: LAN_BRIDGE, ipv4Cidr: LAN_IPV4_CIDR, ipv6Cidr: LAN_IPV6_CIDR, gateway: { ipv4: router.ipv4, ipv6: router.ipv6 } },
    router: { namespace: ns('router'), interface: MEMBER_INTERFACE, ...router },
    controlPlane: { namespace: ns('cp'), interface: MEMBER_INTERFACE, apiPort, socket, ...lanAddress(CONTROL_PLANE_OCTET) },
    client: { namespace: ns('client'), interface: MEMBER_INTERFACE, ...lanAddress(CLIENT_OCTET) },
    api: { innerUrl: `https://${lanAddress(CONTROL_PLANE_OCTET).ipv4}:${apiPort}`, hostTlsServerName: 'localhost', token: 'testkube' },
    kubeconfig: { host: join(runDir, 'kubeconfig-host'), inner: join(runDir, 'kubeconfig') },
    nodes,
    pods: [],
    logDir: join(runDir, 'logs'),
  };
}

interface Member {
  namespace: string;
  /** Port name on the LAN bridge. */
  port: string;
  ipv4: string;
  ipv6: string;
  mac: string;
  gateway: boolean;
  node: boolean;
}

async function createNetwork(state: ClusterState): Promise<void> {
  const members: Member[] = [
    { ...state.router, port: 'router', gateway: false, node: false },
    { ...state.controlPlane, port: 'cp', gateway: true, node: false },
    { ...state.client, port: 'client', gateway: true, node: false },
    ...state.nodes.map((n) => ({ namespace: n.namespace, port: n.name, ipv4: n.ipv4, ipv6: n.ipv6, mac: n.mac, gateway: true, node: true })),
  ];
  // One after another: the first `ip netns add` sets up the /run/netns mount.
  for (const ns of [state.namespaces.lan, ...members.map((m) => m.namespace)]) await addNetns(ns);

  // sysctls are per network namespace. No duplicate address detection: addresses are usable at once
  // (the LAN is ours, there is nobody to collide with). The LAN namespace is a pure switch: no IPv6
  // on its ports, so it never sends router solicitations or MLD reports of its own.
  const noDad = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];
  await Promise.all([
    netnsExec(state.namespaces.lan, ['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']),
    ...members.map((m) => {
      const extra = m.node
        ? // What an operator sets on PureLB nodes: answer ARP only for addresses of the receiving
          // interface (not for kube-lb0's), and use the outgoing interface's address as ARP source.
          ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']
        : m.gateway
          ? []
          : ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'];
      return netnsExec(m.namespace, ['sysctl', '-qw', ...noDad, ...extra]);
    }),
  ]);

  // The bridge: no STP delay, no multicast snooping (NDP's solicited-node multicast must reach
  // everyone without an MLD querier on the LAN).
  const lan: string[][] = [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', LAN_BRIDGE, 'type', 'bridge', 'forward_delay', '0', 'mcast_snooping', '0'],
    ['link', 'set', LAN_BRIDGE, 'up'],
  ];
  for (const m of members) {
    // Created from inside the LAN namespace with the peer placed straight into the member.
    lan.push(['link', 'add', m.port, 'type', 'veth', 'peer', 'name', MEMBER_INTERFACE, 'address', m.mac, 'netns', m.namespace]);
    lan.push(['link', 'set', m.port, 'master', LAN_BRIDGE]);
    lan.push(['link', 'set', m.port, 'up']);
  }
  await ipBatch(state.namespaces.lan, lan);

  await Promise.all(
    members.map((m) => {
      const cmds: string[][] = [
        ['link', 'set', 'lo', 'up'],
        ['link', 'set', MEMBER_INTERFACE, 'up'],
        ['address', 'add', `${m.ipv4}/24`, 'dev', MEMBER_INTERFACE],
        ['address', 'add', `${m.ipv6}/64`, 'dev', MEMBER_INTERFACE, 'nodad'],
      ];
      if (m.gateway) {
        cmds.push(['route', 'add', 'default', 'via', state.lan.gateway.ipv4]);
        cmds.push(['route', 'add', 'default', 'via', state.lan.gateway.ipv6]);
      }
      if (m.node) {
        // The kernel here has no `dummy` link type: an empty bridge stands in for it (up, carrier on).
        cmds.push(['link', 'add', LB_INTERFACE, 'type', 'bridge']);
        cmds.push(['link', 'set', LB_INTERFACE, 'up']);
      }
      return ipBatch(m.namespace, cmds);
    }),
  );
}

async function startControlPlane(state: ClusterState, statePath: string): Promise<void> {
  const cp = state.controlPlane;
  const cpReady = join(state.runDir, 'controlplane.ready');
  const cpLog = join(state.logDir, 'controlplane.log');
  const cpProc = spawnDetached(
    [
      'ip', 'netns', 'exec', cp.namespace, process.execPath, SCRIPTS.controlPlane,
      '--host', cp.ipv4, '--port', String(cp.apiPort), '--kubeconfig', state.kubeconfig.inner, '--socket', cp.socket,
      '--service-cidr', SERVICE_CIDR_V4, '--service-cidr-v6', SERVICE_CIDR_V6,
      '--ready-file', cpReady, '--run-dir', state.runDir,
    ],
    cpLog,
  );
  // Recorded before waiting, so a crash from here on still leaves its pid in the state file.
  cp.process = { pid: cpProc.pid, startTime: cpProc.startTime, log: cpLog };
  writeState(statePath, state);
  const ready = await waitForJsonFile<{ url: string; caPem: string }>(cpReady, cpProc.pid, cpLog);

  const relayReady = join(state.runDir, 'relay.ready');
  const relayLog = join(state.logDir, 'host-relay.log');
  const relay = spawnDetached(
    [process.execPath, SCRIPTS.relay, '--listen', 'tcp:127.0.0.1:0', '--connect', `unix:${cp.socket}`, '--ready-file', relayReady, '--run-dir', state.runDir],
    relayLog,
  );
  state.hostRelay = { pid: relay.pid, startTime: relay.startTime, log: relayLog, port: 0 };
  writeState(statePath, state);
  const relayInfo = await waitForJsonFile<{ port: number }>(relayReady, relay.pid, relayLog);
  state.hostRelay.port = relayInfo.port;
  state.api = { ...state.api, innerUrl: ready.url, hostUrl: `https://127.0.0.1:${relayInfo.port}`, caPem: ready.caPem };
  writeJsonKubeconfig(state.kubeconfig.host, hostEndpoint(state));
  writeState(statePath, state);
  // The whole path host → relay → socket → control plane answers before anyone is told it is up.
  await waitUntil('the API server through the host relay', () => apiRequest(hostEndpoint(state), 'GET', '/version', undefined, 2000).then(() => true, () => false), 15000);
}

export function hostEndpoint(state: ClusterState): ApiEndpoint {
  if (!state.api.hostUrl || !state.api.caPem) throw new Error('the control plane has not been started');
  return { url: state.api.hostUrl, caPem: state.api.caPem, token: state.api.token, tlsServerName: state.api.hostTlsServerName };
}

async function registerNodes(state: ClusterState): Promise<void> {
  const ep = hostEndpoint(state);
  for (const n of state.nodes) {
    await apiRequest(ep, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
      spec: {},
      status: {
        addresses: [
          { type: 'InternalIP', address: n.ipv4 },
          { type: 'InternalIP', address: n.ipv6 },
          { type: 'Hostname', address: n.name },
        ],
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated node (purelb-ts e2e)', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// down

/**
 * Removes everything a run made: every process inside its namespaces (agents, pods, captures, the
 * control plane), its host relay, its namespaces (which takes their veths and bridges along) and its
 * run directory. Works from the state file when there is one and from the prefix alone when not
 * (a crash before the first write, or a deleted state file).
 */
export async function down(options: DownOptions = {}): Promise<DownReport> {
  const { prefix, runDir, statePath } = location(options);
  requireRoot();
  let state: ClusterState | undefined;
  try {
    state = readState(statePath);
  } catch {
    // An unreadable state file: the prefix still finds everything.
  }
  const namespaces = new Set(namespacesOfPrefix(prefix));
  const pids = new Set<number>();
  for (const ns of namespaces) for (const pid of await netnsPids(ns)) pids.add(pid);
  // Host processes: the relay as recorded, and any helper carrying this run's directory.
  if (state?.hostRelay && recordAlive(state.hostRelay)) pids.add(state.hostRelay.pid);
  if (state?.controlPlane.process && recordAlive(state.controlPlane.process)) pids.add(state.controlPlane.process.pid);
  for (const pid of findProcessesByRunDir(runDir)) pids.add(pid);
  pids.delete(process.pid);
  await terminateAll([...pids], options.graceMs ?? 3000);
  // A process may have started others while being stopped (an agent running `ip` on shutdown): a
  // namespace deleted under a live process would live on, unnamed, with its links. Look again.
  for (let round = 0; round < 3; round++) {
    const late: number[] = [];
    for (const ns of namespaces) late.push(...(await netnsPids(ns)));
    if (late.length === 0) break;
    late.forEach((p) => pids.add(p));
    await terminateAll(late, 1000);
  }
  for (const ns of namespaces) await deleteNetns(ns);
  const left = namespacesOfPrefix(prefix);
  if (left.length > 0) throw new Error(`namespaces still there after down: ${left.join(', ')}`);
  if (existsSync(runDir)) {
    if (options.keepLogs) {
      for (const entry of readdirSync(runDir)) if (entry !== 'logs') rmSync(join(runDir, entry), { recursive: true, force: true });
    } else {
      rmSync(runDir, { recursive: true, force: true });
    }
  }
  return { namespaces: [...namespaces], processes: [...pids], runDir };
}

/** A Cluster for an existing run (from its state file), e.g. one brought up by the CLI. */
export function attach(options: RunLocation = {}): Cluster {
  const { statePath } = location(options);
  if (!readState(statePath)) throw new Error(`no cluster state at ${statePath}`);
  return new Cluster(statePath);
}

// ---------------------------------------------------------------------------------------------
// A running cluster

export class Cluster {
  constructor(readonly statePath: string) {}

  /** The state file as it is now (other processes, e.g. the CLI, may change it). */
  get state(): ClusterState {
    const s = readState(this.statePath);
    if (!s) throw new Error(`no cluster state at ${this.statePath} (was it brought down?)`);
    return s;
  }

  get prefix(): string {
    return this.state.prefix;
  }

  get runDir(): string {
    return dirname(this.statePath);
  }

  get nodes(): NodeRecord[] {
    return this.state.nodes;
  }

  /** Kubeconfig for processes in the host namespace (tests, kubectl on the host). */
  get hostKubeconfig(): string {
    return this.state.kubeconfig.host;
  }

  /** Kubeconfig for processes inside the namespaces (agents): the control plane's LAN address. */
  get innerKubeconfig(): string {
    return this.state.kubeconfig.inner;
  }

  get api(): ApiEndpoint {
    return hostEndpoint(this.state);
  }

  node(name: string): NodeRecord {
    const n = this.state.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} (nodes: ${this.state.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** Namespace of a node name or a role (`lan`, `router`, `cp`, `client`). */
  namespaceOf(target: string): string {
    const s = this.state;
    if ((ROLES as readonly string[]).includes(target)) return s.namespaces[target as (typeof ROLES)[number]];
    return this.node(target).namespace;
  }

  /** Runs a command inside a node's or role's namespace; fails unless it exits 0. */
  exec(target: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return netnsExec(this.namespaceOf(target), argv, options);
  }

  /** Like exec, but resolves whatever the exit status. */
  execRaw(target: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
    return runRaw(['ip', 'netns', 'exec', this.namespaceOf(target), ...argv], options);
  }

  /** `ip -json …` inside a namespace, parsed (e.g. `ipJson('node1', ['addr', 'show', 'dev', 'eth0'])`). */
  async ipJson<T = any>(target: string, args: string[]): Promise<T> {
    const r = await run(['ip', '-n', this.namespaceOf(target), '-json', ...args]);
    return JSON.parse(r.stdout || '[]') as T;
  }

  apiRequest<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return apiRequest<T>(this.api, method, path, body);
  }

  // --- agents ---------------------------------------------------------------------------------

  /**
   * Starts `command args…` inside the node's namespace (the node agent, or anything standing in for
   * it). The environment is this process's plus KUBECONFIG (the inner kubeconfig), NODE_NAME and
   * PURELB_NODE_NAME, plus `env`. Output goes to `<runDir>/logs/agent-<node>.log` (appended).
   */
  startAgent(node: string, command: string, args: string[] = [], env: Record<string, string> = {}): AgentHandle {
    const n = this.node(node);
    if (recordAlive(n.agent)) throw new Error(`an agent already runs on ${node} (pid ${n.agent!.pid})`);
    const s = this.state;
    const log = join(s.logDir, `agent-${node}.log`);
    const fullEnv = { ...process.env, KUBECONFIG: s.kubeconfig.inner, NODE_NAME: node, PURELB_NODE_NAME: node, ...env };
    const p = spawnDetached(['ip', 'netns', 'exec', n.namespace, command, ...args], log, fullEnv);
    const record: AgentRecord = { pid: p.pid, startTime: p.startTime, log, command, args, env, startedAt: new Date().toISOString() };
    updateState(this.statePath, (st) => {
      const rec = st.nodes.find((x) => x.name === node)!;
      rec.agent = record;
      rec.lastAgent = { command, args, env };
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) res({ code: p.child.exitCode, signal: p.child.signalCode });
      else p.child.once('exit', (code, signal) => res({ code, signal }));
    });
    return { node, pid: p.pid, log, exited };
  }

  /** Starts the node's last agent command again (as recorded in the state file). */
  restartAgent(node: string): AgentHandle {
    const last = this.node(node).lastAgent;
    if (!last) throw new Error(`no agent was ever started on ${node}`);
    return this.startAgent(node, last.command, last.args, last.env);
  }

  agentRunning(node: string): boolean {
    return recordAlive(this.node(node).agent);
  }

  /**
   * Sends `signal` (TERM by default, or KILL, …) to the node's agent and waits up to `timeoutMs` for it
   * to exit. `exited` is false when it is still running after that.
   */
  async killAgent(node: string, signal: string = 'TERM', options: { timeoutMs?: number } = {}): Promise<{ wasRunning: boolean; exited: boolean }> {
    const n = this.node(node);
    const sig = normalizeSignal(signal);
    if (!n.agent || !recordAlive(n.agent)) {
      if (n.agent) updateState(this.statePath, (st) => delete st.nodes.find((x) => x.name === node)!.agent);
      return { wasRunning: false, exited: true };
    }
    const exited = await signalAndWait(n.agent.pid, sig, options.timeoutMs ?? 10000);
    if (exited) updateState(this.statePath, (st) => delete st.nodes.find((x) => x.name === node)!.agent);
    return { wasRunning: true, exited };
  }

  // --- pods -----------------------------------------------------------------------------------

  /** Starts a TCP echo server ("pod") on `port` inside the node's namespace and waits until it listens. */
  async startEchoPod(node: string, port: number): Promise<EchoPod> {
    const n = this.node(node);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port ${port}`);
    const id = `${node}-${port}`;
    const existing = this.state.pods.find((p) => p.id === id);
    if (existing && recordAlive(existing)) throw new Error(`pod ${id} already runs`);
    const s = this.state;
    const log = join(s.logDir, `pod-${id}.log`);
    const readyFile = join(s.runDir, `pod-${id}.ready`);
    rmSync(readyFile, { force: true });
    const p = spawnDetached(['ip', 'netns', 'exec', n.namespace, process.execPath, SCRIPTS.echo, '--port', String(port), '--name', node, '--ready-file', readyFile, '--run-dir', s.runDir], log);
    const record: PodRecord = { id, node, port, pid: p.pid, startTime: p.startTime, log };
    updateState(this.statePath, (st) => {
      st.pods = st.pods.filter((x) => x.id !== id);
      st.pods.push(record);
    });
    await waitForJsonFile(readyFile, p.pid, log);
    return { id, node, port, pid: p.pid, ipv4: n.ipv4, ipv6: n.ipv6, log };
  }

  async stopEchoPod(pod: EchoPod | string): Promise<void> {
    const id = typeof pod === 'string' ? pod : pod.id;
    const rec = this.state.pods.find((p) => p.id === id);
    if (!rec) throw new Error(`no pod ${id}`);
    if (recordAlive(rec)) await terminateAll([rec.pid], 3000);
    updateState(this.statePath, (st) => (st.pods = st.pods.filter((x) => x.id !== id)));
  }

  pods(): PodRecord[] {
    return this.state.pods.filter((p) => recordAlive(p));
  }

  /**
   * Makes the Service's EndpointSlices (the ones this harness manages) name exactly `targets`: one
   * slice per family and port, each endpoint with the node's address and `nodeName`. Slices of
   * earlier calls that are no longer wanted are deleted; an empty `targets` leaves none.
   * `service` is `name`, `namespace/name` or `{namespace, name}` (namespace default `default`).
   */
  async publishEndpoints(service: string | { namespace?: string; name: string }, targets: EndpointTarget[], options: PublishOptions = {}): Promise<string[]> {
    const { namespace, name } = parseServiceRef(service);
    const protocol = options.protocol ?? 'TCP';
    const families = options.families ?? ['IPv4', 'IPv6'];
    const desired = new Map<string, any>();
    for (const family of families) {
      const ports = [...new Set(targets.map((t) => t.port))].sort((a, b) => a - b);
      for (const port of ports) {
        const sliceName = `${name}-e2e-${family.toLowerCase()}-${port}`;
        desired.set(sliceName, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: sliceName, namespace, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': ENDPOINTSLICE_MANAGER } },
          addressType: family,
          endpoints: targets
            .filter((t) => t.port === port)
            .map((t) => {
              const n = this.node(t.node);
              const ready = t.ready ?? true;
              return {
                addresses: [family === 'IPv4' ? n.ipv4 : n.ipv6],
                conditions: { ready, serving: ready, terminating: false },
                nodeName: n.name,
                targetRef: { kind: 'Pod', namespace, name: `echo-${n.name}-${port}` },
              };
            }),
          ports: [{ name: options.portName ?? '', port, protocol }],
        });
      }
    }
    const base = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`;
    const selector = encodeURIComponent(`kubernetes.io/service-name=${name},endpointslice.kubernetes.io/managed-by=${ENDPOINTSLICE_MANAGER}`);
    const existing = await this.apiRequest<{ items: any[] }>('GET', `${base}?labelSelector=${selector}`);
    const have = new Map(existing.items.map((s) => [s.metadata.name as string, s]));
    for (const [sliceName] of have) if (!desired.has(sliceName)) await this.apiRequest('DELETE', `${base}/${sliceName}`);
    for (const [sliceName, slice] of desired) {
      const old = have.get(sliceName);
      if (old) await this.apiRequest('PUT', `${base}/${sliceName}`, { ...slice, metadata: { ...slice.metadata, resourceVersion: old.metadata.resourceVersion } });
      else await this.apiRequest('POST', base, slice);
    }
    return [...desired.keys()];
  }

  // --- client ---------------------------------------------------------------------------------

  /**
   * One TCP connection from the client namespace (or `options.from`) to address:port: sends `send`,
   * half-closes, returns what came back before the server closed. Never throws for network errors:
   * `ok` is false with the error code (ECONNREFUSED, TIMEOUT, …).
   */
  async connect(address: string, port: number, options: { send?: string; timeoutMs?: number; from?: string } = {}): Promise<ConnectResult> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const r = await this.execRaw(
      options.from ?? 'client',
      [process.execPath, SCRIPTS.tcpClient, '--host', address, '--port', String(port), '--send', options.send ?? '', '--timeout-ms', String(timeoutMs)],
      { timeoutMs: timeoutMs + 10000 },
    );
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as ConnectResult;
    } catch {
      return { ok: false, reply: '', error: `tcp client failed: ${r.stderr.trim() || r.stdout.trim()}`, code: 'CLIENT' };
    }
  }

  /**
   * Starts tcpdump in a namespace (default the client's eth0): `-nn -e -l --immediate-mode`, then the
   * filter words, e.g. `['arp', 'or', 'icmp6']`. Resolves once tcpdump listens.
   */
  async startCapture(filter: string[] = [], options: { target?: string; interface?: string } = {}): Promise<Capture> {
    const target = options.target ?? 'client';
    const s = this.state;
    const log = join(s.logDir, `capture-${target}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}.log`);
    const p = spawnDetached(['ip', 'netns', 'exec', this.namespaceOf(target), 'tcpdump', '-i', options.interface ?? MEMBER_INTERFACE, '-nn', '-e', '-l', '--immediate-mode', ...filter], log);
    await waitUntil(`tcpdump listening (${log})`, () => {
      if (!pidAlive(p.pid)) throw new Error(`tcpdump exited: ${tail(log)}`);
      return tail(log, 5).includes('listening on');
    });
    const text = () =>
      tail(log, 100000)
        .split('\n')
        .filter((l) => !l.startsWith('--- ') && !l.startsWith('tcpdump: ') && !l.includes('listening on') && !/packets (captured|received|dropped)/.test(l))
        .join('\n');
    return {
      pid: p.pid,
      log,
      text,
      stop: async () => {
        await signalAndWait(p.pid, 'SIGINT', 3000);
        if (pidAlive(p.pid)) await terminateAll([p.pid], 1000);
        return text();
      },
    };
  }

  /** Process status of everything recorded: control plane, host relay, agents, pods. */
  status(): { namespaces: Record<string, boolean>; controlPlane: boolean; hostRelay: boolean; agents: Record<string, number | null>; pods: Record<string, boolean> } {
    const s = this.state;
    const present = new Set(listNetns());
    const namespaces: Record<string, boolean> = {};
    for (const ns of [...Object.values(s.namespaces), ...s.nodes.map((n) => n.namespace)]) namespaces[ns] = present.has(ns);
    const agents: Record<string, number | null> = {};
    for (const n of s.nodes) agents[n.name] = n.agent && recordAlive(n.agent) ? n.agent.pid : null;
    const pods: Record<string, boolean> = {};
    for (const p of s.pods) pods[p.id] = recordAlive(p);
    return { namespaces, controlPlane: recordAlive(s.controlPlane.process), hostRelay: recordAlive(s.hostRelay), agents, pods };
  }

  async down(options: Omit<DownOptions, 'prefix' | 'stateDir'> = {}): Promise<DownReport> {
    const s = readState(this.statePath);
    const prefix = s?.prefix;
    if (!prefix) throw new Error(`no cluster state at ${this.statePath}`);
    return down({ ...options, prefix, stateDir: dirname(this.runDir) });
  }
}

function normalizeSignal(signal: string): NodeJS.Signals {
  const s = signal.toUpperCase();
  return (s.startsWith('SIG') ? s : `SIG${s}`) as NodeJS.Signals;
}

function parseServiceRef(service: string | { namespace?: string; name: string }): { namespace: string; name: string } {
  if (typeof service !== 'string') return { namespace: service.namespace ?? 'default', name: service.name };
  const [a, b] = service.split('/');
  return b === undefined ? { namespace: 'default', name: a! } : { namespace: a!, name: b };
}

/** Polling helpers for tests driving the cluster (re-exported for convenience). */
export { waitUntil, sleep };
