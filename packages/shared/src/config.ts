import yargs from 'yargs';

/**
 * Component configuration: every option is a `--kebab-case` flag and a `PURELB_UPPER_SNAKE` env
 * variable (flag wins over env, env over default), both listed in `--help`. Values are converted and
 * validated here rather than by yargs so that every error names the flag (or env variable) and the
 * offending text, and so that several errors are reported at once.
 */

interface CommonSpec {
  describe: string;
  /** A missing value is an error (rather than `undefined`). Pointless with a default. */
  required?: boolean;
}

export interface StringSpec extends CommonSpec {
  type: 'string';
  default?: string;
  /** Returns a reason when the value is unacceptable, e.g. `not a CIDR prefix`. */
  validate?: (value: string) => string | undefined;
}

export interface NumberSpec extends CommonSpec {
  type: 'number';
  default?: number;
  integer?: boolean;
  min?: number;
  max?: number;
}

export interface BooleanSpec extends CommonSpec {
  type: 'boolean';
  default?: boolean;
}

export interface EnumSpec<C extends string = string> extends CommonSpec {
  type: 'enum';
  choices: readonly C[];
  default?: C;
}

/** A duration like `15s`, `500ms`, `1m30s`, `1.5h`; the value is in milliseconds. */
export interface DurationSpec extends CommonSpec {
  type: 'duration';
  /** A duration text (`15s`) or milliseconds. */
  default?: string | number;
  /** Milliseconds. */
  min?: number;
}

export type OptionSpec = StringSpec | NumberSpec | BooleanSpec | EnumSpec | DurationSpec;

type BaseValue<S> = S extends { type: 'string' }
  ? string
  : S extends { type: 'number' }
    ? number
    : S extends { type: 'boolean' }
      ? boolean
      : S extends { type: 'enum'; choices: readonly (infer C)[] }
        ? C
        : S extends { type: 'duration' }
          ? number
          : never;

type OptionValue<S> = S extends { default: unknown } | { required: true } ? BaseValue<S> : BaseValue<S> | undefined;

export type ConfigValues<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: OptionValue<O[K]> };

export interface ConfigDefinition<O extends Record<string, OptionSpec>> {
  /** Program name, shown in usage and error lines, e.g. `allocator`. */
  name: string;
  description?: string;
  /** Keys are camelCase; `leaseDuration` becomes `--lease-duration` and `PURELB_LEASE_DURATION`. */
  options: O;
}

export interface ConfigIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Must not return in production; tests may inject one that throws. */
  exit: (code: number) => void;
}

export type ConfigOutcome<V> =
  | { kind: 'values'; values: V }
  /** `--help` (code 0, text on stdout) or invalid input (code 2, text on stderr). */
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

type Env = Readonly<Record<string, string | undefined>>;

export const ENV_PREFIX = 'PURELB_';
/** Exit code for invalid flags or env variables, as for other command-line usage errors. */
export const USAGE_EXIT_CODE = 2;

/** Thrown by `parse` if an injected `exit` returns, so invalid configuration is never returned. */
export class ConfigExit extends Error {
  override readonly name = 'ConfigExit';
  constructor(readonly code: number) {
    super(`configuration parsing ended with exit code ${code}`);
  }
}

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function envName(key: string): string {
  return ENV_PREFIX + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds of a Go-style duration (`15s`, `500ms`, `1m30s`, `1.5h`, `0`), or undefined. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) ms += Number(amount) * DURATION_UNITS[unit as string]!;
  return ms;
}

/** The shortest exact text for a number of milliseconds, e.g. 90000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return out;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const ENV_TRUE = new Set(['true', '1', 'yes', 'on']);
const ENV_FALSE = new Set(['false', '0', 'no', 'off']);

type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

function convert(spec: OptionSpec, raw: string | boolean): Converted {
  const shown = JSON.stringify(raw);
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const v = raw.trim().toLowerCase();
      if (ENV_TRUE.has(v)) return { ok: true, value: true };
      if (ENV_FALSE.has(v)) return { ok: true, value: false };
      return { ok: false, reason: `${shown} is not a boolean (true or false)` };
    }
    case 'string': {
      const value = String(raw);
      const problem = spec.validate?.(value);
      return problem === undefined ? { ok: true, value } : { ok: false, reason: `${shown}: ${problem}` };
    }
    case 'number': {
      const text = String(raw).trim();
      if (!NUMBER.test(text)) return { ok: false, reason: `${shown} is not a number` };
      const value = Number(text);
      if (spec.integer && !Number.isInteger(value)) return { ok: false, reason: `${shown} is not an integer` };
      if (spec.min !== undefined && value < spec.min) return { ok: false, reason: `${shown} is below the minimum ${spec.min}` };
      if (spec.max !== undefined && value > spec.max) return { ok: false, reason: `${shown} is above the maximum ${spec.max}` };
      return { ok: true, value };
    }
    case 'enum': {
      const value = String(raw);
      if (spec.choices.includes(value)) return { ok: true, value };
      return { ok: false, reason: `${shown} is not one of ${spec.choices.join(', ')}` };
    }
    case 'duration': {
      const value = typeof raw === 'string' ? parseDuration(raw.trim()) : undefined;
      if (value === undefined) return { ok: false, reason: `${shown} is not a duration (e.g. 15s, 500ms, 1m30s)` };
      if (spec.min !== undefined && value < spec.min) {
        return { ok: false, reason: `${shown} is shorter than the minimum ${formatDuration(spec.min)}` };
      }
      return { ok: true, value };
    }
  }
}

function defaultValue(key: string, spec: OptionSpec): unknown {
  if (spec.default === undefined) return undefined;
  if (spec.type === 'duration' && typeof spec.default === 'number') return spec.default;
  const c = convert(spec, typeof spec.default === 'number' ? String(spec.default) : spec.default);
  // A bad default is a programming error, caught when the component's definition is loaded.
  if (!c.ok) throw new TypeError(`default of --${flagName(key)}: ${c.reason}`);
  return c.value;
}

function typeHint(spec: OptionSpec): string {
  switch (spec.type) {
    case 'enum':
      return `[choices: ${spec.choices.join(', ')}]`;
    case 'boolean':
      return ''; // yargs adds [boolean] itself
    default:
      return `[${spec.type}]`;
  }
}

function defaultText(spec: OptionSpec): string | undefined {
  if (spec.default === undefined) return undefined;
  if (spec.type === 'duration' && typeof spec.default === 'number') return formatDuration(spec.default);
  return String(spec.default);
}

export class Config<O extends Record<string, OptionSpec>> {
  private readonly defaults: Record<string, unknown> = {};

  constructor(readonly definition: ConfigDefinition<O>) {
    for (const [key, spec] of Object.entries(definition.options)) {
      if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) throw new TypeError(`option key "${key}" must be camelCase`);
      if (key === 'help') throw new TypeError('option key "help" is reserved');
      this.defaults[key] = defaultValue(key, spec);
    }
  }

  private entries(): Array<[string, OptionSpec]> {
    return Object.entries(this.definition.options);
  }

  private parser() {
    const { name, description } = this.definition;
    let y = yargs()
      .scriptName(name)
      .usage(description ? `$0 [options]\n\n${description}` : '$0 [options]')
      .strict()
      .help()
      .alias('help', 'h')
      .version(false)
      .wrap(null)
      .parserConfiguration({
        'camel-case-expansion': false,
        'dot-notation': false,
        'duplicate-arguments-array': false,
        'parse-numbers': false,
        'parse-positional-numbers': false,
      });
    for (const [key, spec] of this.entries()) {
      const hint = typeHint(spec);
      const describe = `${spec.describe}${hint ? ` ${hint}` : ''} [env: ${envName(key)}]${spec.required ? ' [required]' : ''}`;
      const shownDefault = defaultText(spec);
      y = y.option(flagName(key), {
        describe,
        ...(spec.type === 'boolean' ? { type: 'boolean' as const } : { requiresArg: true }),
        ...(shownDefault !== undefined ? { defaultDescription: shownDefault } : {}),
      });
    }
    return y;
  }

  /** The `--help` text. */
  help(): string {
    const outcome = this.run(['--help'], {});
    return outcome.kind === 'exit' ? outcome.stdout : '';
  }

  /** Parses without side effects: values, or what to print and the exit code. */
  run(argv: readonly string[], env: Env = process.env): ConfigOutcome<ConfigValues<O>> {
    const { name } = this.definition;
    const fail = (messages: string[]): ConfigOutcome<ConfigValues<O>> => ({
      kind: 'exit',
      code: USAGE_EXIT_CODE,
      stdout: '',
      stderr: `${messages.map((m) => `${name}: ${m}`).join('\n')}\nRun "${name} --help" to see every option.\n`,
    });

    // yargs reads `--flag=maybe` on a boolean as false; refuse it instead of guessing.
    const problems: string[] = [];
    const booleans = new Set(this.entries().filter(([, s]) => s.type === 'boolean').map(([k]) => flagName(k)));
    for (const arg of argv) {
      if (arg === '--') break;
      const m = /^--([^=]+)=(.*)$/.exec(arg);
      if (m && booleans.has(m[1]!) && m[2] !== 'true' && m[2] !== 'false') {
        problems.push(`--${m[1]}: ${JSON.stringify(m[2])} is not a boolean (true or false)`);
      }
    }
    if (problems.length > 0) return fail(problems);

    let parsed: Record<string, unknown> = {};
    let error: string | undefined;
    let output = '';
    this.parser().parse([...argv], {}, (err: Error | undefined, args: Record<string, unknown>, out: string) => {
      parsed = args;
      error = err?.message;
      output = out;
    });
    if (error !== undefined) return fail([error]);
    if (parsed.help === true) {
      return { kind: 'exit', code: 0, stdout: `${output}\n`, stderr: '' };
    }
    const positional = parsed._ as unknown[];
    if (positional.length > 0) return fail([`unexpected argument ${JSON.stringify(String(positional[0]))}`]);

    const values: Record<string, unknown> = {};
    for (const [key, spec] of this.entries()) {
      const flag = `--${flagName(key)}`;
      const fromFlag = parsed[flagName(key)] as string | boolean | undefined;
      const fromEnv = env[envName(key)];
      let source: string;
      let raw: string | boolean;
      if (fromFlag !== undefined) {
        [source, raw] = [flag, fromFlag];
      } else if (fromEnv !== undefined && fromEnv !== '') {
        // An empty variable counts as unset: templated manifests often render `value: ""`.
        [source, raw] = [`${envName(key)} (${flag})`, fromEnv];
      } else {
        values[key] = this.defaults[key];
        if (values[key] === undefined && spec.required) problems.push(`${flag} is required (or set ${envName(key)})`);
        continue;
      }
      const c = convert(spec, raw);
      if (c.ok) values[key] = c.value;
      else problems.push(`${source}: ${c.reason}`);
    }
    if (problems.length > 0) return fail(problems);
    return { kind: 'values', values: values as ConfigValues<O> };
  }

  /**
   * Parses the command line and environment. On `--help` prints the help and exits 0; on invalid
   * input prints every problem to stderr and exits 2.
   */
  parse(argv: readonly string[] = process.argv.slice(2), env: Env = process.env, io: Partial<ConfigIO> = {}): ConfigValues<O> {
    const outcome = this.run(argv, env);
    if (outcome.kind === 'values') return outcome.values;
    const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
    const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
    if (outcome.stdout) stdout(outcome.stdout);
    if (outcome.stderr) stderr(outcome.stderr);
    (io.exit ?? ((code: number) => process.exit(code)))(outcome.code);
    throw new ConfigExit(outcome.code);
  }
}

/** Declares a component's options; `const` keeps enum choices as literal types. */
export function defineConfig<const O extends Record<string, OptionSpec>>(definition: ConfigDefinition<O>): Config<O> {
  return new Config(definition);
}
