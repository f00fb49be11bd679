// Kubernetes client setup and a small typed REST helper on top of @kubernetes/client-node's KubeConfig.
//
// client-node's generated API classes default `patch*` calls to JSON-patch, and its informer gives up
// on errors; we only take the KubeConfig (credentials, TLS, auth plugins) from it and do HTTP
// ourselves, so every request carries the content type it needs.
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export { KubeConfig } from '@kubernetes/client-node';

/** Minimal shape of every Kubernetes object this package handles. */
export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeObjectMeta;
}

export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** Where a kind lives in the API: `{group: '', version: 'v1', plural: 'services', namespaced: true}`. */
export interface ResourceDescriptor {
  /** API group; `''` for the core group. */
  group: string;
  version: string;
  /** Lower-case plural resource name as in the URL. */
  plural: string;
  namespaced: boolean;
  /** Kind, filled into objects we create when they lack one. */
  kind?: string;
}

/** Descriptors of the built-in kinds purelb-ts uses. */
export const Resources = {
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false, kind: 'Namespace' },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false, kind: 'Node' },
  services: { group: '', version: 'v1', plural: 'services', namespaced: true, kind: 'Service' },
  endpoints: { group: '', version: 'v1', plural: 'endpoints', namespaced: true, kind: 'Endpoints' },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' },
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true, kind: 'Pod' },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true, kind: 'Event' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true, kind: 'EndpointSlice' },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true, kind: 'Lease' },
} as const satisfies Record<string, ResourceDescriptor>;

export function apiVersionOf(resource: ResourceDescriptor): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

// ---------------------------------------------------------------------------------------------
// KubeConfig loading

export interface LoadKubeConfigOptions {
  /** The `--kubeconfig` flag: wins over everything. */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
  /** Where KUBECONFIG / KUBERNETES_SERVICE_HOST are read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export type KubeConfigSource = 'flag' | 'env' | 'in-cluster' | 'default';

/**
 * Loads client configuration: `--kubeconfig` file, else `KUBECONFIG` (a path list), else the
 * in-cluster service account (when `KUBERNETES_SERVICE_HOST` is set), else `~/.kube/config`.
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): { kubeConfig: KubeConfig; source: KubeConfigSource } {
  const env = options.env ?? process.env;
  const kc = new KubeConfig();
  let source: KubeConfigSource;
  if (options.kubeconfig) {
    kc.loadFromFile(options.kubeconfig);
    source = 'flag';
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(process.platform === 'win32' ? ';' : ':').filter((f) => f !== '');
    const first = files[0];
    if (files.length === 1 && first !== undefined) kc.loadFromFile(first);
    else kc.loadFromDefault();
    source = 'env';
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
    source = 'in-cluster';
  } else {
    kc.loadFromDefault();
    source = 'default';
  }
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(`kubeconfig (${source}): no current cluster${options.context ? ` for context "${options.context}"` : ''}`);
  }
  return { kubeConfig: kc, source };
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A failed API call: the HTTP status code and the Status object's reason and message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    /** HTTP status code; 0 when the request never got an answer (network error, timeout). */
    readonly statusCode: number,
    /** Status reason (`NotFound`, `AlreadyExists`, `Conflict`, `Expired`, `Gone`, ...) or `''`. */
    readonly reason: string,
    message: string,
    /** The Status object, when the server sent one. */
    readonly status?: Record<string, unknown>,
    /** `METHOD path` of the failed request. */
    readonly request?: string,
  ) {
    super(message);
  }

  static from(statusCode: number, body: string, request?: string): KubeApiError {
    let status: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object') status = parsed as Record<string, unknown>;
    } catch {
      // not JSON
    }
    const reason = typeof status?.reason === 'string' ? status.reason : '';
    const text = typeof status?.message === 'string' ? status.message : body.trim().slice(0, 500) || http.STATUS_CODES[statusCode] || 'error';
    return new KubeApiError(statusCode, reason, `${request ? `${request}: ` : ''}${statusCode}${reason ? ` ${reason}` : ''}: ${text}`, status, request);
  }

  /** From a watch ERROR event's Status object. */
  static fromStatus(status: Record<string, unknown>, request?: string): KubeApiError {
    const code = typeof status.code === 'number' ? status.code : 500;
    return KubeApiError.from(code, JSON.stringify(status), request);
  }
}

export function isKubeApiError(err: unknown, statusCode?: number): err is KubeApiError {
  return err instanceof KubeApiError && (statusCode === undefined || err.statusCode === statusCode);
}
export const isNotFound = (err: unknown): boolean => isKubeApiError(err, 404);
export const isConflict = (err: unknown): boolean => isKubeApiError(err, 409) && (err as KubeApiError).reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean => isKubeApiError(err, 409) && (err as KubeApiError).reason === 'AlreadyExists';
/** 410 Gone / Expired: the resourceVersion is too old, relist. */
export const isGone = (err: unknown): boolean => isKubeApiError(err, 410);

// ---------------------------------------------------------------------------------------------
// Client

export const CONTENT_TYPE = {
  json: 'application/json',
  mergePatch: 'application/merge-patch+json',
  jsonPatch: 'application/json-patch+json',
  strategicMergePatch: 'application/strategic-merge-patch+json',
  applyPatch: 'application/apply-patch+yaml',
} as const;

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Object sent as JSON (with `contentType`, default application/json). */
  body?: unknown;
  contentType?: string;
  /** Per-request timeout in milliseconds (default the client's, 30 s). 0 disables. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface KubeClientOptions {
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Default per-request timeout in milliseconds; default 30 000. */
  timeoutMs?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  signal?: AbortSignal;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Server-side timeout of the watch. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Subresource, e.g. `status`. */
  subresource?: string;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  signal?: AbortSignal;
}

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** Builds the URL path of a collection or of one object (and a subresource). */
export function resourcePath(resource: ResourceDescriptor, namespace?: string, name?: string, subresource?: string): string {
  let path = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  if (resource.namespaced && namespace !== undefined && namespace !== '') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

function checkNamespace(resource: ResourceDescriptor, namespace: string | undefined): void {
  if (resource.namespaced && !namespace) throw new TypeError(`${resource.plural} is namespaced: give a namespace`);
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return AbortSignal.any(present);
}

/**
 * A typed REST client for the Kubernetes API. Every patch sends its own content type; every failure
 * is a `KubeApiError`.
 */
export class KubeClient {
  readonly kubeConfig: KubeConfig;
  private readonly server: URL;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  /**
   * One keep-alive agent per client holding the TLS material: connections are reused and a TLS
   * context is built once per connection instead of once per request (which profiling showed as the
   * largest cost of a busy controller).
   */
  private agent: https.Agent | undefined;

  constructor(kubeConfig: KubeConfig, options: KubeClientOptions = {}) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.kubeConfig = kubeConfig;
    this.server = new URL(cluster.server);
    this.userAgent = options.userAgent ?? 'purelb-ts';
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** The API server's base URL. */
  get url(): string {
    return this.server.toString().replace(/\/$/, '');
  }

  private async open(method: string, path: string, options: RequestOptions, accept: string): Promise<{ res: http.IncomingMessage; label: string }> {
    const url = new URL(this.server.toString().replace(/\/$/, '') + path + queryString(options.query));
    const label = `${method} ${url.pathname}`;
    const opts: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), Accept: accept, 'User-Agent': this.userAgent };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body), 'utf8');
      headers['Content-Type'] = options.contentType ?? CONTENT_TYPE.json;
      headers['Content-Length'] = String(payload.length);
    }
    const isHttps = url.protocol === 'https:';
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const signal = combineSignals(options.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined);
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername, ...rest } = opts;
    if (isHttps && !this.agent) {
      this.agent = new https.Agent({ keepAlive: true, ca, cert, key, pfx, passphrase, rejectUnauthorized, servername });
    }
    const requestOptions: https.RequestOptions = {
      ...rest,
      method,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (isHttps ? 443 : 80),
      path: url.pathname + url.search,
      headers,
      ...(isHttps ? { agent: this.agent } : { agent: undefined }),
      ...(signal ? { signal } : {}),
    };
    return await new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(requestOptions, (res) => resolve({ res, label }));
      req.on('error', (err: Error) => {
        const reason = signal?.aborted ? (options.signal?.aborted ? 'Aborted' : 'Timeout') : '';
        const why = reason === 'Timeout' ? `no answer within ${timeoutMs} ms` : reason === 'Aborted' ? 'aborted' : err.message;
        reject(new KubeApiError(0, reason, `${label}: ${why}`, undefined, label));
      });
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Sends one request and returns the decoded JSON answer; non-2xx answers throw KubeApiError. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { res, label } = await this.open(method, path, options, CONTENT_TYPE.json);
    let text: string;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      throw new KubeApiError(0, '', `${label}: ${(err as Error).message}`, undefined, label);
    }
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw KubeApiError.from(code, text, label);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(code, 'InvalidResponse', `${label}: response is not JSON`, undefined, label);
    }
  }

  async get<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace?: string, options: { signal?: AbortSignal } = {}): Promise<T> {
    checkNamespace(resource, namespace);
    return this.request<T>('GET', resourcePath(resource, namespace, name), { signal: options.signal });
  }

  /** One page (or all, without `limit`) of a collection; without a namespace, across all namespaces. */
  async list<T extends KubeObject>(resource: ResourceDescriptor, options: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.request<KubeList<T>>('GET', resourcePath(resource, options.namespace), {
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit,
        continue: options.continue,
        resourceVersion: options.resourceVersion,
        resourceVersionMatch: options.resourceVersionMatch,
      },
      signal: options.signal,
    });
    list.items ??= [];
    list.metadata ??= {};
    return list;
  }

  /** Every item, fetched in pages of `pageSize`; the result carries the first page's resourceVersion. */
  async listAll<T extends KubeObject>(resource: ResourceDescriptor, options: Omit<ListOptions, 'limit' | 'continue'> & { pageSize?: number } = {}): Promise<KubeList<T>> {
    const { pageSize = 500, ...rest } = options;
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.list<T>(resource, { ...rest, limit: pageSize, continue: cont, ...(cont ? { resourceVersion: undefined, resourceVersionMatch: undefined } : {}) });
      items.push(...page.items);
      resourceVersion ??= page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { metadata: { resourceVersion }, items };
  }

  async create<T extends KubeObject>(resource: ResourceDescriptor, object: T, options: WriteOptions = {}): Promise<T> {
    const namespace = object.metadata?.namespace;
    checkNamespace(resource, namespace);
    return this.request<T>('POST', resourcePath(resource, namespace), {
      body: withTypeMeta(resource, object),
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
      signal: options.signal,
    });
  }

  /** PUT of the whole object (or of a subresource); a stale `metadata.resourceVersion` gives 409. */
  async update<T extends KubeObject>(resource: ResourceDescriptor, object: T, options: WriteOptions = {}): Promise<T> {
    const { name, namespace } = requireName(object);
    checkNamespace(resource, namespace);
    return this.request<T>('PUT', resourcePath(resource, namespace, name, options.subresource), {
      body: withTypeMeta(resource, object),
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
      signal: options.signal,
    });
  }

  /** PUT of `/status`. */
  async updateStatus<T extends KubeObject>(resource: ResourceDescriptor, object: T, options: Omit<WriteOptions, 'subresource'> = {}): Promise<T> {
    return this.update(resource, object, { ...options, subresource: 'status' });
  }

  async delete<T = unknown>(resource: ResourceDescriptor, name: string, namespace?: string, options: DeleteOptions = {}): Promise<T> {
    checkNamespace(resource, namespace);
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.preconditions) body.preconditions = options.preconditions;
    return this.request<T>('DELETE', resourcePath(resource, namespace, name), { body, signal: options.signal });
  }

  /** Generic PATCH with an explicit content type. */
  async patch<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace: string | undefined, body: unknown, contentType: string, options: WriteOptions & { force?: boolean } = {}): Promise<T> {
    checkNamespace(resource, namespace);
    return this.request<T>('PATCH', resourcePath(resource, namespace, name, options.subresource), {
      body,
      contentType,
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager, force: options.force ? true : undefined },
      signal: options.signal,
    });
  }

  /** JSON merge patch (RFC 7386): `null` deletes a field, lists are replaced whole. */
  async patchMerge<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace: string | undefined, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<T> {
    return this.patch<T>(resource, name, namespace, patch, CONTENT_TYPE.mergePatch, options);
  }

  /** JSON patch (RFC 6902); use a `test` operation on `/metadata/resourceVersion` for optimistic concurrency. */
  async patchJson<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace: string | undefined, operations: JsonPatchOperation[], options: WriteOptions = {}): Promise<T> {
    return this.patch<T>(resource, name, namespace, operations, CONTENT_TYPE.jsonPatch, options);
  }

  /** Strategic merge patch (built-in kinds only). */
  async patchStrategic<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace: string | undefined, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<T> {
    return this.patch<T>(resource, name, namespace, patch, CONTENT_TYPE.strategicMergePatch, options);
  }

  /** Merge patch of the `/status` subresource. */
  async patchStatus<T extends KubeObject>(resource: ResourceDescriptor, name: string, namespace: string | undefined, patch: Record<string, unknown>, options: Omit<WriteOptions, 'subresource'> = {}): Promise<T> {
    return this.patch<T>(resource, name, namespace, patch, CONTENT_TYPE.mergePatch, { ...options, subresource: 'status' });
  }

  /**
   * Server-side apply of `object` (which must carry apiVersion/kind, filled in from the descriptor
   * when missing) as `fieldManager`; `force` takes over fields owned by other managers.
   */
  async applyServerSide<T extends KubeObject>(resource: ResourceDescriptor, object: T, fieldManager: string, options: Omit<WriteOptions, 'fieldManager'> & { force?: boolean } = {}): Promise<T> {
    const { name, namespace } = requireName(object);
    return this.patch<T>(resource, name, namespace, withTypeMeta(resource, object), CONTENT_TYPE.applyPatch, { ...options, fieldManager });
  }

  /**
   * Opens a watch and calls `onEvent` for each event until the server ends the stream (the promise
   * resolves) or it fails (rejects with KubeApiError; a 410 from an ERROR event has statusCode 410).
   * Abort with `signal`; an aborted watch resolves.
   */
  async watch<T extends KubeObject>(resource: ResourceDescriptor, options: WatchOptions, onEvent: (type: WatchEventType, object: T) => void): Promise<void> {
    const { res, label } = await this.open(
      'GET',
      resourcePath(resource, options.namespace),
      {
        query: {
          watch: 1,
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: options.allowWatchBookmarks ? true : undefined,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          timeoutSeconds: options.timeoutSeconds,
        },
        timeoutMs: 0,
        signal: options.signal,
      },
      CONTENT_TYPE.json,
    );
    const code = res.statusCode ?? 0;
    if (code !== 200) {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of res) chunks.push(chunk as Buffer);
      } catch {
        // use what arrived
      }
      throw KubeApiError.from(code, Buffer.concat(chunks).toString('utf8'), label);
    }
    let buffered = '';
    try {
      res.setEncoding('utf8');
      for await (const chunk of res) {
        buffered += chunk as string;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line === '') continue;
          let event: { type?: string; object?: unknown };
          try {
            event = JSON.parse(line) as { type?: string; object?: unknown };
          } catch {
            throw new KubeApiError(200, 'InvalidResponse', `${label}: watch event is not JSON`, undefined, label);
          }
          if (event.type === 'ERROR') throw KubeApiError.fromStatus((event.object ?? {}) as Record<string, unknown>, label);
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK') {
            onEvent(event.type, event.object as T);
          }
        }
      }
    } catch (err) {
      if (options.signal?.aborted) return;
      if (err instanceof KubeApiError) throw err;
      throw new KubeApiError(0, '', `${label}: watch stream failed: ${(err as Error).message}`, undefined, label);
    } finally {
      res.destroy();
    }
  }
}

function requireName(object: KubeObject): { name: string; namespace: string | undefined } {
  const name = object.metadata?.name;
  if (!name) throw new TypeError('object has no metadata.name');
  return { name, namespace: object.metadata?.namespace };
}

function withTypeMeta<T extends KubeObject>(resource: ResourceDescriptor, object: T): T {
  if (object.apiVersion && object.kind) return object;
  return { ...object, apiVersion: object.apiVersion ?? apiVersionOf(resource), ...(object.kind || !resource.kind ? {} : { kind: resource.kind }) };
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go's MetaNamespaceKeyFunc). */
export function objectKey(object: KubeObject): string {
  const name = object.metadata?.name ?? '';
  const namespace = object.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by `objectKey`. */
export function splitObjectKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
