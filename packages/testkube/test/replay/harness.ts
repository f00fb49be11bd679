// Replays the real kube-apiserver recordings (../shared/kube-api-recordings) against testkube and
// compares every response structurally. Values that differ between any two API servers (uids,
// resourceVersions, generated names, allocated IPs/ports, timestamps) are matched by shape and
// learnt as substitutions, so later requests that reuse them (paths, selectors, preconditions,
// continue tokens) are rewritten to our values, as the recording README prescribes.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { TestKube } from '../../src/index.js';

export const RECORDINGS_DIR = join(process.cwd(), '..', 'shared', 'kube-api-recordings');

export interface Exchange {
  seq: number;
  step: string;
  tMs: number;
  durationMs: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  rawQuery: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: unknown;
  watchStream?: { closedBy: 'server' | 'client'; closedAfterMs: number; eventCount: number; eventOffsetsMs: number[] };
}

export interface Difference {
  seq: number;
  step: string;
  /** JSON path inside the response (`status` for the code, `header:warning`, `body.metadata.name`). */
  path: string;
  recorded: unknown;
  actual: unknown;
}

export function loadRecording(file: string): Exchange[] {
  return readFileSync(join(RECORDINGS_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Exchange);
}

/** Keys whose values are volatile wherever they appear: matched by type and learnt as substitutions. */
const VOLATILE_KEYS = new Set([
  'uid',
  'resourceVersion',
  'continue',
  'clusterIP',
  'nodePort',
  'healthCheckNodePort',
  'storageVersionHash',
  'serverRelativeURL',
  'serverAddress',
]);
/** Time-valued keys: any value of the same type passes. */
const TIME_KEYS = new Set([
  'creationTimestamp',
  'deletionTimestamp',
  'lastTransitionTime',
  'acquireTime',
  'renewTime',
  'firstTimestamp',
  'lastTimestamp',
  'eventTime',
  'lastObservedTime',
  'lastHeartbeatTime',
  'lastProbeTime',
  'deprecatedFirstTimestamp',
  'deprecatedLastTimestamp',
  'time',
]);
/** Keys ignored entirely. */
const IGNORED_KEYS = new Set(['managedFields']);

const AGE_CELL = /^(\d+(\.\d+)?(s|m|h|d|y))+$|^<invalid>$|^<unknown>$/;

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  events?: Array<{ type: string; object: unknown }>;
}

export class Replayer {
  /** recorded value (JSON-encoded to keep types apart) → actual value */
  private readonly subst = new Map<string, unknown>();
  readonly differences: Difference[] = [];
  private readonly pending: Array<{ end: number; done: Promise<void> }> = [];
  private readonly namespaces: Set<string>;

  constructor(
    private readonly kube: TestKube,
    private readonly hooks: Record<number, (kube: TestKube) => Promise<void> | void> = {},
  ) {
    this.namespaces = new Set();
  }

  async replay(exchanges: Exchange[]): Promise<void> {
    for (const ex of exchanges) {
      for (const m of ex.path.matchAll(/\/namespaces\/([^/]+)/g)) if (m[1]!.startsWith('rec-')) this.namespaces.add(m[1]!);
    }
    let previousEnd = 0;
    for (const ex of exchanges) {
      // Keep the recording's pacing for short pauses (polls of asynchronous server work, such as
      // CRD establishment and deletion); long out-of-band waits are not replayed.
      const gap = ex.tMs - previousEnd;
      if (gap > 0) await new Promise((r) => setTimeout(r, Math.min(gap, 500)));
      previousEnd = Math.max(previousEnd, ex.tMs + (ex.watchStream ? 0 : ex.durationMs));
      // Keep the recording's concurrency: an exchange starts after every exchange that had ended
      // before it started; others (open watches) stay in flight.
      const waitFor = this.pending.filter((p) => p.end <= ex.tMs);
      await Promise.all(waitFor.map((p) => p.done));
      const hook = this.hooks[ex.seq];
      if (hook) await hook(this.kube);
      const recordedEnd = ex.tMs + (ex.watchStream ? ex.watchStream.closedAfterMs : ex.durationMs);
      if (ex.watchStream) {
        const started = this.startWatch(ex);
        await started.established;
        this.pending.push({ end: recordedEnd, done: started.done });
      } else {
        const result = await this.send(ex);
        this.compareResponse(ex, result);
      }
    }
    await Promise.all(this.pending.map((p) => p.done));
  }

  // ------------------------------------------------------------ requests

  private rewriteString(s: string, substring: boolean): string {
    const whole = this.subst.get(JSON.stringify(s));
    if (whole !== undefined) return String(whole);
    if (!substring) return s;
    let out = s;
    for (const [k, v] of this.subst) {
      const key = JSON.parse(k);
      if (typeof key === 'string' && key.length >= 5 && out.includes(key)) out = out.split(key).join(String(v));
    }
    return out;
  }

  private rewriteBody(v: unknown): unknown {
    if (typeof v === 'string') return this.rewriteString(v, false);
    if (typeof v === 'number') {
      const m = this.subst.get(JSON.stringify(v));
      return m !== undefined ? m : v;
    }
    if (Array.isArray(v)) return v.map((x) => this.rewriteBody(x));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.rewriteBody(x);
      return out;
    }
    return v;
  }

  private requestParts(ex: Exchange): { path: string; body: Buffer | undefined } {
    const path = ex.path
      .split('/')
      .map((seg) => encodeURIComponent(this.rewriteString(decodeURIComponent(seg), false)).replace(/%3A/g, ':'))
      .join('/');
    const params = new URLSearchParams(ex.rawQuery);
    const rewritten = new URLSearchParams();
    for (const [k, v] of params) rewritten.append(k, this.rewriteString(v, true));
    const qs = rewritten.toString();
    let body: Buffer | undefined;
    const rb = ex.requestBody as Record<string, unknown> | string | null;
    if (rb && typeof rb === 'object' && (rb as Record<string, unknown>)._binary) {
      body = Buffer.from(String((rb as Record<string, unknown>).base64), 'base64');
    } else if (typeof rb === 'string') {
      body = Buffer.from(this.rewriteString(rb, true));
    } else if (rb !== null && rb !== undefined) {
      body = Buffer.from(JSON.stringify(this.rewriteBody(rb)));
    }
    return { path: qs ? `${path}?${qs}` : path, body };
  }

  private request(ex: Exchange, onEvent?: (ev: { type: string; object: unknown }) => void) {
    const { path, body } = this.requestParts(ex);
    const url = new URL(path, this.kube.url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(ex.requestHeaders)) headers[k] = v;
    if (body) headers['content-length'] = String(body.length);
    let req!: import('node:http').ClientRequest;
    const established = new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      req = https.request(url, { method: ex.method, headers, ca: this.kube.caPem, agent: false }, resolve);
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
    const result = established.then(
      (res) =>
        new Promise<HttpResult>((resolve) => {
          const chunks: Buffer[] = [];
          const events: Array<{ type: string; object: unknown }> = [];
          let buffered = '';
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            if (onEvent) {
              buffered += c.toString('utf8');
              let nl: number;
              while ((nl = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, nl);
                buffered = buffered.slice(nl + 1);
                if (line.trim()) {
                  const ev = JSON.parse(line);
                  events.push(ev);
                  onEvent(ev);
                }
              }
            }
          });
          const finish = () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if (!onEvent || res.statusCode !== 200) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, events: onEvent && res.statusCode === 200 ? events : undefined });
          };
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', finish);
        }),
    );
    return { req: () => req, established, result };
  }

  private async send(ex: Exchange): Promise<HttpResult> {
    return this.request(ex).result;
  }

  private startWatch(ex: Exchange): { established: Promise<unknown>; done: Promise<void> } {
    const ws = ex.watchStream!;
    const expected = (ex.responseBody as Array<{ type: string }>).filter((e) => e.type !== 'BOOKMARK').length;
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    const handle = this.request(ex, (ev) => {
      if (ev.type !== 'BOOKMARK') seen++;
      if (ws.closedBy === 'client' && seen >= expected) {
        // The recorded client went away after its last event; do the same, a little later, so
        // that an unexpected extra event would still be seen.
        timer ??= setTimeout(() => handle.req().destroy(), 300);
      }
    });
    const safety = setTimeout(() => handle.req().destroy(), ws.closedAfterMs + 5000);
    const done = handle.result.then((r) => {
      clearTimeout(safety);
      if (timer) clearTimeout(timer);
      this.compareWatch(ex, r);
    });
    return { established: handle.established, done };
  }

  // ------------------------------------------------------------ comparison

  private diff(ex: Exchange, path: string, recorded: unknown, actual: unknown): void {
    this.differences.push({ seq: ex.seq, step: ex.step, path, recorded, actual });
  }

  private learn(recorded: unknown, actual: unknown): void {
    if (recorded === undefined || actual === undefined || recorded === null) return;
    if (typeof recorded !== typeof actual) return;
    if (recorded === actual) return;
    this.subst.set(JSON.stringify(recorded), actual);
  }

  private compareResponse(ex: Exchange, r: HttpResult): void {
    if (ex.status !== r.status) this.diff(ex, 'status', ex.status, r.status);
    const rct = String(ex.responseHeaders['content-type'] ?? '').split(';')[0];
    const act = String(r.headers['content-type'] ?? '').split(';')[0];
    if (rct !== act) this.diff(ex, 'header:content-type', ex.responseHeaders['content-type'], r.headers['content-type']);
    const rw = ex.responseHeaders.warning;
    const aw = r.headers.warning;
    const awText = Array.isArray(aw) ? aw.join(', ') : aw;
    if ((rw ?? '') !== (awText ?? '')) this.diff(ex, 'header:warning', rw, awText);
    const rb = ex.responseBody as Record<string, unknown> | null;
    if (rb && typeof rb === 'object' && (rb as Record<string, unknown>)._truncated) {
      if (typeof r.body !== 'object') this.diff(ex, 'body', '(a JSON document)', r.body);
      return;
    }
    // The generated name of a create with generateName is learnt from the response first.
    const reqMeta = (ex.requestBody as Record<string, any> | null)?.metadata;
    if (reqMeta?.generateName && !reqMeta.name) {
      this.learn((ex.responseBody as any)?.metadata?.name, (r.body as any)?.metadata?.name);
      const m = /"([^"]+-[a-z0-9]{5})" is invalid/.exec(String((ex.responseBody as any)?.message ?? ''));
      const a = /"([^"]+-[a-z0-9]{5})" is invalid/.exec(String((r.body as any)?.message ?? ''));
      if (m && a) this.learn(m[1], a[1]);
    }
    // The /version body is volatile as a whole (the recorded server was not a release build).
    if (ex.path === '/version') {
      if (typeof (r.body as any)?.gitVersion !== 'string') this.diff(ex, 'body.gitVersion', '(a version)', r.body);
      return;
    }
    this.compareValue(ex, 'body', this.onlyServed(ex, ex.responseBody), r.body, this.isClusterWide(ex));
  }

  /**
   * testkube serves a subset of kube-apiserver's API groups (the ones this product and its users
   * touch). Discovery and OpenAPI entries of groups and resources it does not serve are dropped from
   * the recorded body before comparing; everything it does serve must match.
   */
  private onlyServed(ex: Exchange, body: unknown): unknown {
    const types = this.kube.server.registry.all();
    const groups = new Set(types.map((t) => t.group));
    const served = new Set(types.map((t) => `${t.group}/${t.version}/${t.resource}`));
    const b = structuredClone(body) as any;
    if (!b || typeof b !== 'object') return body;
    if (b.kind === 'APIResourceList') {
      const [g, v] = String(b.groupVersion).includes('/') ? String(b.groupVersion).split('/') : ['', b.groupVersion];
      b.resources = b.resources.filter((r: any) => served.has(`${g}/${v}/${String(r.name).split('/')[0]}`));
    } else if (b.kind === 'APIGroupList') {
      b.groups = b.groups.filter((gr: any) => groups.has(gr.name));
    } else if (b.kind === 'APIGroupDiscoveryList') {
      b.items = b.items.filter((gr: any) => groups.has(gr.metadata?.name ?? ''));
      for (const gr of b.items) {
        for (const ver of gr.versions ?? []) {
          ver.resources = (ver.resources ?? []).filter((r: any) => served.has(`${gr.metadata?.name ?? ''}/${ver.version}/${r.resource}`));
        }
      }
    } else if (ex.path === '/openapi/v3' && b.paths) {
      for (const key of Object.keys(b.paths)) {
        const m = /^apis\/([^/]+)/.exec(key);
        const servedPath = key === 'api' || key === 'api/v1' || key === 'apis' || key === 'version' || (m !== null && groups.has(m[1]!));
        if (!servedPath) delete b.paths[key];
      }
    }
    return b;
  }

  private compareWatch(ex: Exchange, r: HttpResult): void {
    if (r.status !== 200) {
      this.diff(ex, 'status', 200, r.status);
      return;
    }
    const recorded = (ex.responseBody as Array<{ type: string; object: unknown }>).filter((e) => e.type !== 'BOOKMARK');
    const actual = (r.events ?? []).filter((e) => e.type !== 'BOOKMARK');
    // Bookmarks may come in any number, but they must be well-formed.
    for (const b of (r.events ?? []).filter((e) => e.type === 'BOOKMARK')) {
      const rb = (ex.responseBody as Array<{ type: string; object: unknown }>).find((e) => e.type === 'BOOKMARK');
      if (rb) this.compareValue(ex, 'bookmark', rb.object, b.object, false);
    }
    if (recorded.length !== actual.length) {
      this.diff(ex, 'events.length', recorded.map((e) => e.type), actual.map((e) => e.type));
      return;
    }
    recorded.forEach((e, i) => {
      if (e.type !== actual[i]!.type) this.diff(ex, `events[${i}].type`, e.type, actual[i]!.type);
      this.compareValue(ex, `events[${i}].object`, e.object, actual[i]!.object, false);
    });
  }

  private isClusterWide(ex: Exchange): boolean {
    return ex.method === 'GET' && !/\/namespaces\/[^/]+\//.test(ex.path) && !/\/namespaces\/[^/]+$/.test(ex.path);
  }

  /** Items of cluster-wide lists that belong to namespaces the scenario did not create are volatile. */
  private scenarioItems(items: unknown[]): unknown[] {
    return items.filter((i) => {
      const ns = (i as any)?.metadata?.namespace ?? (i as any)?.object?.metadata?.namespace;
      const name = (i as any)?.metadata?.name ?? (i as any)?.object?.metadata?.name;
      if (ns) return this.namespaces.has(ns);
      // cluster-scoped: nodes/namespaces named by the scenario
      return typeof name === 'string' && name.startsWith('rec-');
    });
  }

  private compareValue(ex: Exchange, path: string, recorded: unknown, actual: unknown, clusterWide: boolean): void {
    const key = path.slice(path.lastIndexOf('.') + 1).replace(/\[\d+\]$/, '');
    if (IGNORED_KEYS.has(key)) return;
    if (VOLATILE_KEYS.has(key) || TIME_KEYS.has(key)) {
      if (recorded === null || recorded === undefined) {
        if (actual !== recorded && !(key === 'continue' && actual === undefined)) this.diff(ex, path, recorded, actual);
        return;
      }
      if (actual === undefined || typeof actual !== typeof recorded) {
        this.diff(ex, path, recorded, actual);
        return;
      }
      if (Array.isArray(recorded) && Array.isArray(actual)) {
        if (recorded.length !== actual.length) this.diff(ex, path, recorded, actual);
        recorded.forEach((r, i) => this.learn(r, actual[i]));
        return;
      }
      this.learn(recorded, actual);
      if (key === 'serverRelativeURL') {
        // Clients request the URL's path with its hash; learn the hash on its own too.
        const rh = /hash=([0-9A-F]+)/.exec(String(recorded));
        const ah = /hash=([0-9A-F]+)/.exec(String(actual));
        if (rh && ah) this.learn(rh[1], ah[1]);
      }
      return;
    }
    if (key === 'clusterIPs' && Array.isArray(recorded) && Array.isArray(actual)) {
      if (recorded.length !== actual.length) this.diff(ex, path, recorded, actual);
      recorded.forEach((r, i) => this.learn(r, actual[i]));
      return;
    }
    if (Array.isArray(recorded)) {
      if (!Array.isArray(actual)) {
        this.diff(ex, path, recorded, actual);
        return;
      }
      let rec = recorded;
      let act = actual;
      if (clusterWide && (key === 'items' || key === 'rows')) {
        rec = this.scenarioItems(recorded);
        act = this.scenarioItems(actual);
      }
      if (key === 'cells') return this.compareCells(ex, path, rec, act);
      if (key === 'items' || key === 'rows') act = this.alignByName(rec, act);
      if (rec.length !== act.length) {
        this.diff(ex, `${path}.length`, rec.length, act.length);
        return;
      }
      rec.forEach((r, i) => this.compareValue(ex, `${path}[${i}]`, r, act[i], clusterWide));
      return;
    }
    if (recorded && typeof recorded === 'object') {
      if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
        this.diff(ex, path, recorded, actual);
        return;
      }
      const r = recorded as Record<string, unknown>;
      const a = actual as Record<string, unknown>;
      for (const k of new Set([...Object.keys(r), ...Object.keys(a)])) {
        if (IGNORED_KEYS.has(k)) continue;
        if (!(k in r)) {
          if (VOLATILE_KEYS.has(k) && k === 'continue') continue;
          this.diff(ex, `${path}.${k}`, undefined, a[k]);
          continue;
        }
        this.compareValue(ex, `${path}.${k}`, r[k], a[k], clusterWide);
      }
      return;
    }
    if (typeof recorded === 'string' && typeof actual === 'string') {
      if (recorded === actual) return;
      const rewritten = this.rewriteString(recorded, true);
      if (rewritten === actual) return;
      // Messages may embed volatile numbers (resourceVersions, nodePorts, cluster IPs).
      if (normaliseVolatile(rewritten) === normaliseVolatile(actual) && /message|description|annotations/.test(path)) return;
      if (key === 'name' && this.subst.get(JSON.stringify(recorded)) === undefined && /-[a-z0-9]{5}$/.test(recorded) && /-[a-z0-9]{5}$/.test(actual)) {
        this.learn(recorded, actual);
        return;
      }
      this.diff(ex, path, recorded, actual);
      return;
    }
    if (recorded !== actual) {
      const mapped = this.subst.get(JSON.stringify(recorded));
      if (mapped !== undefined && mapped === actual) return;
      this.diff(ex, path, recorded, actual);
    }
  }

  /**
   * Lists are sorted by name, and generated names sort differently here than in the recording;
   * put the actual items in the recorded order of their (substituted) names.
   */
  private alignByName(recorded: unknown[], actual: unknown[]): unknown[] {
    const nameOf = (i: unknown) => {
      const m = (i as any)?.metadata ?? (i as any)?.object?.metadata;
      return m ? `${m.namespace ?? ''}/${m.name ?? ''}` : undefined;
    };
    const byName = new Map<string, unknown>();
    for (const a of actual) {
      const n = nameOf(a);
      if (n === undefined || byName.has(n)) return actual;
      byName.set(n, a);
    }
    const out: unknown[] = [];
    for (const r of recorded) {
      const m = (r as any)?.metadata ?? (r as any)?.object?.metadata;
      if (!m) return actual;
      const mapped = `${m.namespace ?? ''}/${this.rewriteString(m.name ?? '', false)}`;
      const a = byName.get(mapped);
      if (a === undefined) return actual;
      out.push(a);
      byName.delete(mapped);
    }
    return byName.size === 0 ? out : actual;
  }

  private compareCells(ex: Exchange, path: string, recorded: unknown[], actual: unknown[]): void {
    if (recorded.length !== actual.length) {
      this.diff(ex, `${path}.length`, recorded, actual);
      return;
    }
    recorded.forEach((r, i) => {
      const a = actual[i];
      if (typeof r === 'string' && typeof a === 'string') {
        if (r === a || (AGE_CELL.test(r) && AGE_CELL.test(a))) return;
        if (this.rewriteString(r, true) === a) return;
        if (normaliseVolatile(r) === normaliseVolatile(a)) return; // IPs and ports inside cells
      }
      if (r !== a) this.diff(ex, `${path}[${i}]`, r, a);
    });
  }
}

/** Digits runs → '#', so that messages differing only in RVs, ports and IPs compare equal. */
export function normaliseVolatile(s: string): string {
  return s.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID').replace(/\d+/g, '#');
}
