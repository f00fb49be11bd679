import { describe, it, expect } from '@jest/globals';
import {
  ConfigExit,
  USAGE_EXIT_CODE,
  defineConfig,
  envName,
  flagName,
  formatDuration,
  parseDuration,
  safeParseCidr,
  type ConfigOutcome,
} from '../src/index.js';

const allocator = defineConfig({
  name: 'allocator',
  description: 'Assigns addresses to LoadBalancer Services.',
  options: {
    namespace: { type: 'string', default: 'purelb', describe: 'Namespace holding the ServiceGroups' },
    kubeconfig: { type: 'string', describe: 'Path of a kubeconfig file (in-cluster config when unset)' },
    reclaimOrphans: { type: 'boolean', default: false, describe: 'Re-allocate addresses no pool holds any more' },
    metricsPort: { type: 'number', default: 7472, integer: true, min: 1, max: 65535, describe: 'Port of /metrics' },
    logLevel: { type: 'enum', choices: ['error', 'warn', 'info', 'debug'], default: 'info', describe: 'Log level' },
    leaseDuration: { type: 'duration', default: '15s', min: 1000, describe: 'Leader lease duration' },
    retryPeriod: { type: 'duration', default: 2000, describe: 'Leader retry period' },
    serviceCidr: {
      type: 'string',
      describe: 'Service CIDR',
      validate: (v) => {
        const r = safeParseCidr(v);
        return r.ok ? undefined : r.error.reason;
      },
    },
  },
});

const withRequired = defineConfig({
  name: 'lbnodeagent',
  options: {
    nodeName: { type: 'string', required: true, describe: 'Name of this node' },
    mode: { type: 'enum', choices: ['leases', 'redis'], describe: 'Membership backend' },
  },
});

function run(argv: string[], env: Record<string, string> = {}) {
  return allocator.run(argv, env);
}

function values(argv: string[], env: Record<string, string> = {}) {
  const outcome = run(argv, env);
  if (outcome.kind !== 'values') throw new Error(`expected values, got exit ${outcome.code}: ${outcome.stderr}`);
  return outcome.values;
}

interface Runnable {
  run(argv: readonly string[], env: Record<string, string>): ConfigOutcome<unknown>;
}

function errors(argv: string[], env: Record<string, string> = {}, config: Runnable = allocator) {
  const outcome = config.run(argv, env);
  if (outcome.kind !== 'exit') throw new Error('expected an exit');
  expect(outcome.code).toBe(USAGE_EXIT_CODE);
  expect(outcome.stdout).toBe('');
  return outcome.stderr;
}

describe('names', () => {
  it.each([
    ['namespace', '--namespace', 'PURELB_NAMESPACE'],
    ['leaseDuration', '--lease-duration', 'PURELB_LEASE_DURATION'],
    ['lbClassOnly', '--lb-class-only', 'PURELB_LB_CLASS_ONLY'],
    ['redisUrl2', '--redis-url2', 'PURELB_REDIS_URL2'],
  ])('%s → %s / %s', (key, flag, env) => {
    expect(`--${flagName(key)}`).toBe(flag);
    expect(envName(key)).toBe(env);
  });
});

describe('defaults', () => {
  it('fills every option with its default, and leaves the rest undefined', () => {
    expect(values([])).toEqual({
      namespace: 'purelb',
      kubeconfig: undefined,
      reclaimOrphans: false,
      metricsPort: 7472,
      logLevel: 'info',
      leaseDuration: 15000,
      retryPeriod: 2000,
      serviceCidr: undefined,
    });
  });

  it('has typed values', () => {
    const v = values([]);
    const port: number = v.metricsPort;
    const level: 'error' | 'warn' | 'info' | 'debug' = v.logLevel;
    const kubeconfig: string | undefined = v.kubeconfig;
    const reclaim: boolean = v.reclaimOrphans;
    expect([port, level, kubeconfig, reclaim]).toEqual([7472, 'info', undefined, false]);
  });

  it('refuses a definition whose default is invalid', () => {
    expect(() =>
      defineConfig({ name: 'x', options: { resync: { type: 'duration', default: 'soon', describe: 'd' } } }),
    ).toThrow('default of --resync: "soon" is not a duration (e.g. 15s, 500ms, 1m30s)');
    expect(() => defineConfig({ name: 'x', options: { lb_class: { type: 'string', describe: 'd' } } })).toThrow('camelCase');
  });
});

describe('flags', () => {
  it('reads every type from flags', () => {
    expect(
      values([
        '--namespace', 'lb-system',
        '--kubeconfig=/tmp/kc',
        '--reclaim-orphans',
        '--metrics-port', '9000',
        '--log-level', 'debug',
        '--lease-duration', '1m30s',
        '--retry-period=500ms',
        '--service-cidr', '10.96.0.0/12',
      ]),
    ).toEqual({
      namespace: 'lb-system',
      kubeconfig: '/tmp/kc',
      reclaimOrphans: true,
      metricsPort: 9000,
      logLevel: 'debug',
      leaseDuration: 90000,
      retryPeriod: 500,
      serviceCidr: '10.96.0.0/12',
    });
  });

  it.each<[string[], boolean]>([
    [['--reclaim-orphans'], true],
    [['--reclaim-orphans=true'], true],
    [['--reclaim-orphans', 'true'], true],
    [['--reclaim-orphans=false'], false],
    [['--reclaim-orphans', 'false'], false],
    [['--no-reclaim-orphans'], false],
  ])('boolean %j → %s', (argv, expected) => {
    expect(values(argv, { PURELB_RECLAIM_ORPHANS: expected ? 'false' : 'true' }).reclaimOrphans).toBe(expected);
  });

  it('takes the last of repeated flags', () => {
    expect(values(['--namespace', 'a', '--namespace', 'b']).namespace).toBe('b');
  });

  it('keeps numeric-looking strings as text', () => {
    expect(values(['--namespace', '0012']).namespace).toBe('0012');
  });
});

describe('environment', () => {
  it('reads every type from PURELB_* variables', () => {
    expect(
      values([], {
        PURELB_NAMESPACE: 'lb-system',
        PURELB_KUBECONFIG: '/tmp/kc',
        PURELB_RECLAIM_ORPHANS: 'yes',
        PURELB_METRICS_PORT: '9000',
        PURELB_LOG_LEVEL: 'warn',
        PURELB_LEASE_DURATION: '2m',
        PURELB_RETRY_PERIOD: '1.5s',
        PURELB_SERVICE_CIDR: 'fd00::/108',
      }),
    ).toEqual({
      namespace: 'lb-system',
      kubeconfig: '/tmp/kc',
      reclaimOrphans: true,
      metricsPort: 9000,
      logLevel: 'warn',
      leaseDuration: 120000,
      retryPeriod: 1500,
      serviceCidr: 'fd00::/108',
    });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['Off', false],
  ])('boolean env %j → %s', (text, expected) => {
    expect(values([], { PURELB_RECLAIM_ORPHANS: text }).reclaimOrphans).toBe(expected);
  });

  it('treats an empty variable as unset', () => {
    expect(values([], { PURELB_NAMESPACE: '', PURELB_METRICS_PORT: '' })).toMatchObject({ namespace: 'purelb', metricsPort: 7472 });
  });

  it('ignores variables without the prefix', () => {
    expect(values([], { NAMESPACE: 'other', namespace: 'other' }).namespace).toBe('purelb');
  });
});

describe('precedence', () => {
  it('flag over env over default', () => {
    const env = { PURELB_NAMESPACE: 'from-env', PURELB_METRICS_PORT: '8000', PURELB_LEASE_DURATION: '30s' };
    expect(values(['--namespace', 'from-flag'], env)).toMatchObject({
      namespace: 'from-flag',
      metricsPort: 8000,
      leaseDuration: 30000,
    });
    expect(values([], {})).toMatchObject({ namespace: 'purelb', metricsPort: 7472 });
  });

  it('does not validate an env value that a flag overrides', () => {
    expect(values(['--metrics-port', '9000'], { PURELB_METRICS_PORT: 'abc' }).metricsPort).toBe(9000);
  });
});

describe('errors', () => {
  it.each<[string[], Record<string, string>, string]>([
    [['--lease-duration', 'abc'], {}, 'allocator: --lease-duration: "abc" is not a duration (e.g. 15s, 500ms, 1m30s)'],
    [['--lease-duration', '15'], {}, 'allocator: --lease-duration: "15" is not a duration (e.g. 15s, 500ms, 1m30s)'],
    [['--lease-duration', '500ms'], {}, 'allocator: --lease-duration: "500ms" is shorter than the minimum 1s'],
    [[], { PURELB_LEASE_DURATION: 'soon' }, 'allocator: PURELB_LEASE_DURATION (--lease-duration): "soon" is not a duration (e.g. 15s, 500ms, 1m30s)'],
    [['--metrics-port', 'abc'], {}, 'allocator: --metrics-port: "abc" is not a number'],
    [['--metrics-port', '0x10'], {}, 'allocator: --metrics-port: "0x10" is not a number'],
    [['--metrics-port', '80.5'], {}, 'allocator: --metrics-port: "80.5" is not an integer'],
    [['--metrics-port', '0'], {}, 'allocator: --metrics-port: "0" is below the minimum 1'],
    [['--metrics-port', '70000'], {}, 'allocator: --metrics-port: "70000" is above the maximum 65535'],
    [['--log-level', 'verbose'], {}, 'allocator: --log-level: "verbose" is not one of error, warn, info, debug'],
    [['--reclaim-orphans=maybe'], {}, 'allocator: --reclaim-orphans: "maybe" is not a boolean (true or false)'],
    [[], { PURELB_RECLAIM_ORPHANS: 'maybe' }, 'allocator: PURELB_RECLAIM_ORPHANS (--reclaim-orphans): "maybe" is not a boolean (true or false)'],
    [['--service-cidr', '10.0.0.0/33'], {}, 'allocator: --service-cidr: "10.0.0.0/33": prefix 33 is out of range for IPv4'],
    [['--bogus'], {}, 'allocator: Unknown argument: bogus'],
    [['stray'], {}, 'allocator: Unknown argument: stray'],
    [['--', 'stray'], {}, 'allocator: unexpected argument "stray"'],
    [['--namespace'], {}, 'allocator: Not enough arguments following: namespace'],
  ])('%j %j', (argv, env, message) => {
    const stderr = errors(argv, env);
    expect(stderr).toBe(`${message}\nRun "allocator --help" to see every option.\n`);
  });

  it('reports every problem at once', () => {
    const stderr = errors(['--metrics-port', 'x'], { PURELB_LEASE_DURATION: 'y' });
    expect(stderr.split('\n').filter((l) => l.startsWith('allocator: '))).toEqual([
      'allocator: --metrics-port: "x" is not a number',
      'allocator: PURELB_LEASE_DURATION (--lease-duration): "y" is not a duration (e.g. 15s, 500ms, 1m30s)',
    ]);
  });

  it('requires required options from flag or env', () => {
    expect(errors([], {}, withRequired)).toContain('lbnodeagent: --node-name is required (or set PURELB_NODE_NAME)');
    expect(withRequired.run([], { PURELB_NODE_NAME: 'node1' })).toEqual({ kind: 'values', values: { nodeName: 'node1', mode: undefined } });
    expect(withRequired.run(['--node-name', 'node2', '--mode', 'redis'], {})).toEqual({
      kind: 'values',
      values: { nodeName: 'node2', mode: 'redis' },
    });
  });
});

describe('--help', () => {
  it('lists every flag with its env name, type and default', () => {
    const outcome = run(['--help']);
    expect(outcome.kind).toBe('exit');
    if (outcome.kind !== 'exit') return;
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toBe('');
    const help = outcome.stdout;
    expect(help).toContain('allocator [options]');
    expect(help).toContain('Assigns addresses to LoadBalancer Services.');
    for (const key of Object.keys(allocator.definition.options)) {
      const line = help.split('\n').find((l) => l.trimStart().startsWith(`--${flagName(key)} `));
      expect(line).toBeDefined();
      expect(line).toContain(`[env: ${envName(key)}]`);
    }
    const line = (flag: string) => help.split('\n').find((l) => l.trimStart().startsWith(`${flag} `)) ?? '';
    expect(line('--lease-duration')).toContain('[duration]');
    expect(line('--lease-duration')).toContain('[default: 15s]');
    expect(line('--retry-period')).toContain('[default: 2s]');
    expect(line('--metrics-port')).toContain('[number]');
    expect(line('--log-level')).toContain('[choices: error, warn, info, debug]');
    expect(line('--reclaim-orphans')).toContain('[boolean]');
    expect(line('--namespace')).toContain('[default: purelb]');
    expect(allocator.help()).toBe(help);
  });

  it('marks required options', () => {
    expect(withRequired.help()).toMatch(/--node-name .*\[env: PURELB_NODE_NAME\] \[required\]/);
  });

  it('answers -h and ignores invalid env values', () => {
    const outcome = run(['-h'], { PURELB_METRICS_PORT: 'abc' });
    expect(outcome).toMatchObject({ kind: 'exit', code: 0 });
  });
});

describe('parse', () => {
  function io() {
    const out = { stdout: '', stderr: '', exits: [] as number[] };
    return {
      out,
      io: {
        stdout: (t: string) => void (out.stdout += t),
        stderr: (t: string) => void (out.stderr += t),
        exit: (code: number) => void out.exits.push(code),
      },
    };
  }

  it('returns the values', () => {
    const { out, io: sink } = io();
    expect(allocator.parse(['--namespace', 'x'], {}, sink).namespace).toBe('x');
    expect(out).toEqual({ stdout: '', stderr: '', exits: [] });
  });

  it('exits 2 with the message on stderr for invalid input', () => {
    const { out, io: sink } = io();
    expect(() => allocator.parse(['--lease-duration', 'abc'], {}, sink)).toThrow(ConfigExit);
    expect(out.exits).toEqual([2]);
    expect(out.stderr).toContain('--lease-duration: "abc" is not a duration');
    expect(out.stdout).toBe('');
  });

  it('exits 0 with the help on stdout for --help', () => {
    const { out, io: sink } = io();
    expect(() => allocator.parse(['--help'], {}, sink)).toThrow(new ConfigExit(0));
    expect(out.exits).toEqual([0]);
    expect(out.stdout).toContain('[env: PURELB_LEASE_DURATION]');
    expect(out.stderr).toBe('');
  });
});

describe('durations', () => {
  it.each<[string, number | undefined]>([
    ['0', 0],
    ['500ms', 500],
    ['15s', 15000],
    ['1m30s', 90000],
    ['1.5h', 5400000],
    ['2h45m', 9900000],
    ['1s500ms', 1500],
    ['15', undefined],
    ['abc', undefined],
    ['', undefined],
    ['-5s', undefined],
    ['5 s', undefined],
    ['5d', undefined],
    ['s', undefined],
  ])('%j → %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each<[number, string]>([
    [0, '0s'],
    [500, '500ms'],
    [15000, '15s'],
    [90000, '1m30s'],
    [3600000, '1h'],
    [3723004, '1h2m3s4ms'],
  ])('%d ms → %s and back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
