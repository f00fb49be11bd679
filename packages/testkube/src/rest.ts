// Generic REST semantics shared by every resource type: create/get/list/update/patch/delete,
// finalizers, namespaces, resourceVersion preconditions, status subresources, dry runs, paging and
// watch event selection. Type-specific behaviour (defaulting, validation, allocation) lives in the
// ResourceType hooks; this file is what kube-apiserver's generic registry does for all of them.
import { randomUUID, randomBytes } from 'node:crypto';
import { ApiError, alreadyExists, conflict, field, invalidError, notFound, badRequest, type FieldCause } from './errors.js';
import { Store, deepClone, objectKey, type Change, type StoredObject } from './store.js';
import { Registry, storageOf, groupVersionOf } from './registry.js';
import type { KubeObject, ResourceType, ServerConfig, StrategyContext } from './resources/types.js';
import { parseLabelSelector, labelsMatch, parseFieldSelector, checkFieldSelector, fieldsMatch } from './selectors.js';
import { validateObjectMeta } from './validation.js';
import { validateNamespaceFinalize } from './resources/builtin/namespaces.js';
import { sortJSONKeys } from './crd/crd.js';
import { applyMergePatch, applyJsonPatch, strategicMergePatch, applyServerSide, recordUpdate } from './patch/index.js';

export interface RequestOptions {
  userAgent?: string;
  fieldManager?: string;
  dryRun?: boolean;
  /** Strict, Warn (default) or Ignore, as sent by the client. */
  fieldValidation?: string;
  /** Warnings to send back in `Warning` headers. */
  warnings: string[];
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: string;
}

export interface DeleteOptions {
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** A compiled selector pair used by lists, watches and deletecollection. */
export interface ObjectFilter {
  namespace?: string;
  matches(obj: StoredObject): boolean;
}

export const NAMESPACE_STORAGE = '/namespaces';
export const CRD_STORAGE = 'apiextensions.k8s.io/customresourcedefinitions';

const BUILTIN_GROUPS = new Set(['', 'apps', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'apiextensions.k8s.io']);

export function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group);
}

export function defaultFieldManager(userAgent: string | undefined): string {
  // kube-apiserver derives the manager of non-apply writes from the User-Agent's first word.
  const ua = (userAgent ?? '').trim();
  if (!ua) return 'unknown';
  return ua.split('/')[0]!.split(' ')[0]!.slice(0, 128) || 'unknown';
}

function microNow(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function generateSuffix(): string {
  // kube's SimpleNameGenerator: 5 characters from an alphabet without vowels and confusable digits.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

function stripVolatile(o: StoredObject): StoredObject {
  const c = deepClone(o);
  if (c.metadata) {
    delete c.metadata.resourceVersion;
    delete c.metadata.managedFields;
  }
  return c;
}

function sameObject(a: StoredObject, b: StoredObject): boolean {
  return JSON.stringify(canonical(stripVolatile(a))) === JSON.stringify(canonical(stripVolatile(b)));
}

/** Key-sorted copy so that equality ignores key order. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = canonical((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function specOf(o: StoredObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return JSON.stringify(canonical(rest));
}

export class RestCore {
  constructor(
    readonly store: Store,
    readonly registry: Registry,
    readonly config: ServerConfig,
    readonly now: () => Date = () => new Date(),
  ) {}

  // ---------------------------------------------------------------- helpers

  strategyContext(dryRun: boolean): StrategyContext {
    return {
      list: (type) => this.store.list(storageOf(type)).map((o) => o),
      lookup: (group, resource) => this.registry.findAnyVersion(group, resource),
      dryRun,
      config: this.config,
      now: this.now,
    };
  }

  /** Stored form → what the endpoint of `type` serves (apiVersion/kind set). */
  external(type: ResourceType, stored: StoredObject): KubeObject {
    let o: KubeObject = deepClone(stored);
    if (type.hooks?.toExternal) o = type.hooks.toExternal(o);
    const { apiVersion: _a, kind: _k, ...rest } = o;
    const out = { apiVersion: groupVersionOf(type), kind: type.kind, ...rest };
    // Custom resources are served from unstructured JSON, whose keys come out sorted.
    return isBuiltinGroup(type.group) ? out : sortJSONKeys(out);
  }

  private internal(type: ResourceType, obj: KubeObject): StoredObject {
    let o = obj;
    if (type.hooks?.toInternal) o = type.hooks.toInternal(o);
    return o;
  }

  private qualifiedResource(type: ResourceType): [string, string | undefined] {
    return [type.resource, type.group || undefined];
  }

  private notFoundFor(type: ResourceType, name: string): ApiError {
    const [r, g] = this.qualifiedResource(type);
    return notFound(r, name, g);
  }

  private namespaceCheck(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced || !namespace) return;
    const ns = this.store.get(NAMESPACE_STORAGE, namespace);
    if (!ns) throw notFound('namespaces', namespace);
    if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
      const [r, g] = this.qualifiedResource(type);
      throw new ApiError(
        403,
        'Forbidden',
        `${g ? `${r}.${g}` : r} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name,
          ...(g ? { group: g } : {}),
          kind: r,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        },
      );
    }
  }

  /** `what` names the query parameter; resourceVersions inside objects are reported bare. */
  private parseRV(rv: unknown, what?: string): number {
    const s = String(rv);
    if (!/^\d+$/.test(s)) {
      const detail = `strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`;
      throw new ApiError(500, undefined, what ? `${what}: Invalid value: ${JSON.stringify(s)}: ${detail}` : detail);
    }
    return Number(s);
  }

  private validateMeta(type: ResourceType, obj: KubeObject): FieldCause[] {
    return validateObjectMeta(obj.metadata ?? {}, {
      namespaced: type.namespaced,
      nameValidator: type.group === 'apiextensions.k8s.io' ? 'DNS1123Subdomain' : 'DNS1123Subdomain',
    });
  }

  private invalid(type: ResourceType, name: string, causes: FieldCause[]): ApiError {
    const group = type.errorGroup ?? type.group;
    return invalidError(type.kind, name, causes, group || undefined);
  }

  // ---------------------------------------------------------------- read

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const stored = this.store.get(storageOf(type), objectKey(type.namespaced ? namespace : undefined, name));
    if (!stored || (type.namespaced && !namespace)) throw this.notFoundFor(type, name);
    return this.external(type, stored);
  }

  compileFilter(type: ResourceType, namespace: string | undefined, opts: ListOptions): ObjectFilter {
    const label = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
    const fieldReqs = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : [];
    const extra = type.fieldSelectors ?? {};
    checkFieldSelector(fieldReqs, ['metadata.name', 'metadata.namespace', ...Object.keys(extra)], type);
    const ns = type.namespaced ? namespace : undefined;
    return {
      namespace: ns,
      matches: (obj: StoredObject) => {
        if (label && !labelsMatch(label, obj.metadata?.labels)) return false;
        if (fieldReqs.length === 0) return true;
        const ext = type.hooks?.toExternal ? type.hooks.toExternal(deepClone(obj)) : obj;
        return fieldsMatch(fieldReqs, (name: string) => {
          if (name === 'metadata.name') return obj.metadata?.name ?? '';
          if (name === 'metadata.namespace') return obj.metadata?.namespace ?? '';
          const f = extra[name];
          return f ? (f(ext) ?? '') : undefined;
        });
      },
    };
  }

  private validateListOptions(opts: ListOptions, watch: boolean): void {
    const causes: FieldCause[] = [];
    const hasRV = opts.resourceVersion !== undefined && opts.resourceVersion !== '';
    if (opts.resourceVersionMatch !== undefined && opts.resourceVersionMatch !== '') {
      // A WatchList request (sendInitialEvents) may use NotOlderThan without a resourceVersion.
      const watchList = watch && opts.sendInitialEvents !== undefined;
      if (!hasRV && !watchList) causes.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
      else if (opts.resourceVersionMatch === 'Exact' && opts.resourceVersion === '0')
        causes.push(field.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
      else if (!['Exact', 'NotOlderThan'].includes(opts.resourceVersionMatch))
        causes.push(field.notSupported('resourceVersionMatch', opts.resourceVersionMatch, ['Exact', 'NotOlderThan', '']));
    }
    if (opts.sendInitialEvents !== undefined) {
      causes.push(
        field.forbidden(
          'sendInitialEvents',
          watch ? 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' : 'sendInitialEvents is forbidden for list',
        ),
      );
    }
    if (causes.length) {
      const err = invalidError('ListOptions', '', causes, 'meta.k8s.io');
      throw err;
    }
  }

  list(type: ResourceType, namespace: string | undefined, opts: ListOptions): KubeObject {
    this.validateListOptions(opts, false);
    const filter = this.compileFilter(type, namespace, opts);
    const storage = storageOf(type);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    let listRV = this.store.currentRevision;
    let entries: Array<[string, StoredObject]>;
    let startAfter: string | undefined;

    if (opts.continue) {
      const token = decodeContinue(opts.continue);
      if (token.rv > 0 && token.rv < this.store.compactedRevision) {
        throw new ApiError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          undefined,
          { continue: encodeContinue(-1, token.start) },
        );
      }
      startAfter = token.start;
      if (token.rv > 0) {
        const at = this.store.entriesAt(storage, token.rv, filter.namespace);
        if (at === 'compacted') throw new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
        entries = at;
        listRV = token.rv;
      } else {
        entries = this.store.entries(storage, filter.namespace);
      }
    } else if (opts.resourceVersion !== undefined && opts.resourceVersion !== '' && opts.resourceVersion !== '0') {
      const rv = this.parseRV(opts.resourceVersion, 'resourceVersion');
      const exact = opts.resourceVersionMatch === 'Exact' || (limit !== undefined && opts.resourceVersionMatch !== 'NotOlderThan');
      if (exact) {
        if (rv > this.store.currentRevision) {
          throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.store.currentRevision}`, {
            causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version', field: '' }],
            retryAfterSeconds: 1,
          });
        }
        const at = this.store.entriesAt(storage, rv, filter.namespace);
        if (at === 'compacted') throw new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
        entries = at;
        listRV = rv;
      } else {
        entries = this.store.entries(storage, filter.namespace);
      }
    } else {
      entries = this.store.entries(storage, filter.namespace);
    }

    // Relative keys inside a namespace, as kube's continue tokens use them.
    const rel = (k: string) => (filter.namespace ? k.slice(filter.namespace.length + 1) : k);
    const items: StoredObject[] = [];
    let continueToken: string | undefined;
    let remaining = 0;
    for (const [key, obj] of entries) {
      if (startAfter !== undefined && rel(key) + '\u0000' <= startAfter) continue;
      if (!filter.matches(obj)) continue;
      if (limit !== undefined && items.length >= limit) {
        remaining++;
        continue;
      }
      items.push(obj);
    }
    if (limit !== undefined && remaining > 0) {
      const last = items[items.length - 1]!;
      continueToken = encodeContinue(listRV, rel(objectKey(last.metadata.namespace, last.metadata.name)) + '\u0000');
    }
    // Unstructured (custom resource) lists always carry `continue`, empty on the last page.
    const metadata: Record<string, unknown> = isBuiltinGroup(type.group) ? { resourceVersion: String(listRV) } : { continue: '', resourceVersion: String(listRV) };
    if (continueToken) {
      metadata.continue = continueToken;
      // kube reports remainingItemCount only when no selector filtered the rest.
      if (!opts.labelSelector && !opts.fieldSelector) metadata.remainingItemCount = remaining;
    }
    return {
      kind: type.listKind,
      apiVersion: groupVersionOf(type),
      metadata,
      items: items.map((o) => {
        const e = this.external(type, o);
        // Built-in lists omit the items' apiVersion/kind; unstructured (custom) lists keep them.
        if (isBuiltinGroup(type.group)) {
          delete e.apiVersion;
          delete e.kind;
        }
        return e;
      }),
    };
  }

  // ---------------------------------------------------------------- create

  create(type: ResourceType, namespace: string | undefined, body: KubeObject, req: RequestOptions, appliedManagedFields?: unknown[]): KubeObject {
    const obj: KubeObject = deepClone(body);
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    const meta = obj.metadata;
    if (type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (namespace) meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${generateSuffix()}`;
    const name: string = meta.name ?? '';
    if (!name) {
      throw invalidError(type.kind, '', [field.required('metadata.name', 'name or generateName is required')], type.group || undefined);
    }
    const ctx = this.strategyContext(!!req.dryRun);
    const now = this.now();

    let internal = this.internal(type, obj);
    const imeta = internal.metadata!;
    imeta.uid = randomUUID();
    imeta.creationTimestamp = microNow(now);
    delete imeta.deletionTimestamp;
    delete imeta.deletionGracePeriodSeconds;
    delete imeta.resourceVersion;
    delete imeta.selfLink;
    if (type.tracksGeneration) imeta.generation = 1;
    else delete imeta.generation;
    if (type.hasStatusSubresource && type.group !== '' && !type.hooks?.prepareCreate) delete internal.status;

    type.hooks?.prepareCreate?.(ctx, internal);
    const causes = type.hooks?.validateCreate ? type.hooks.validateCreate(ctx, internal) : this.validateMeta(type, internal);
    if (causes.length) throw this.invalid(type, name, causes);

    this.namespaceCheck(type, namespace, name);
    const storage = storageOf(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    if (this.store.get(storage, key)) {
      const [r, g] = this.qualifiedResource(type);
      throw alreadyExists(r, name, g);
    }
    delete internal.apiVersion;
    delete internal.kind;
    if (appliedManagedFields) internal.metadata!.managedFields = appliedManagedFields;
    else internal = this.withManagedFields(type, undefined, internal, req, 'Update');
    if (req.dryRun) {
      const out = this.external(type, internal);
      delete out.metadata!.resourceVersion;
      return out;
    }
    const change = this.store.put(storage, key, internal);
    return this.external(type, change.object);
  }

  private withManagedFields(type: ResourceType, old: StoredObject | undefined, obj: StoredObject, req: RequestOptions, op: 'Update', subresource?: string): StoredObject {
    const manager = req.fieldManager ?? defaultFieldManager(req.userAgent);
    const gv = groupVersionOf(type);
    // Stored objects carry no apiVersion/kind; the field manager needs them to find the schema.
    const typed = (o: StoredObject | undefined) => (o ? { ...o, apiVersion: gv, kind: type.kind } : undefined);
    const out = recordUpdate(typed(old), typed(obj)!, manager, op, gv, microNow(this.now()), subresource ? { subresource } : undefined);
    delete out.apiVersion;
    delete out.kind;
    return out;
  }

  // ---------------------------------------------------------------- update

  /**
   * Replaces an object (PUT), or the status part of it when `subresource` is 'status'.
   * `expectRV` is the precondition the client sent (body metadata.resourceVersion).
   */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    req: RequestOptions,
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    const storage = storageOf(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const incoming: KubeObject = deepClone(body);
    incoming.metadata = incoming.metadata ?? {};
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (type.namespaced && incoming.metadata.namespace && namespace && incoming.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const old = this.store.get(storage, key);
    if (incoming.metadata.resourceVersion !== undefined && incoming.metadata.resourceVersion !== '') {
      const rv = this.parseRV(incoming.metadata.resourceVersion);
      if (!old || String(rv) !== old.metadata.resourceVersion) {
        if (!old) throw this.notFoundFor(type, name);
        const [r, g] = this.qualifiedResource(type);
        throw conflict(r, name, g);
      }
    }
    if (!old) throw this.notFoundFor(type, name);
    return { object: this.replace(type, old, this.internal(type, incoming), req, subresource), created: false };
  }

  /** Shared tail of PUT and PATCH: merge generic metadata, run hooks, write if changed. */
  replace(
    type: ResourceType,
    old: StoredObject,
    incoming: StoredObject,
    req: RequestOptions,
    subresource?: string,
    /** managedFields computed by server-side apply; otherwise derived from the write. */
    appliedManagedFields?: unknown[],
  ): KubeObject {
    const storage = storageOf(type);
    const name: string = old.metadata.name;
    const key = objectKey(old.metadata.namespace, name);
    const ctx = this.strategyContext(!!req.dryRun);
    let next: StoredObject;
    if (subresource === 'status') {
      next = deepClone(old);
      next.status = incoming.status;
      if (type.statusWriteKeepsMetadata) {
        next.metadata = { ...next.metadata, labels: incoming.metadata?.labels, annotations: incoming.metadata?.annotations };
        if (next.metadata.labels === undefined) delete next.metadata.labels;
        if (next.metadata.annotations === undefined) delete next.metadata.annotations;
      }
    } else if (subresource === 'finalize') {
      next = deepClone(old);
      next.spec = { ...(next.spec ?? {}), finalizers: incoming.spec?.finalizers };
      if (!next.spec.finalizers || next.spec.finalizers.length === 0) delete next.spec.finalizers;
    } else {
      next = deepClone(incoming);
      if (type.hasStatusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = deepClone(old.status);
      }
    }
    next.apiVersion = undefined;
    next.kind = undefined;
    delete next.apiVersion;
    delete next.kind;
    // Fields the client cannot change through a write.
    const m = (next.metadata = next.metadata ?? {});
    m.name = name;
    if (old.metadata.namespace) m.namespace = old.metadata.namespace;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      m.deletionTimestamp = old.metadata.deletionTimestamp;
      m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    delete m.resourceVersion;
    delete m.selfLink;
    if (type.tracksGeneration) {
      m.generation = (old.metadata.generation ?? 1) + (subresource === undefined && specOf(next) !== specOf(old) ? 1 : 0);
    } else {
      delete m.generation;
    }
    // kube omits empty maps and lists once a write empties them.
    if (m.finalizers && m.finalizers.length === 0) delete m.finalizers;
    if (m.labels && Object.keys(m.labels).length === 0) delete m.labels;
    if (m.annotations && Object.keys(m.annotations).length === 0) delete m.annotations;

    const causes: FieldCause[] = [];
    if (old.metadata.deletionTimestamp) {
      const before = new Set<string>(old.metadata.finalizers ?? []);
      const added = (m.finalizers ?? []).filter((f: string) => !before.has(f));
      if (added.length) {
        const c = field.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${goStrings(added)}`);
        causes.push(c, c);
      }
    }
    if (subresource === 'status') {
      type.hooks?.prepareStatusUpdate?.(ctx, next, old);
      if (type.hooks?.validateStatusUpdate) causes.push(...type.hooks.validateStatusUpdate(ctx, next, old));
    } else if (subresource === 'finalize') {
      causes.push(...validateNamespaceFinalize(next));
    } else if (subresource === undefined) {
      type.hooks?.prepareUpdate?.(ctx, next, old);
      if (type.hooks?.validateUpdate) causes.push(...type.hooks.validateUpdate(ctx, next, old));
      else causes.push(...this.validateMeta(type, next));
    }
    if (causes.length) throw this.invalid(type, name, causes);

    if (sameObject(next, old)) {
      // No-op writes keep the resourceVersion and emit no watch event (kube compares bytes).
      return this.external(type, old);
    }
    if (appliedManagedFields) next.metadata.managedFields = appliedManagedFields;
    else next = this.withManagedFields(type, old, next, req, 'Update', subresource);
    if (req.dryRun) {
      const out = this.external(type, next);
      out.metadata!.resourceVersion = old.metadata.resourceVersion;
      return out;
    }
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && !this.blockedDeletion(type, next)) {
      // Last finalizer gone: the object disappears. The response still shows the previous
      // resourceVersion (recorded behaviour); watchers see DELETED with a newer one.
      const response = this.external(type, { ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } });
      this.store.delete(storage, key);
      this.afterDelete(type, next);
      return response;
    }
    const change = this.store.put(storage, key, next);
    return this.external(type, change.object);
  }

  /** Namespaces stay while spec.finalizers is non-empty even when metadata.finalizers is empty. */
  private blockedDeletion(type: ResourceType, obj: StoredObject): boolean {
    return type.group === '' && type.resource === 'namespaces' && (obj.spec?.finalizers?.length ?? 0) > 0;
  }

  private afterDelete(type: ResourceType, obj: StoredObject): void {
    type.hooks?.afterDelete?.(this.strategyContext(false), obj);
  }

  // ---------------------------------------------------------------- patch

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patchBody: unknown,
    req: RequestOptions & { force?: boolean },
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    const storage = storageOf(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const old = this.store.get(storage, key);
    if (patchType === 'strategic' && !type.strategicSchema) {
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    if (patchType === 'apply') {
      if (!req.fieldManager) {
        throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
        });
      }
      const applied = patchBody as KubeObject;
      if (!old) {
        if (subresource) throw this.notFoundFor(type, name);
        const created = applyServerSide(undefined, applied, {
          manager: req.fieldManager,
          force: !!req.force,
          now: microNow(this.now()),
          apiVersion: groupVersionOf(type),
          resource: type.resource,
          group: type.group,
          name,
        });
        created.metadata = { ...(created.metadata ?? {}), name };
        return { object: this.create(type, namespace, created, req, created.metadata.managedFields), created: true };
      }
      const current = this.external(type, old);
      const merged = applyServerSide(current, applied, {
        manager: req.fieldManager,
        force: !!req.force,
        now: microNow(this.now()),
        apiVersion: groupVersionOf(type),
        resource: type.resource,
        group: type.group,
        name,
      });
      return { object: this.replace(type, old, this.internal(type, merged), req, subresource, merged.metadata?.managedFields), created: false };
    }
    if (!old) throw this.notFoundFor(type, name);
    const current = this.external(type, old);
    let patched: KubeObject;
    if (patchType === 'merge') patched = applyMergePatch(current, patchBody) as KubeObject;
    else if (patchType === 'json') patched = applyJsonPatch(current, patchBody) as KubeObject;
    else patched = strategicMergePatch(current, patchBody, type.strategicSchema!) as KubeObject;
    if (!patched || typeof patched !== 'object' || Array.isArray(patched)) {
      throw badRequest('the patched object is not a JSON object');
    }
    patched.metadata = patched.metadata ?? {};
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== null && rv !== old.metadata.resourceVersion) {
      this.parseRV(rv);
      const [r, g] = this.qualifiedResource(type);
      throw conflict(r, name, g);
    }
    if (patched.metadata.name !== undefined && patched.metadata.name !== name) {
      throw badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
    }
    return { object: this.replace(type, old, this.internal(type, patched), req, subresource), created: false };
  }

  // ---------------------------------------------------------------- delete

  delete(type: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions): { body: KubeObject; status: number } {
    const storage = storageOf(type);
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const old = this.store.get(storage, key);
    if (!old) throw this.notFoundFor(type, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== old.metadata.uid) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedKind(type)} "${name}": the UID in the precondition (${opts.preconditions.uid}) does not match the UID in record (${old.metadata.uid}). The object might have been deleted and then recreated`,
        { name, ...(type.group ? { group: type.group } : {}), kind: type.kind },
      );
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedKind(type)} "${name}": the ResourceVersion in the precondition (${opts.preconditions.resourceVersion}) does not match the ResourceVersion in record (${old.metadata.resourceVersion}). The object might have been modified`,
        { name, ...(type.group ? { group: type.group } : {}), kind: type.kind },
      );
    }
    const successStatus = (obj: StoredObject) => ({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid: obj.metadata.uid },
    });

    const finalizers: string[] = [...(old.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const isNamespace = type.group === '' && type.resource === 'namespaces';
    const isCRD = storage === CRD_STORAGE;
    const pending = finalizers.length > 0 || isNamespace || isCRD;

    if (pending) {
      if (old.metadata.deletionTimestamp && finalizers.length === (old.metadata.finalizers ?? []).length) {
        return { body: this.external(type, old), status: 200 };
      }
      const next = deepClone(old);
      next.metadata.deletionTimestamp = next.metadata.deletionTimestamp ?? microNow(this.now());
      // Namespaces and CRDs are finalized by controllers, without a grace period.
      if (!isNamespace && !isCRD) next.metadata.deletionGracePeriodSeconds = 0;
      if (finalizers.length) next.metadata.finalizers = finalizers;
      if (isNamespace) {
        next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      }
      if (isCRD) {
        next.metadata.finalizers = [...new Set([...(next.metadata.finalizers ?? []), 'customresourcecleanup.apiextensions.k8s.io'])];
        const conditions = (next.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Terminating');
        conditions.push({
          type: 'Terminating',
          status: 'True',
          lastTransitionTime: microNow(this.now()),
          reason: 'InstanceDeletionPending',
          message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
        });
        next.status = { ...(next.status ?? {}), conditions };
      }
      if (opts.dryRun) return { body: this.external(type, next), status: 200 };
      const change = this.store.put(storage, key, next);
      return { body: this.external(type, change.object), status: 200 };
    }
    if (opts.dryRun) {
      return { body: type.deleteReturnsObject ? this.external(type, old) : successStatus(old), status: 200 };
    }
    this.store.delete(storage, key);
    this.afterDelete(type, old);
    return { body: type.deleteReturnsObject ? this.external(type, old) : successStatus(old), status: 200 };
  }

  deleteCollection(type: ResourceType, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions): KubeObject {
    const filter = this.compileFilter(type, namespace, listOpts);
    const storage = storageOf(type);
    const deleted: KubeObject[] = [];
    for (const obj of this.store.list(storage, filter.namespace)) {
      if (!filter.matches(obj)) continue;
      const { body } = this.delete(type, obj.metadata.namespace, obj.metadata.name, opts);
      // deletecollection answers with the deleted objects themselves, whatever DELETE returns.
      const item = body.kind === 'Status' ? this.external(type, obj) : body;
      delete item.apiVersion;
      delete item.kind;
      deleted.push(item);
    }
    return { kind: type.listKind, apiVersion: groupVersionOf(type), metadata: { resourceVersion: String(this.store.currentRevision) }, items: deleted };
  }

  // ---------------------------------------------------------------- watch

  /**
   * Decides what a watcher sees for one change: ADDED/MODIFIED/DELETED with selector transitions
   * (an object that stops matching is DELETED with its last matching state, as kube does).
   */
  watchEventFor(filter: ObjectFilter, change: Change): { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: StoredObject } | undefined {
    if (filter.namespace && !change.key.startsWith(`${filter.namespace}/`)) return undefined;
    const rv = change.object.metadata.resourceVersion;
    if (change.type === 'DELETED') {
      return change.previous && filter.matches(change.previous) ? { type: 'DELETED', object: change.object } : undefined;
    }
    const nowMatches = filter.matches(change.object);
    const before = change.previous !== undefined && filter.matches(change.previous);
    if (nowMatches && before) return { type: 'MODIFIED', object: change.object };
    if (nowMatches) return { type: 'ADDED', object: change.object };
    if (before) return { type: 'DELETED', object: { ...change.previous!, metadata: { ...change.previous!.metadata, resourceVersion: rv } } };
    return undefined;
  }

  prepareWatch(type: ResourceType, namespace: string | undefined, opts: ListOptions): { filter: ObjectFilter; initial: StoredObject[]; replay: Change[] | 'expired'; fromRV: number } {
    this.validateListOptions(opts, true);
    const filter = this.compileFilter(type, namespace, opts);
    const storage = storageOf(type);
    const rvText = opts.resourceVersion;
    if (rvText === undefined || rvText === '' || rvText === '0') {
      const initial = this.store.list(storage, filter.namespace).filter((o) => filter.matches(o));
      return { filter, initial, replay: [], fromRV: this.store.currentRevision };
    }
    const rv = this.parseRV(rvText, 'resourceVersion');
    const changes = this.store.changesSince(rv);
    if (changes === 'expired') return { filter, initial: [], replay: 'expired', fromRV: rv };
    return { filter, initial: [], replay: changes.filter((c) => c.storage === storage), fromRV: rv };
  }
}

function qualifiedKind(type: ResourceType): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}

function goStrings(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad');
    return { rv: parsed.rv, start: parsed.start };
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}
