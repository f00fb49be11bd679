// Shared by the builtin-*.test.ts files: recorded exchanges, and the slice of the REST layer that
// built-in type hooks rely on (system metadata, status kept on main writes, the rest kept on
// /status writes, 422 from causes, conversion between served and stored forms). Responses are
// compared with the recorded ones after copying the volatile metadata the server would assign.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, invalidError } from '../src/errors.js';
import { applyJsonPatch } from '../src/patch/json-patch.js';
import { mergePatch } from '../src/patch/merge.js';
import { strategicMergePatch } from '../src/patch/strategic.js';
import type { KubeObject, ResourceType, StrategyContext } from '../src/resources/types.js';

const RECORDINGS_DIR = join(process.cwd(), '..', 'shared', 'kube-api-recordings');

export interface Exchange {
  seq: number;
  step: string;
  method: string;
  path: string;
  query: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: any;
  status: number;
  responseBody: any;
}

export function recording(file: string): Map<number, Exchange> {
  const out = new Map<number, Exchange>();
  for (const line of readFileSync(join(RECORDINGS_DIR, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const ex = JSON.parse(line) as Exchange;
    out.set(ex.seq, ex);
  }
  return out;
}

export function exchange(rec: Map<number, Exchange>, seq: number): Exchange {
  const ex = rec.get(seq);
  if (!ex) throw new Error(`no exchange ${seq}`);
  return ex;
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Recorded objects without what the hooks do not produce (managedFields). */
export function withoutManagedFields<T>(v: T): T {
  const c = clone(v) as any;
  const strip = (o: any) => {
    if (o && typeof o === 'object') {
      if (o.metadata && typeof o.metadata === 'object') delete o.metadata.managedFields;
      for (const item of Array.isArray(o.items) ? o.items : []) strip(item);
    }
  };
  strip(c);
  return c;
}

export function fakeCtx(now = new Date('2026-11-24T18:40:00Z'), stores: Map<ResourceType, KubeObject[]> = new Map()): StrategyContext {
  return {
    list: (t) => (stores.get(t) ?? []).map(clone),
    lookup: () => undefined,
    dryRun: false,
    config: { serviceCIDR: '10.96.0.0/16', nodePortRange: [30000, 32767] },
    now: () => now,
  };
}

export interface Result {
  status: number;
  /** Loosely typed: tests dig into recorded shapes. */
  body: any;
}

function groupVersion(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

function failure(err: unknown): Result {
  if (err instanceof ApiError) return { status: err.code, body: err.toStatus() as KubeObject };
  throw err;
}

/** The served form of a stored object. */
export function external(type: ResourceType, stored: KubeObject): any {
  let o = clone(stored);
  if (type.hooks?.toExternal) o = type.hooks.toExternal(o);
  return { ...o, kind: type.kind, apiVersion: groupVersion(type) };
}

/**
 * An in-memory stand-in for the generic registry around the hooks. Objects are keyed by name
 * (one namespace per test); `stamp` copies the server-assigned metadata of a recorded response.
 */
export class FakeRegistry {
  readonly stored = new Map<string, KubeObject>();
  private rv = 5000;
  constructor(
    readonly ctx: StrategyContext = fakeCtx(),
    readonly namespace?: string,
  ) {}

  private internal(type: ResourceType, obj: KubeObject): KubeObject {
    return type.hooks?.toInternal ? type.hooks.toInternal(obj) : obj;
  }

  private nextRV(): string {
    return String(++this.rv);
  }

  create(type: ResourceType, body: KubeObject, stamp?: KubeObject): Result {
    try {
      let obj = clone(body);
      delete obj.apiVersion;
      delete obj.kind;
      obj.metadata = obj.metadata ?? {};
      if (type.namespaced && this.namespace) obj.metadata.namespace = this.namespace;
      if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = stamp?.metadata?.name ?? `${obj.metadata.generateName}abcde`;
      obj = this.internal(type, obj);
      const meta = obj.metadata!;
      delete meta.managedFields;
      meta.uid = stamp?.metadata?.uid ?? 'uid-1';
      meta.creationTimestamp = stamp?.metadata?.creationTimestamp ?? '2026-11-24T18:40:00Z';
      if (type.tracksGeneration) meta.generation = 1;
      else delete meta.generation;
      type.hooks?.prepareCreate?.(this.ctx, obj);
      const causes = type.hooks?.validateCreate?.(this.ctx, obj) ?? [];
      if (causes.length) throw invalidError(type.kind, meta.name ?? '', causes, (type.errorGroup ?? type.group) || undefined);
      obj.metadata!.resourceVersion = stamp?.metadata?.resourceVersion ?? this.nextRV();
      this.stored.set(obj.metadata!.name, obj);
      return { status: 201, body: external(type, obj) };
    } catch (err) {
      return failure(err);
    }
  }

  get(type: ResourceType, name: string): any {
    const o = this.stored.get(name);
    if (!o) throw new Error(`${name} not stored`);
    return external(type, o);
  }

  /** PUT (subresource undefined), PUT .../status. */
  update(type: ResourceType, name: string, body: KubeObject, subresource?: 'status', stamp?: KubeObject): Result {
    const old = this.stored.get(name);
    if (!old) throw new Error(`${name} not stored`);
    try {
      const incoming = this.internal(type, clone(body));
      let next: KubeObject;
      if (subresource === 'status') {
        next = clone(old);
        next.status = incoming.status;
        if (type.statusWriteKeepsMetadata) {
          next.metadata = { ...next.metadata, labels: incoming.metadata?.labels, annotations: incoming.metadata?.annotations };
          if (next.metadata.labels === undefined) delete next.metadata.labels;
          if (next.metadata.annotations === undefined) delete next.metadata.annotations;
        }
      } else {
        next = clone(incoming);
        if (type.hasStatusSubresource) {
          if (old.status === undefined) delete next.status;
          else next.status = clone(old.status);
        }
      }
      delete next.apiVersion;
      delete next.kind;
      const m = (next.metadata = next.metadata ?? {});
      for (const k of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'generation']) {
        if (old.metadata?.[k] === undefined) delete m[k];
        else m[k] = old.metadata[k];
      }
      delete m.resourceVersion;
      // managedFields are the REST layer's business.
      delete m.managedFields;
      let causes;
      if (subresource === 'status') {
        type.hooks?.prepareStatusUpdate?.(this.ctx, next, old);
        causes = type.hooks?.validateStatusUpdate?.(this.ctx, next, old) ?? [];
      } else {
        type.hooks?.prepareUpdate?.(this.ctx, next, old);
        causes = type.hooks?.validateUpdate?.(this.ctx, next, old) ?? [];
      }
      if (causes.length) throw invalidError(type.kind, name, causes, (type.errorGroup ?? type.group) || undefined);
      next.metadata!.resourceVersion = stamp?.metadata?.resourceVersion ?? this.nextRV();
      this.stored.set(name, next);
      return { status: 200, body: external(type, next) };
    } catch (err) {
      return failure(err);
    }
  }

  patch(type: ResourceType, name: string, kind: 'merge' | 'json' | 'strategic', patch: unknown, subresource?: 'status', stamp?: KubeObject): Result {
    const current = this.get(type, name);
    let patched: KubeObject;
    if (kind === 'merge') patched = mergePatch(current, patch) as KubeObject;
    else if (kind === 'json') patched = applyJsonPatch(current, patch) as KubeObject;
    else patched = strategicMergePatch(current, patch, type.strategicSchema) as KubeObject;
    return this.update(type, name, patched, subresource, stamp);
  }
}
