import { Writable } from 'node:stream';
import { describe, it, expect } from '@jest/globals';
import { LogConfigError, createLogger, resolveLogLevel, withService, type LoggerOptions } from '../src/index.js';

/** A destination stream that keeps what was written (pino-pretty needs a real stream). */
function capture() {
  const chunks: string[] = [];
  return {
    destination: new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        chunks.push(chunk.toString());
        callback();
      },
    }),
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function logWith(options: Omit<LoggerOptions, 'destination'>) {
  const out = capture();
  const logger = createLogger({ env: {}, ...options, destination: out.destination });
  return { logger, out };
}

describe('createLogger', () => {
  it('writes JSON lines with component, level label, ISO time and message', () => {
    const { logger, out } = logWith({ component: 'allocator' });
    logger.info({ pool: 'default' }, 'assigned');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', component: 'allocator', pool: 'default', msg: 'assigned' });
    expect(typeof line!.time).toBe('string');
    expect(Number.isNaN(Date.parse(line!.time as string))).toBe(false);
    expect(line).not.toHaveProperty('node');
    expect(line).not.toHaveProperty('pid');
  });

  it('adds node when given', () => {
    const { logger, out } = logWith({ component: 'lbnodeagent', node: 'node3' });
    logger.warn('no interface');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 'warn', component: 'lbnodeagent', node: 'node3', msg: 'no interface' })]);
  });

  it('gives child loggers a service field as namespace/name', () => {
    const { logger, out } = logWith({ component: 'allocator' });
    withService(logger, { namespace: 'team-a', name: 'web' }).info('allocated');
    withService(logger, 'kube-system/dns').info('allocated');
    withService(logger, { name: 'cluster-scoped' }).info('allocated');
    expect(out.lines().map((l) => [l.component, l.service])).toEqual([
      ['allocator', 'team-a/web'],
      ['allocator', 'kube-system/dns'],
      ['allocator', 'cluster-scoped'],
    ]);
  });

  it('logs errors with their message and stack', () => {
    const { logger, out } = logWith({ component: 'allocator' });
    logger.error({ err: new Error('boom') }, 'reconcile failed');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'error', msg: 'reconcile failed', err: { message: 'boom', type: 'Error' } });
    expect((line!.err as { stack: string }).stack).toContain('boom');
  });

  it('defaults to info', () => {
    const { logger, out } = logWith({ component: 'c' });
    logger.debug('hidden');
    logger.info('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
    expect(logger.level).toBe('info');
  });

  it('takes the level from PURELB_LOG_LEVEL', () => {
    const { logger, out } = logWith({ component: 'c', env: { PURELB_LOG_LEVEL: 'debug' } });
    logger.trace('hidden');
    logger.debug('shown');
    expect(out.lines().map((l) => [l.level, l.msg])).toEqual([['debug', 'shown']]);
  });

  it('prefers the level argument over the environment', () => {
    const { logger, out } = logWith({ component: 'c', level: 'error', env: { PURELB_LOG_LEVEL: 'debug' } });
    logger.warn('hidden');
    logger.error('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('is silent at level silent', () => {
    const { logger, out } = logWith({ component: 'c', level: 'silent' });
    logger.fatal('hidden');
    expect(out.text()).toBe('');
  });

  it('rejects an unknown level, naming where it came from', () => {
    expect(() => createLogger({ component: 'c', env: { PURELB_LOG_LEVEL: 'verbose' } })).toThrow(
      'PURELB_LOG_LEVEL: "verbose" is not a log level (one of fatal, error, warn, info, debug, trace, silent)',
    );
    expect(() => createLogger({ component: 'c', level: 'loud', env: {} })).toThrow(LogConfigError);
    expect(() => createLogger({ component: 'c', level: 'loud', env: {} })).toThrow(/^"loud" is not a log level/);
  });

  it('rejects an unknown format', () => {
    expect(() => createLogger({ component: 'c', env: { PURELB_LOG_FORMAT: 'xml' } })).toThrow(
      'PURELB_LOG_FORMAT: "xml" is not a log format (one of json, pretty, auto)',
    );
  });

  it('writes JSON when the format is json or auto away from a terminal', () => {
    for (const format of ['json', 'auto']) {
      const { logger, out } = logWith({ component: 'c', env: { PURELB_LOG_FORMAT: format } });
      logger.info('hello');
      expect(out.lines()).toEqual([expect.objectContaining({ msg: 'hello', level: 'info' })]);
    }
  });

  it.each<[string, Omit<LoggerOptions, 'destination'>]>([
    ['pretty: true', { component: 'allocator', pretty: true }],
    ['PURELB_LOG_FORMAT=pretty', { component: 'allocator', env: { PURELB_LOG_FORMAT: 'pretty' } }],
  ])('writes human-readable lines when asked with %s', (_how, options) => {
    const { logger, out } = logWith(options);
    withService(logger, 'team-a/web').info('assigned 192.0.2.10');
    const text = out.text();
    expect(text).toContain('INFO');
    expect(text).toContain('assigned 192.0.2.10');
    expect(text).toContain('component: "allocator"');
    expect(text).toContain('service: "team-a/web"');
    expect(() => JSON.parse(text.trim())).toThrow();
  });

  it('pretty: false wins over PURELB_LOG_FORMAT=pretty', () => {
    const { logger, out } = logWith({ component: 'c', pretty: false, env: { PURELB_LOG_FORMAT: 'pretty' } });
    logger.info('hello');
    expect(out.lines()).toEqual([expect.objectContaining({ msg: 'hello' })]);
  });
});

describe('resolveLogLevel', () => {
  it.each<[string | undefined, Record<string, string>, string]>([
    [undefined, {}, 'info'],
    [undefined, { PURELB_LOG_LEVEL: '' }, 'info'],
    [undefined, { PURELB_LOG_LEVEL: 'WARN' }, 'warn'],
    ['trace', { PURELB_LOG_LEVEL: 'warn' }, 'trace'],
    [' Debug ', {}, 'debug'],
  ])('%j with %j → %s', (level, env, expected) => {
    expect(resolveLogLevel(level, env)).toBe(expected);
  });
});
