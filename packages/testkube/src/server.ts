// The HTTPS front of testkube: routing of kube-apiserver URLs, content negotiation, body decoding,
// watch streaming, CRD lifecycle and fault injection. Semantics of each verb live in rest.ts.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, resourceNotFound } from './errors.js';
import { Store, type Change, type StoredObject } from './store.js';
import { Registry, storageOf, groupVersionOf } from './registry.js';
import { RestCore, CRD_STORAGE, type ListOptions, type PatchType, type RequestOptions, type DeleteOptions } from './rest.js';
import type { KubeObject, ResourceType, ServerConfig } from './resources/types.js';
import { builtinResourceTypes } from './resources/builtin/index.js';
import { toTable, type IncludeObject } from './table.js';
import { decodeKubeProtobuf } from './protobuf.js';
import { crdResourceType, unknownFieldsWarning, strictUnknownFieldsMessage, pruneUnknownFields } from './crd/crd.js';
import { findDuplicateJsonFields, duplicateFieldText, strictDecodingError, cannotBeHandledMessage } from './crd/schema.js';
import { isBuiltinGroup } from './rest.js';
import * as discovery from './discovery.js';
import * as openapi from './openapi.js';

export interface FaultState {
  /** Extra delay before every API request is handled. */
  latencyMs: number;
  /** The next `count` writes (POST/PUT/PATCH/DELETE) fail with `code` (409 or 500). */
  failWrites: { count: number; code: 409 | 500 };
}

export interface Faults {
  /** Ends every open watch response (clients see the stream close). */
  closeWatches(): number;
  /** Answers the next `count` writes with a 409 Conflict or 500 InternalError. */
  failNextWrites(count: number, code?: 409 | 500): void;
  setLatency(ms: number): void;
  /**
   * Compacts history: watches from older resourceVersions get 410 Expired (`watchCache`, default
   * true), Exact lists and old continue tokens get 410 (always).
   */
  compact(options?: { watchCache?: boolean }): void;
  /** Clears latency and pending write failures. */
  reset(): void;
  state(): FaultState;
}

export interface TestKubeServerOptions {
  port?: number;
  host?: string;
  config?: Partial<ServerConfig>;
  initialResourceVersion?: number;
  /** Interval between BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs?: number;
  tls: { certPem: string; keyPem: string };
}

interface ActiveWatch {
  res: ServerResponse;
  close(): void;
}

const JSON_TYPE = 'application/json';

export class TestKubeServer {
  readonly store: Store;
  readonly registry: Registry;
  readonly rest: RestCore;
  readonly config: ServerConfig;
  private readonly server: https.Server;
  private readonly watches = new Set<ActiveWatch>();
  private readonly sockets = new Set<Socket>();
  private fault: FaultState = { latencyMs: 0, failWrites: { count: 0, code: 500 } };
  private readonly bookmarkIntervalMs: number;
  readonly faults: Faults;

  constructor(private readonly options: TestKubeServerOptions) {
    this.config = {
      serviceCIDR: '10.96.0.0/16',
      nodePortRange: [30000, 32767],
      ...options.config,
    };
    this.store = new Store({ initialResourceVersion: options.initialResourceVersion });
    this.registry = new Registry(builtinResourceTypes());
    this.rest = new RestCore(this.store, this.registry, this.config);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    this.server = https.createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
      void this.handle(req, res);
    });
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.keepAliveTimeout = 30_000;
    this.faults = {
      closeWatches: () => {
        const n = this.watches.size;
        for (const w of [...this.watches]) w.close();
        return n;
      },
      failNextWrites: (count, code = 500) => {
        this.fault.failWrites = { count, code };
      },
      setLatency: (ms) => {
        this.fault.latencyMs = ms;
      },
      compact: (opts = {}) => {
        this.store.compact({ etcd: true, watchCache: opts.watchCache ?? true });
      },
      reset: () => {
        this.fault = { latencyMs: 0, failWrites: { count: 0, code: 500 } };
      },
      state: () => structuredClone(this.fault),
    };
    this.bootstrapObjects();
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const w of [...this.watches]) w.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Objects a fresh cluster has: the default namespaces and the kubernetes Service. */
  private bootstrapObjects(): void {
    const req: RequestOptions = { userAgent: 'kube-apiserver', warnings: [] };
    const ns = this.registry.find('', 'v1', 'namespaces')!;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.rest.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, req);
    }
    const svc = this.registry.find('', 'v1', 'services')!;
    this.rest.create(
      svc,
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: { type: 'ClusterIP', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], clusterIP: firstServiceIP(this.config.serviceCIDR) },
      },
      req,
    );
  }

  // ------------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://testkube');
    try {
      if (url.pathname.startsWith('/_testkube/')) {
        await this.handleAdmin(req, res, url);
        return;
      }
      if (this.fault.latencyMs > 0) await sleep(this.fault.latencyMs);
      const method = (req.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && this.fault.failWrites.count > 0 && !isHealthPath(url.pathname)) {
        this.fault.failWrites.count--;
        const body = await readBody(req);
        void body;
        throw this.fault.failWrites.code === 409
          ? new ApiError(409, 'Conflict', 'Operation cannot be fulfilled: injected conflict (testkube fault)', {})
          : new ApiError(500, 'InternalError', 'Internal error occurred: injected failure (testkube fault)', {});
      }
      await this.route(req, res, url, method);
    } catch (err) {
      this.sendError(res, err);
    }
  }

  private sendError(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof ApiError) {
      const warnings = (err as ApiError & { warnings?: string[] }).warnings;
      if (warnings?.length) res.setHeader('Warning', warnings);
      sendJson(res, err.code, err.toStatus());
      return;
    }
    if (err instanceof PlainNotFound) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    sendJson(res, 500, new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {}).toStatus());
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // Fault injection for chaos tests driven from other processes (the e2e harness, scripts).
    if (url.pathname === '/_testkube/faults') {
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        const result: Record<string, unknown> = {};
        if (body.reset) this.faults.reset();
        if (body.closeWatches) result.closedWatches = this.faults.closeWatches();
        if (body.failWrites) this.faults.failNextWrites(Number(body.failWrites.count ?? 1), body.failWrites.code === 409 ? 409 : 500);
        if (body.latencyMs !== undefined) this.faults.setLatency(Number(body.latencyMs));
        if (body.compact) this.faults.compact({ watchCache: body.compact.watchCache ?? true });
        sendJson(res, 200, { ...this.faults.state(), ...result, resourceVersion: String(this.store.currentRevision) });
        return;
      }
      sendJson(res, 200, { ...this.faults.state(), resourceVersion: String(this.store.currentRevision) });
      return;
    }
    throw new PlainNotFound();
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept ?? '';
    if (isHealthPath(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('ok');
      return;
    }
    if (path === '/version') return sendJson(res, 200, discovery.versionInfo());
    if (path.startsWith('/openapi/')) {
      const r = openapi.serveOpenAPI(path, { hash: url.searchParams.get('hash') }, req.headers.accept, this.registry.all(), (gv) => this.customOpenAPI(gv));
      if (!r) throw new PlainNotFound();
      res.writeHead(r.status, r.headers);
      res.end(r.body);
      return;
    }
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'api') {
      if (parts.length === 1) return this.discoveryRoot(res, accept, 'core');
      if (parts[1] !== 'v1') throw new PlainNotFound();
      if (parts.length === 2) return sendJson(res, 200, discovery.apiResourceList('v1', this.typesOf('', 'v1')));
      return this.resourceRequest(req, res, url, method, '', 'v1', parts.slice(2));
    }
    if (parts[0] === 'apis') {
      if (parts.length === 1) return this.discoveryRoot(res, accept, 'apis');
      const group = parts[1]!;
      if (!this.registry.hasGroup(group)) throw new PlainNotFound();
      if (parts.length === 2) return sendJson(res, 200, discovery.apiGroup(group, this.registry.all()));
      const version = parts[2]!;
      if (!this.registry.hasGroupVersion(group, version)) throw resourceNotFound();
      if (parts.length === 3) return sendJson(res, 200, discovery.apiResourceList(`${group}/${version}`, this.typesOf(group, version)));
      return this.resourceRequest(req, res, url, method, group, version, parts.slice(3));
    }
    throw new PlainNotFound();
  }

  private customOpenAPI(groupVersion: string): Record<string, unknown> | undefined {
    const [group, version] = groupVersion.split('/');
    const crds = this.store
      .list(CRD_STORAGE)
      .filter((crd) => crd.spec?.group === group && (crd.spec?.versions ?? []).some((v: { name: string }) => v.name === version));
    return crds.length ? openapi.crdDocument(crds, groupVersion) : undefined;
  }

  private serverAddress(): string {
    const a = this.server.address() as AddressInfo | null;
    return a ? `${a.address}:${a.port}` : '127.0.0.1:6443';
  }

  private typesOf(group: string, version: string): ResourceType[] {
    return this.registry.all().filter((t) => t.group === group && t.version === version);
  }

  private discoveryRoot(res: ServerResponse, accept: string, which: 'core' | 'apis'): void {
    const negotiated = discovery.negotiateDiscovery(accept);
    if (negotiated instanceof ApiError) throw negotiated;
    if (negotiated.type === 'aggregated') {
      const body = discovery.aggregatedDiscovery(which, this.registry.all());
      res.writeHead(200, { 'Content-Type': negotiated.contentType });
      res.end(JSON.stringify(body));
      return;
    }
    return sendJson(res, 200, which === 'core' ? discovery.coreAPIVersions(this.serverAddress()) : discovery.apiGroupList(this.registry.all()));
  }

  // ------------------------------------------------------------------ resources

  private async resourceRequest(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    group: string,
    version: string,
    rest: string[],
  ): Promise<void> {
    let watchPath = false;
    if (rest[0] === 'watch') {
      watchPath = true;
      rest = rest.slice(1);
    }
    // Resolve namespace / resource / name / subresource.
    let namespace: string | undefined;
    let resource: string;
    let name: string | undefined;
    let subresource: string | undefined;
    const nsType = group === '' ? this.registry.find('', 'v1', 'namespaces') : undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && nsType && nsType.subresources.includes(rest[2]!))) {
      namespace = rest[1];
      resource = rest[2]!;
      name = rest[3];
      subresource = rest[4];
      if (rest.length > 5) throw resourceNotFound();
    } else {
      resource = rest[0]!;
      name = rest[1];
      subresource = rest[2];
      if (rest.length > 3) throw resourceNotFound();
    }
    const type = this.registry.find(group, version, resource);
    if (!type) throw resourceNotFound();
    if (namespace !== undefined && !type.namespaced) throw resourceNotFound();
    if (subresource !== undefined && !type.subresources.includes(subresource)) throw resourceNotFound();
    if (subresource !== undefined && subresource !== 'status' && subresource !== 'finalize') {
      // Listed in discovery (proxy, exec, log, scale, token, ...) but served by kubelets and
      // controllers that testkube does not have.
      throw new ApiError(503, 'ServiceUnavailable', `the ${subresource} subresource of ${type.resource} is not served by testkube`, {});
    }

    const q = url.searchParams;
    const reqOpts: RequestOptions = {
      userAgent: req.headers['user-agent'],
      fieldManager: q.get('fieldManager') ?? undefined,
      dryRun: q.getAll('dryRun').includes('All'),
      fieldValidation: q.get('fieldValidation') ?? undefined,
      warnings: [],
    };
    const accept = req.headers.accept ?? '';
    const isWatch = watchPath || q.get('watch') === 'true' || q.get('watch') === '1';

    if (method === 'GET') {
      if (name === undefined) {
        const listOpts = listOptionsFrom(q);
        if (isWatch) return this.watch(req, res, type, namespace, listOpts, accept, q);
        const list = this.rest.list(type, namespace, listOpts);
        return this.sendObjects(res, 200, type, list, accept, q, reqOpts.warnings, true);
      }
      if (isWatch) throw resourceNotFound();
      const obj = this.rest.get(type, namespace, name);
      return this.sendObjects(res, 200, type, obj, accept, q, reqOpts.warnings, false);
    }
    if (method === 'POST') {
      if (name !== undefined) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
      const body = await this.decodeObjectBody(req, res, type, reqOpts);
      const created = this.rest.create(type, namespace, body, reqOpts);
      this.afterWrite(type, created);
      return this.sendObjects(res, 201, type, created, accept, q, reqOpts.warnings, false);
    }
    if (method === 'PUT') {
      if (name === undefined) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
      const body = await this.decodeObjectBody(req, res, type, reqOpts);
      const { object } = this.rest.update(type, namespace, name, body, reqOpts, subresource);
      this.afterWrite(type, object);
      return this.sendObjects(res, 200, type, object, accept, q, reqOpts.warnings, false);
    }
    if (method === 'PATCH') {
      if (name === undefined) throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
      const patchType = patchTypeOf(req.headers['content-type']);
      const raw = (await readBody(req)).toString('utf8');
      let patchBody: unknown;
      try {
        patchBody = patchType === 'apply' ? parseYaml(raw) : JSON.parse(raw);
      } catch (e) {
        throw badRequest(`error decoding patch: ${(e as Error).message}`);
      }
      if (patchType === 'json' && !Array.isArray(patchBody)) {
        const kind = patchBody === null ? 'null' : typeof patchBody === 'object' ? 'object' : typeof patchBody;
        throw badRequest(`error decoding patch: json: cannot unmarshal ${kind} into Go value of type []handlers.jsonPatchOp`);
      }
      const { object, created } = this.rest.patch(type, namespace, name, patchType, patchBody, { ...reqOpts, force: q.get('force') === 'true' }, subresource);
      this.afterWrite(type, object);
      return this.sendObjects(res, created ? 201 : 200, type, object, accept, q, reqOpts.warnings, false);
    }
    if (method === 'DELETE') {
      const raw = (await readBody(req)).toString('utf8');
      const delOpts = deleteOptionsFrom(raw, q);
      if (name === undefined) {
        const list = this.rest.deleteCollection(type, namespace, listOptionsFrom(q), delOpts);
        return sendJson(res, 200, list);
      }
      const { body, status } = this.rest.delete(type, namespace, name, delOpts);
      if (body.kind !== 'Status') this.afterWrite(type, body, true);
      return sendJson(res, status, body);
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  }

  /** Reacts to writes the way in-apiserver controllers do (CRD naming/establishing/finalizing). */
  private afterWrite(type: ResourceType, obj: KubeObject, deleting = false): void {
    if (storageOf(type) !== CRD_STORAGE) return;
    if (deleting || obj.metadata?.deletionTimestamp) {
      // Like the apiextensions finalizer: mark deletion in progress, then remove the instances and
      // the CRD (the recording saw it still Terminating right away and gone ~0.3 s later).
      setTimeout(() => this.markCRDDeletionInProgress(obj.metadata!.name as string), 5).unref();
      setTimeout(() => this.finishCRDDeletion(obj.metadata!.name as string), 150).unref();
      return;
    }
    const cond = (obj.status?.conditions ?? []) as Array<{ type: string; status: string }>;
    if (!cond.some((c) => c.type === 'Established' && c.status === 'True')) {
      setTimeout(() => this.establishCRD(obj.metadata!.name as string), 5).unref();
    } else {
      this.registerCRD(obj);
    }
  }

  private crdType(): ResourceType {
    return this.registry.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  private establishCRD(name: string): void {
    const stored = this.store.get(CRD_STORAGE, name);
    if (!stored || stored.metadata.deletionTimestamp) return;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const names = stored.spec.names;
    const step1 = structuredClone(stored) as StoredObject;
    step1.status = {
      ...(step1.status ?? {}),
      conditions: [
        { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
        { type: 'Established', status: 'False', lastTransitionTime: now, reason: 'Installing', message: 'the initial names have been accepted' },
      ],
      acceptedNames: names,
      storedVersions: step1.status?.storedVersions ?? [],
    };
    delete step1.metadata.resourceVersion;
    this.store.put(CRD_STORAGE, name, step1);
    const step2 = structuredClone(step1) as StoredObject;
    step2.status.conditions[1] = { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
    delete step2.metadata.resourceVersion;
    this.registerCRD(step2);
    this.store.put(CRD_STORAGE, name, step2);
  }

  private registerCRD(crd: StoredObject): void {
    for (const v of crd.spec?.versions ?? []) {
      if (!v.served) continue;
      this.registry.add({ fieldSelectorErrorStyle: 'not-supported', ...crdResourceType(crd, v.name) });
    }
  }

  private markCRDDeletionInProgress(name: string): void {
    const stored = this.store.get(CRD_STORAGE, name);
    if (!stored) return;
    const next = structuredClone(stored) as StoredObject;
    next.status.conditions = (next.status.conditions ?? []).map((c: { type: string }) =>
      c.type === 'Terminating' ? { ...c, reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' } : c,
    );
    delete next.metadata.resourceVersion;
    this.store.put(CRD_STORAGE, name, next);
  }

  private finishCRDDeletion(name: string): void {
    const stored = this.store.get(CRD_STORAGE, name);
    if (!stored) return;
    const group = stored.spec.group as string;
    const plural = stored.spec.names.plural as string;
    const types = this.registry.all().filter((t) => t.group === group && t.resource === plural);
    const storage = types[0] ? storageOf(types[0]) : `${group}/${plural}`;
    for (const obj of this.store.list(storage)) {
      this.store.delete(storage, obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name);
    }
    for (const t of types) this.registry.remove(t.group, t.version, t.resource);
    this.store.delete(CRD_STORAGE, name);
  }

  private async decodeObjectBody(req: IncomingMessage, res: ServerResponse, type: ResourceType, reqOpts: RequestOptions): Promise<KubeObject> {
    const raw = await readBody(req);
    const contentType = (req.headers['content-type'] ?? JSON_TYPE).split(';')[0]!.trim();
    let obj: unknown;
    if (contentType === 'application/vnd.kubernetes.protobuf') {
      obj = decodeKubeProtobuf(raw, { kind: type.kind, group: type.group, version: type.version });
    } else if (contentType === 'application/yaml') {
      try {
        obj = parseYaml(raw.toString('utf8'));
      } catch (e) {
        throw badRequest(`the object provided is unrecognized (must be of type ${type.kind}): ${(e as Error).message}`);
      }
    } else if (contentType === JSON_TYPE || contentType === '') {
      const text = raw.toString('utf8');
      try {
        obj = JSON.parse(text);
      } catch {
        const preview = text.length > 30 ? `${text.slice(0, 30)} ...` : text;
        throw badRequest(
          `the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; json parse error: unexpected end of JSON input (${preview})`,
        );
      }
    } else {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, {});
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
      throw badRequest(`the object provided is unrecognized (must be of type ${type.kind}): couldn't get version/kind; json parse error: cannot unmarshal into object`);
    }
    const o = obj as KubeObject;
    const gv = groupVersionOf(type);
    if (o.kind !== undefined && o.kind !== type.kind) {
      const internalGroup = type.group === '' ? 'core' : type.group.split('.')[0];
      throw badRequest(
        `${o.kind} in version ${JSON.stringify(versionOf(o.apiVersion))} cannot be handled as a ${type.kind}: converting (${versionOf(o.apiVersion)}.${o.kind}) to (${internalGroup}.${type.kind}): unknown conversion`,
      );
    }
    if (isCustom(type)) {
      if (reqOpts.fieldValidation === 'Strict' && contentType === JSON_TYPE) {
        const dups = findDuplicateJsonFields(raw.toString('utf8'));
        if (dups.length) throw badRequest(cannotBeHandledMessage(type.kind, type.version, strictDecodingError([], dups.map(duplicateFieldText))));
      }
      if (o.apiVersion !== undefined && o.apiVersion !== gv) {
        // kube decodes the body against a version it has no schema for: everything but the type
        // and object metadata is an unknown field, reported before the version error.
        if (reqOpts.fieldValidation !== 'Ignore') {
          const unknownTop = Object.keys(o).filter((k) => !['apiVersion', 'kind', 'metadata'].includes(k));
          reqOpts.warnings.push(...unknownFieldsWarning(unknownTop));
        }
        throw Object.assign(badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${gv})`), { warnings: reqOpts.warnings });
      }
      const crd = this.crdFor(type);
      if (crd) {
        const unknown = pruneUnknownFields(crd, type.version, o);
        if (unknown.length) {
          if (reqOpts.fieldValidation === 'Strict') throw badRequest(strictUnknownFieldsMessage(unknown, type.kind, type.version));
          if (reqOpts.fieldValidation !== 'Ignore') reqOpts.warnings.push(...unknownFieldsWarning(unknown));
        }
      }
    }
    // Warnings go out with whatever the request ends in, including validation errors.
    if (reqOpts.warnings.length) res.setHeader('Warning', reqOpts.warnings);
    return o;
  }

  private crdFor(type: ResourceType): StoredObject | undefined {
    return this.store.list(CRD_STORAGE).find((c) => c.spec?.group === type.group && c.spec?.names?.plural === type.resource);
  }

  private sendObjects(
    res: ServerResponse,
    status: number,
    type: ResourceType,
    body: KubeObject,
    accept: string,
    q: URLSearchParams,
    warnings: string[],
    isList: boolean,
  ): void {
    if (warnings.length) res.setHeader('Warning', warnings);
    if (wantsTable(accept)) {
      const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
      const objects = isList ? (body.items as KubeObject[]).map((i) => ({ apiVersion: body.apiVersion, kind: type.kind, ...i })) : [body];
      const meta: Record<string, unknown> = isList ? { ...body.metadata } : { resourceVersion: body.metadata?.resourceVersion };
      return sendJson(res, status, toTable(type, objects, meta, include, new Date()));
    }
    sendJson(res, status, body);
  }

  // ------------------------------------------------------------------ watch

  private watch(req: IncomingMessage, res: ServerResponse, type: ResourceType, namespace: string | undefined, opts: ListOptions, accept: string, q: URLSearchParams): void {
    const prepared = this.rest.prepareWatch(type, namespace, opts);
    const asTable = wantsTable(accept);
    const include = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const timeoutSeconds = q.get('timeoutSeconds') ? Number(q.get('timeoutSeconds')) : 1800;
    res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    let firstTable = true;
    let lastRV = prepared.fromRV;
    const write = (eventType: string, obj: KubeObject) => {
      let payload: KubeObject = obj;
      if (asTable && eventType !== 'ERROR' && eventType !== 'BOOKMARK') {
        payload = toTable(type, [obj], { resourceVersion: obj.metadata?.resourceVersion }, include, new Date(), firstTable);
        firstTable = false;
      }
      res.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
    };
    if (prepared.replay === 'expired') {
      write('ERROR', new ApiError(410, 'Expired', `too old resource version: ${prepared.fromRV} (${this.store.oldestWatchableRevision})`).toStatus());
      res.end();
      return;
    }
    const send = (change: Change) => {
      const ev = this.rest.watchEventFor(prepared.filter, change);
      if (change.rv > lastRV) lastRV = change.rv;
      if (!ev) return;
      write(ev.type, this.rest.external(type, ev.object as StoredObject));
    };
    for (const obj of prepared.initial) write('ADDED', this.rest.external(type, obj));
    for (const change of prepared.replay) send(change);
    const storage = storageOf(type);
    const unsubscribe = this.store.subscribe((change) => {
      if (change.storage === storage && change.rv > prepared.fromRV) send(change);
    });
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const active: ActiveWatch = {
      res,
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        for (const t of timers) clearTimeout(t);
        this.watches.delete(active);
        res.end();
      },
    };
    this.watches.add(active);
    timers.push(setTimeout(() => active.close(), timeoutSeconds * 1000));
    if (bookmarks) {
      timers.push(
        setInterval(() => {
          const rv = Math.max(lastRV, this.store.currentRevision);
          write('BOOKMARK', bookmarkObject(type, String(rv)));
        }, this.bookmarkIntervalMs),
      );
    }
    req.on('close', () => active.close());
    res.on('close', () => active.close());
  }
}

class PlainNotFound extends Error {}

/**
 * BOOKMARK objects are the Go zero value of the type with only metadata.resourceVersion set, so
 * their JSON differs per type (recorded for Services, EndpointSlices and custom resources).
 */
const BOOKMARK_ZERO_FIELDS: Record<string, Record<string, unknown>> = {
  '/services': { spec: {}, status: { loadBalancer: {} } },
  'discovery.k8s.io/endpointslices': { addressType: '', endpoints: null, ports: null },
  'coordination.k8s.io/leases': { spec: {} },
  '/namespaces': { spec: {}, status: {} },
  '/pods': { spec: { containers: null }, status: {} },
  '/configmaps': {},
};

function bookmarkObject(type: ResourceType, rv: string): KubeObject {
  if (isCustom(type)) return { apiVersion: groupVersionOf(type), kind: type.kind, metadata: { resourceVersion: rv } };
  const zero = BOOKMARK_ZERO_FIELDS[`${type.group}/${type.resource}`] ?? {};
  return { kind: type.kind, apiVersion: groupVersionOf(type), metadata: { resourceVersion: rv, creationTimestamp: null }, ...structuredClone(zero) };
}

function isCustom(type: ResourceType): boolean {
  return !isBuiltinGroup(type.group);
}

function versionOf(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const i = apiVersion.lastIndexOf('/');
  return i >= 0 ? apiVersion.slice(i + 1) : apiVersion;
}

function isHealthPath(p: string): boolean {
  return p === '/healthz' || p === '/readyz' || p === '/livez' || p.startsWith('/healthz/') || p.startsWith('/readyz/') || p.startsWith('/livez/');
}

function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      throw new ApiError(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {});
  }
}

function listOptionsFrom(q: URLSearchParams): ListOptions {
  const limit = q.get('limit');
  return {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: limit ? Number(limit) : undefined,
    continue: q.get('continue') ?? undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    sendInitialEvents: q.get('sendInitialEvents') ?? undefined,
  };
}

function deleteOptionsFrom(raw: string, q: URLSearchParams): DeleteOptions {
  let body: Record<string, any> = {};
  if (raw.trim()) {
    try {
      body = JSON.parse(raw);
    } catch {
      throw badRequest('the body of the request could not be decoded as DeleteOptions');
    }
  }
  const dryRun = [...(Array.isArray(body.dryRun) ? body.dryRun : []), ...q.getAll('dryRun')].includes('All');
  return {
    propagationPolicy: body.propagationPolicy ?? q.get('propagationPolicy') ?? undefined,
    preconditions: body.preconditions,
    gracePeriodSeconds: body.gracePeriodSeconds ?? (q.get('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : undefined),
    dryRun,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function firstServiceIP(cidr: string): string {
  const [base] = cidr.split('/');
  const octets = base!.split('.').map(Number);
  octets[3] = (octets[3] ?? 0) + 1;
  return octets.join('.');
}
