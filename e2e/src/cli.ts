#!/usr/bin/env node
// purelb-e2e: drive the simulated cluster from a shell or another script (see e2e/README.md).
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { attach, down, up } from './cluster.js';
import { MAX_NODES } from './plan.js';
import { DEFAULT_PREFIX, PHASES, type ClusterState, type Phase } from './state.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the node agent will be built (packages/lbnodeagent); used when start-agent gets no command. */
const DEFAULT_AGENT = join(REPO_ROOT, 'packages', 'lbnodeagent', 'dist', 'cli.js');

interface Common {
  prefix: string;
  'state-dir'?: string;
}

function where(argv: Common): { prefix: string; stateDir?: string } {
  return { prefix: argv.prefix, ...(argv['state-dir'] ? { stateDir: argv['state-dir'] } : {}) };
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What a script needs from the state (without the CA, which is in the kubeconfigs anyway). */
function summary(statePath: string, s: ClusterState): unknown {
  return {
    state: statePath,
    prefix: s.prefix,
    phase: s.phase,
    kubeconfig: s.kubeconfig,
    apiServer: { inner: s.api.innerUrl, host: s.api.hostUrl },
    namespaces: s.namespaces,
    lan: s.lan,
    client: { namespace: s.client.namespace, ipv4: s.client.ipv4, ipv6: s.client.ipv6 },
    nodes: s.nodes.map((n) => ({ name: n.name, namespace: n.namespace, interface: n.interface, lbInterface: n.lbInterface, ipv4: n.ipv4, ipv6: n.ipv6, mac: n.mac })),
  };
}

function parseEnv(pairs: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`--env wants NAME=VALUE, got ${JSON.stringify(p)}`);
    env[p.slice(0, i)] = p.slice(i + 1);
  }
  return env;
}

function afterDashes(argv: Record<string, unknown>): string[] {
  return ((argv['--'] as unknown[] | undefined) ?? []).map(String);
}

export function buildCli(args: string[]): Argv<Common> {
  return yargs(args)
    .scriptName('purelb-e2e')
    .parserConfiguration({ 'populate--': true })
    .env('PURELB_E2E')
    .option('prefix', { type: 'string', default: DEFAULT_PREFIX, describe: 'name prefix of the run: namespaces are <prefix>lan, <prefix>node1, … (env PURELB_E2E_PREFIX)' })
    .option('state-dir', { type: 'string', describe: 'directory of run directories (default /tmp/purelb-e2e; env PURELB_E2E_STATE_DIR)' })
    .command(
      'up',
      'create the cluster (namespaces, LAN, control plane, nodes) and print its state',
      (y) =>
        y
          .option('nodes', { type: 'number', default: 3, describe: `number of nodes (1-${MAX_NODES})` })
          .option('api-port', { type: 'number', default: 6443, describe: 'API server port on the control plane LAN address' })
          .option('hold-at', { type: 'string', choices: [...PHASES], hidden: true, describe: 'crash tests: stop after this phase and wait (env PURELB_E2E_HOLD_AT)' }),
      async (argv) => {
        const cluster = await up({
          ...where(argv),
          nodes: argv.nodes,
          apiPort: argv['api-port'],
          ...(argv['hold-at'] ? { holdAt: argv['hold-at'] as Phase } : {}),
          log: (m) => process.stderr.write(`${m}\n`),
        });
        print(summary(cluster.statePath, cluster.state));
      },
    )
    .command(
      'down',
      'remove everything the run made (also after a crash of up)',
      (y) => y.option('keep-logs', { type: 'boolean', default: false, describe: 'keep <run dir>/logs' }),
      async (argv) => print(await down({ ...where(argv), keepLogs: argv['keep-logs'] })),
    )
    .command(
      'status',
      'print the state and whether its processes and namespaces are there',
      (y) => y,
      // async: a throw becomes a rejection that .fail reports (a sync throw would escape parseAsync).
      async (argv) => {
        const cluster = attach(where(argv));
        print({ ...(summary(cluster.statePath, cluster.state) as object), running: cluster.status() });
      },
    )
    .command(
      'start-agent <node>',
      'start the agent in a node namespace: `start-agent node1 -- CMD ARGS…` (default: the last command on that node, else packages/lbnodeagent/dist/cli.js)',
      (y) =>
        y
          .positional('node', { type: 'string', demandOption: true })
          .option('env', { type: 'string', array: true, describe: 'extra environment NAME=VALUE (repeatable)' }),
      async (argv) => {
        const cluster = attach(where(argv));
        const cmd = afterDashes(argv);
        const env = parseEnv(argv.env);
        let handle;
        if (cmd.length > 0) handle = cluster.startAgent(argv.node, cmd[0]!, cmd.slice(1), env);
        else if (cluster.node(argv.node).lastAgent) handle = cluster.restartAgent(argv.node);
        else if (existsSync(DEFAULT_AGENT)) handle = cluster.startAgent(argv.node, process.execPath, [DEFAULT_AGENT], env);
        else throw new Error(`no agent command: pass one after --, e.g. start-agent ${argv.node} -- node path/to/agent.js (${DEFAULT_AGENT} is not built)`);
        print({ node: handle.node, pid: handle.pid, log: handle.log });
      },
    )
    .command(
      'kill-agent <node>',
      'signal the agent of a node and wait for it to exit',
      (y) =>
        y
          .positional('node', { type: 'string', demandOption: true })
          .option('signal', { type: 'string', choices: ['TERM', 'KILL', 'INT', 'HUP'], default: 'TERM' })
          .option('timeout-ms', { type: 'number', default: 10000, describe: 'how long to wait for the exit' }),
      async (argv) => {
        const result = await attach(where(argv)).killAgent(argv.node, argv.signal, { timeoutMs: argv['timeout-ms'] });
        print({ node: argv.node, ...result });
        if (!result.exited) process.exitCode = 1;
      },
    )
    .command(
      'exec <target>',
      'run a command in a node (node1…) or role (lan, router, cp, client) namespace: `exec node1 -- ip addr`',
      (y) => y.positional('target', { type: 'string', demandOption: true }),
      async (argv) => {
        const cmd = afterDashes(argv);
        if (cmd.length === 0) throw new Error('name a command after --');
        const ns = attach(where(argv)).namespaceOf(argv.target);
        const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'inherit' });
        process.exitCode = await new Promise<number>((res) => child.on('close', (code, signal) => res(code ?? (signal ? 128 : 1))));
      },
    )
    .demandCommand(1, 'name a command: up, down, status, start-agent, kill-agent, exec')
    .strict()
    .help() as unknown as Argv<Common>;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildCli(hideBin(process.argv))
    .fail((msg, err) => {
      process.stderr.write(`purelb-e2e: ${err ? err.message : msg}\n`);
      process.exit(1);
    })
    .parseAsync()
    .catch((err: unknown) => {
      process.stderr.write(`purelb-e2e: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
