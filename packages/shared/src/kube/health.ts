// Metrics and health HTTP server: a prom-client registry per process, `/metrics`, `/healthz`
// (the process is alive) and `/readyz` (pluggable checks: caches synced, component ready), answered
// in the style of kube-apiserver (`[+]name ok` lines with `?verbose`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.js';

export { Registry } from 'prom-client';

export interface MetricsRegistryOptions {
  /** Added as label `component` to every metric. */
  component?: string;
  /** Node.js process metrics (CPU, memory, event loop lag); default true. */
  defaultMetrics?: boolean;
}

/** A fresh registry (not prom-client's global one), with process metrics unless disabled. */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.component) registry.setDefaultLabels({ component: options.component });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

function metricOf<M extends Metric>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/**
 * Work-queue metric hooks backed by prom-client: `purelb_workqueue_depth`, `_adds_total`,
 * `_retries_total`, `_queue_duration_seconds` and `purelb_reconcile_duration_seconds{outcome}`, each
 * labelled with the queue's `name`. Several queues can share one registry.
 */
export function workQueuePrometheusMetrics(registry: Registry, queue: string): WorkQueueMetrics {
  const registers = [registry];
  const depth = metricOf(registry, 'purelb_workqueue_depth', () => new Gauge({ name: 'purelb_workqueue_depth', help: 'Keys waiting in the work queue.', labelNames: ['name'], registers }));
  const adds = metricOf(registry, 'purelb_workqueue_adds_total', () => new Counter({ name: 'purelb_workqueue_adds_total', help: 'Keys added to the work queue.', labelNames: ['name'], registers }));
  const retries = metricOf(registry, 'purelb_workqueue_retries_total', () => new Counter({ name: 'purelb_workqueue_retries_total', help: 'Keys requeued with backoff.', labelNames: ['name'], registers }));
  const latency = metricOf(
    registry,
    'purelb_workqueue_queue_duration_seconds',
    () => new Histogram({ name: 'purelb_workqueue_queue_duration_seconds', help: 'Time keys waited in the queue.', labelNames: ['name'], buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30], registers }),
  );
  const duration = metricOf(
    registry,
    'purelb_reconcile_duration_seconds',
    () =>
      new Histogram({
        name: 'purelb_reconcile_duration_seconds',
        help: 'Duration of reconciles by outcome.',
        labelNames: ['name', 'outcome'],
        buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
        registers,
      }),
  );
  return {
    depth: (n) => depth.set({ name: queue }, n),
    add: () => adds.inc({ name: queue }),
    retry: () => retries.inc({ name: queue }),
    queueLatency: (s) => latency.observe({ name: queue }, s),
    reconcileDuration: (s, outcome) => duration.observe({ name: queue, outcome }, s),
  };
}

/** A readiness or liveness check: true (or resolving true) when fine; false, a string reason or a throw when not. */
export type HealthCheck = () => boolean | string | Promise<boolean | string>;

export interface HealthServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Listen address; default `0.0.0.0`. */
  host?: string;
  registry?: Registry;
  /** Checks of `/readyz`. */
  readiness?: Record<string, HealthCheck>;
  /** Checks of `/healthz` (default none: answering at all means alive). */
  liveness?: Record<string, HealthCheck>;
  /** A check taking longer than this fails; default 2 000 ms. */
  checkTimeoutMs?: number;
  logger?: Logger;
}

/** A readiness check that passes once every informer has synced. */
export function informersSynced(...informers: { hasSynced(): boolean }[]): HealthCheck {
  return () => informers.every((i) => i.hasSynced()) || 'caches not synced';
}

export class HealthServer {
  private readonly server: http.Server;
  private readonly readiness = new Map<string, HealthCheck>();
  private readonly liveness = new Map<string, HealthCheck>();
  readonly registry: Registry;
  private boundPort = 0;

  constructor(private readonly options: HealthServerOptions) {
    this.registry = options.registry ?? createMetricsRegistry();
    for (const [name, check] of Object.entries(options.readiness ?? {})) this.readiness.set(name, check);
    for (const [name, check] of Object.entries(options.liveness ?? {})) this.liveness.set(name, check);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        options.logger?.error({ err: (err as Error).message }, 'health server request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this.boundPort;
  }

  get port(): number {
    return this.boundPort;
  }

  addReadinessCheck(name: string, check: HealthCheck): void {
    this.readiness.set(name, check);
  }

  removeReadinessCheck(name: string): void {
    this.readiness.delete(name);
  }

  addLivenessCheck(name: string, check: HealthCheck): void {
    this.liveness.set(name, check);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    switch (url.pathname) {
      case '/metrics': {
        const body = await this.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      case '/healthz':
      case '/livez':
        await this.answerChecks(res, this.liveness, url, req.method === 'HEAD', 'healthz');
        return;
      case '/readyz':
        await this.answerChecks(res, this.readiness, url, req.method === 'HEAD', 'readyz');
        return;
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('404 page not found\n');
    }
  }

  private async answerChecks(res: http.ServerResponse, checks: Map<string, HealthCheck>, url: URL, head: boolean, what: string): Promise<void> {
    const excluded = new Set(url.searchParams.getAll('exclude'));
    const results = await Promise.all(
      [...checks].filter(([name]) => !excluded.has(name)).map(async ([name, check]) => ({ name, error: await this.runCheck(check) })),
    );
    const failed = results.filter((r) => r.error !== undefined);
    const verbose = url.searchParams.has('verbose') || failed.length > 0;
    const lines = results.map((r) => (r.error === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.error}`));
    const body = failed.length > 0 ? `${lines.join('\n')}\n${what} check failed\n` : verbose ? `${lines.join('\n')}${lines.length ? '\n' : ''}${what} check passed\n` : 'ok';
    if (failed.length > 0) this.options.logger?.debug({ failed: failed.map((f) => f.name) }, `${what} check failed`);
    res.writeHead(failed.length > 0 ? 503 : 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(head ? undefined : body);
  }

  /** undefined when the check passes, else why not. */
  private async runCheck(check: HealthCheck): Promise<string | undefined> {
    const timeoutMs = this.options.checkTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve().then(check),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
        }),
      ]);
      if (result === true) return undefined;
      return result === false ? 'not ready' : result;
    } catch (err) {
      return (err as Error)?.message ?? String(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Creates and starts a health server. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = new HealthServer(options);
  await server.listen();
  return server;
}
