import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `auto` is pretty when writing to a terminal, JSON otherwise. */
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LOG_LEVEL_ENV = 'PURELB_LOG_LEVEL';
export const LOG_FORMAT_ENV = 'PURELB_LOG_FORMAT';

export interface LoggerOptions {
  /** Goes into every line as `component`, e.g. `allocator`, `lbnodeagent`. */
  component: string;
  /** Wins over PURELB_LOG_LEVEL; default `info`. */
  level?: string;
  /** true/false win over PURELB_LOG_FORMAT; default JSON. */
  pretty?: boolean;
  /** Goes into every line as `node` (the node agent's node name). */
  node?: string;
  /** Where lines go; default standard output. */
  destination?: DestinationStream;
  /** Where PURELB_LOG_* are read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export class LogConfigError extends Error {
  override readonly name = 'LogConfigError';
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/** The level in force: the argument, else PURELB_LOG_LEVEL, else `info`. Throws LogConfigError naming the source. */
export function resolveLogLevel(level: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  const fromEnv = env[LOG_LEVEL_ENV];
  const fromArgument = level !== undefined;
  const value = fromArgument ? level : fromEnv || 'info';
  const normalised = value.trim().toLowerCase();
  if (!isOneOf(LOG_LEVELS, normalised)) {
    const source = fromArgument ? '' : `${LOG_LEVEL_ENV}: `;
    throw new LogConfigError(`${source}"${value}" is not a log level (one of ${LOG_LEVELS.join(', ')})`);
  }
  return normalised;
}

function resolvePretty(options: LoggerOptions, env: Readonly<Record<string, string | undefined>>): boolean {
  if (options.pretty !== undefined) return options.pretty;
  const value = env[LOG_FORMAT_ENV];
  if (value === undefined || value === '') return false;
  const normalised = value.trim().toLowerCase();
  if (!isOneOf(LOG_FORMATS, normalised)) {
    throw new LogConfigError(`${LOG_FORMAT_ENV}: "${value}" is not a log format (one of ${LOG_FORMATS.join(', ')})`);
  }
  if (normalised === 'auto') return options.destination === undefined && process.stdout.isTTY === true;
  return normalised === 'pretty';
}

type PrettyFactory = (options: Record<string, unknown>) => DestinationStream;

// pino-pretty is an optional dependency (production images can leave it out), so it is loaded only
// when pretty output is asked for, synchronously so that createLogger stays synchronous.
function loadPretty(): PrettyFactory | undefined {
  try {
    const mod = createRequire(import.meta.url)('pino-pretty') as PrettyFactory & { default?: PrettyFactory };
    return mod.default ?? mod;
  } catch {
    return undefined;
  }
}

/**
 * The one logger factory of the product: JSON lines (level as a label, ISO time, `component`, `node`
 * when given) on standard output, or pino-pretty's human format when asked. Throws LogConfigError for
 * an unknown level or format.
 */
export function createLogger(options: LoggerOptions): Logger {
  const env = options.env ?? process.env;
  const level = resolveLogLevel(options.level, env);
  const pretty = resolvePretty(options, env);
  const base: Record<string, string> = { component: options.component };
  if (options.node !== undefined) base.node = options.node;
  const common = { level, base, timestamp: pino.stdTimeFunctions.isoTime };

  if (pretty) {
    const factory = loadPretty();
    if (factory) {
      const stream = factory({
        destination: options.destination ?? 1,
        colorize: options.destination === undefined && process.stdout.isTTY === true,
        sync: true,
      });
      return pino(common, stream);
    }
  }
  const logger = pino(
    { ...common, formatters: { level: (label: string) => ({ level: label }) } },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  if (pretty) logger.warn('pretty logging was asked for but pino-pretty is not installed; logging JSON');
  return logger;
}

export interface ServiceRef {
  namespace?: string;
  name: string;
}

/** A child logger whose lines carry `service: "namespace/name"`. */
export function withService(logger: Logger, service: ServiceRef | string): Logger {
  const key = typeof service === 'string' ? service : service.namespace ? `${service.namespace}/${service.name}` : service.name;
  return logger.child({ service: key });
}
