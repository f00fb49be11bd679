// OpenAPI v3 documents: the /openapi/v3 path list and one document per group-version, computed from
// the served ResourceTypes. kubectl needs them for `apply` (it looks for a PATCH operation of the
// object's GVK that takes `fieldValidation`, and computes client-side-apply strategic merge patches
// from the schemas' x-kubernetes-patch-* extensions) and for `explain`.
//
// /openapi/v2 (Swagger 2.0, JSON or gnostic protobuf) is derived from the v3 documents. kubectl
// 1.32 does not need it (the recordings never request it; it only falls back to v2 when v3 lacks a
// group-version and tolerates a 404 there), but kubectl <= 1.29 loads it for apply/create/explain,
// and /usr/bin/kubectl here dispatches to kubectl 1.28 for a server that reports v1.28.
//
// Built-in group-versions get hand-written schemas (./openapi/*); other group-versions (CRDs) come
// from a callback, normally `crdDocument` below applied to the CRDs serving that group-version.
import { createHash } from 'node:crypto';
import { isBuiltinGroup, groupVersionString, versionInfo } from './discovery.js';
import type { KubeObject, ResourceType } from './resources/types.js';
import { META, collectRefs, ref, refField, typeMetaProperties, type Schema } from './openapi/dsl.js';
import { META_SCHEMAS } from './openapi/meta.js';
import { CORE_SCHEMAS } from './openapi/core.js';
import { WORKLOAD_SCHEMAS } from './openapi/workloads.js';
import { GROUP_SCHEMAS } from './openapi/groups.js';
import { encodeSwaggerProtobuf, swaggerFromV3 } from './openapi/v2.js';

export { OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi/v2.js';

export type { Schema } from './openapi/dsl.js';

export interface OpenAPIDocument {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
}

/** Returns the document for a non-built-in group-version ("purelb.io/v1"), or undefined. */
export type CustomOpenAPI = (groupVersion: string) => Record<string, unknown> | undefined;

/** Every hand-written schema, keyed like kube (Go package path + type name). */
export const BUILTIN_SCHEMAS: Readonly<Record<string, Schema>> = {
  ...META_SCHEMAS,
  ...CORE_SCHEMAS,
  ...WORKLOAD_SCHEMAS,
  ...GROUP_SCHEMAS,
};

/** Schema-name prefix (Go package) of each built-in group. */
const GROUP_PACKAGES: Record<string, string> = {
  '': 'io.k8s.api.core',
  apps: 'io.k8s.api.apps',
  autoscaling: 'io.k8s.api.autoscaling',
  batch: 'io.k8s.api.batch',
  policy: 'io.k8s.api.policy',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  'events.k8s.io': 'io.k8s.api.events',
  'networking.k8s.io': 'io.k8s.api.networking',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  'storage.k8s.io': 'io.k8s.api.storage',
  'scheduling.k8s.io': 'io.k8s.api.scheduling',
  'node.k8s.io': 'io.k8s.api.node',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
};

/** Name of the schema describing a kind: kube's Go path for built-ins, reversed group for CRDs. */
export function schemaNameFor(group: string, version: string, kind: string): string {
  const pkg = GROUP_PACKAGES[group] ?? (group.split('.').reverse().join('.') || 'io.k8s.api.core');
  return `${pkg}.${version}.${kind}`;
}

// ------------------------------------------------------------------------------ hashing

/** The value of the `hash=` parameter kube puts in serverRelativeURL: SHA-512 of the served bytes, upper-case hex. */
export function openapiHash(serialized: string): string {
  return createHash('sha512').update(serialized).digest('hex').toUpperCase();
}

// ------------------------------------------------------------------------------ operations

/** What the path builder needs to know about a resource; ResourceType satisfies it. */
interface PathTarget {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
  deleteReturnsObject: boolean;
}

interface Naming {
  kindSchema: string;
  listSchema: string;
  /** CRDs accept no strategic merge patch and no protobuf. */
  custom: boolean;
}

const query = (name: string, type: 'string' | 'boolean' | 'integer', description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

const PARAM = {
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore - Warn (the default) - Strict',
  ),
  force: query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Must be unset for non-apply patch requests.'),
  labelSelector: query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  watch: query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  resourceVersion: query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true (requires the WatchList feature gate).'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  limit: query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  continue: query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  propagationPolicy: query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
};

const pathParam = (name: string, description: string) => ({ name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } });

const LIST_PARAMS = [
  PARAM.allowWatchBookmarks,
  PARAM.continue,
  PARAM.fieldSelector,
  PARAM.labelSelector,
  PARAM.limit,
  PARAM.resourceVersion,
  PARAM.resourceVersionMatch,
  PARAM.sendInitialEvents,
  PARAM.timeoutSeconds,
  PARAM.watch,
];
const WRITE_PARAMS = [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation];
const PATCH_PARAMS = [PARAM.dryRun, PARAM.fieldManager, PARAM.fieldValidation, PARAM.force];
const DELETE_PARAMS = [PARAM.dryRun, PARAM.gracePeriodSeconds, PARAM.orphanDependents, PARAM.propagationPolicy];

function camel(s: string): string {
  return s
    .split(/[.-]/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** kube's operationId infix: CoreV1, AppsV1, CoordinationV1, PurelbIoV1. */
function gvOperationName(group: string, version: string): string {
  const g = group === '' ? 'core' : group.replace(/\.k8s\.io$/, '');
  return camel(g) + camel(version);
}

function gvTag(group: string, version: string): string {
  const g = gvOperationName(group, '');
  return `${g[0]!.toLowerCase()}${g.slice(1)}_${version}`;
}

function content(schemaName: string, types: string[]): Record<string, { schema: Schema }> {
  const out: Record<string, { schema: Schema }> = {};
  for (const t of types) out[t] = { schema: ref(schemaName) };
  return out;
}

function buildResourcePaths(t: PathTarget, naming: Naming, paths: Record<string, Record<string, unknown>>): void {
  const prefix = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const gv = gvOperationName(t.group, t.version);
  const tags = [gvTag(t.group, t.version)];
  const gvk = { group: t.group, kind: t.kind, version: t.version };
  const media = naming.custom ? ['application/json', 'application/yaml'] : ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];
  const streamMedia = naming.custom
    ? ['application/json', 'application/json;stream=watch', 'application/yaml']
    : ['application/json', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf;stream=watch', 'application/yaml'];
  const patchMedia = naming.custom
    ? ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']
    : ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
  const has = (verb: string) => t.verbs.includes(verb);
  const ns = t.namespaced ? 'Namespaced' : '';
  const nameParam = pathParam('name', `name of the ${t.kind}`);
  const nsParam = pathParam('namespace', 'object name and auth scope, such as for teams and projects');
  const scopeParams = t.namespaced ? [nsParam] : [];
  const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
  const item = `${collection}/{name}`;
  const ok = (schema: string, types = media) => ({ description: 'OK', content: content(schema, types) });
  const created = (schema: string) => ({ description: 'Created', content: content(schema, media) });
  const accepted = (schema: string) => ({ description: 'Accepted', content: content(schema, media) });
  const op = (action: string, description: string, operationId: string, extra: Record<string, unknown>, kindRef = gvk) => ({
    tags,
    description,
    operationId,
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kindRef,
  });
  const body = (schema: string) => ({ content: content(schema, ['*/*']), required: true });
  const patchBody = { content: content(META + 'Patch', patchMedia), required: true };
  const deleteResult = t.deleteReturnsObject ? naming.kindSchema : META + 'Status';

  const coll: Record<string, unknown> = {};
  if (has('list')) {
    coll.get = op('list', `list or watch objects of kind ${t.kind}`, `list${gv}${ns}${t.kind}`, {
      parameters: LIST_PARAMS,
      responses: { '200': ok(naming.listSchema, streamMedia) },
    });
  }
  if (has('create')) {
    coll.post = op('post', `create a ${t.kind}`, `create${gv}${ns}${t.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: body(naming.kindSchema),
      responses: { '200': ok(naming.kindSchema), '201': created(naming.kindSchema), '202': accepted(naming.kindSchema) },
    });
  }
  if (has('deletecollection')) {
    coll.delete = op('deletecollection', `delete collection of ${t.kind}`, `delete${gv}Collection${ns}${t.kind}`, {
      parameters: [...LIST_PARAMS.filter((p) => p !== PARAM.watch && p !== PARAM.allowWatchBookmarks), ...DELETE_PARAMS],
      requestBody: body(META + 'DeleteOptions'),
      responses: { '200': ok(META + 'Status') },
    });
  }
  if (Object.keys(coll).length) paths[collection] = { ...coll, parameters: [...scopeParams, PARAM.pretty] };

  const one: Record<string, unknown> = {};
  if (has('get')) {
    one.get = op('get', `read the specified ${t.kind}`, `read${gv}${ns}${t.kind}`, { responses: { '200': ok(naming.kindSchema) } });
  }
  if (has('update')) {
    one.put = op('put', `replace the specified ${t.kind}`, `replace${gv}${ns}${t.kind}`, {
      parameters: WRITE_PARAMS,
      requestBody: body(naming.kindSchema),
      responses: { '200': ok(naming.kindSchema), '201': created(naming.kindSchema) },
    });
  }
  if (has('patch')) {
    one.patch = op('patch', `partially update the specified ${t.kind}`, `patch${gv}${ns}${t.kind}`, {
      parameters: PATCH_PARAMS,
      requestBody: patchBody,
      responses: { '200': ok(naming.kindSchema), '201': created(naming.kindSchema) },
    });
  }
  if (has('delete')) {
    one.delete = op('delete', `delete a ${t.kind}`, `delete${gv}${ns}${t.kind}`, {
      parameters: DELETE_PARAMS,
      requestBody: body(META + 'DeleteOptions'),
      responses: { '200': ok(deleteResult), '202': accepted(deleteResult) },
    });
  }
  if (Object.keys(one).length) paths[item] = { ...one, parameters: [nameParam, ...scopeParams, PARAM.pretty] };

  for (const sub of t.subresources) {
    const suffix = camel(sub);
    if (sub === 'status' || sub === 'scale') {
      const scale = sub === 'scale';
      const schema = scale ? 'io.k8s.api.autoscaling.v1.Scale' : naming.kindSchema;
      const kindRef = scale ? { group: 'autoscaling', kind: 'Scale', version: 'v1' } : gvk;
      const what = `${sub} of the specified ${t.kind}`;
      paths[`${item}/${sub}`] = {
        get: op('get', `read ${what}`, `read${gv}${ns}${t.kind}${suffix}`, { responses: { '200': ok(schema) } }, kindRef),
        put: op(
          'put',
          `replace ${what}`,
          `replace${gv}${ns}${t.kind}${suffix}`,
          { parameters: WRITE_PARAMS, requestBody: body(schema), responses: { '200': ok(schema), '201': created(schema) } },
          kindRef,
        ),
        patch: op(
          'patch',
          `partially update ${what}`,
          `patch${gv}${ns}${t.kind}${suffix}`,
          { parameters: PATCH_PARAMS, requestBody: patchBody, responses: { '200': ok(schema), '201': created(schema) } },
          kindRef,
        ),
        parameters: [nameParam, ...scopeParams, PARAM.pretty],
      };
    } else if (sub === 'finalize') {
      paths[`${item}/finalize`] = {
        put: op('put', `replace finalize of the specified ${t.kind}`, `replace${gv}${t.kind}Finalize`, {
          parameters: WRITE_PARAMS,
          requestBody: body(naming.kindSchema),
          responses: { '200': ok(naming.kindSchema), '201': created(naming.kindSchema) },
        }),
        parameters: [nameParam, PARAM.pretty],
      };
    }
  }

  if (has('watch')) {
    const watchOk = { '200': ok(META + 'WatchEvent', streamMedia) };
    const watchPrefix = `${prefix}/watch`;
    const listDesc = `watch individual changes to a list of ${t.kind}. deprecated: use the 'watch' parameter with a list operation instead.`;
    const watchColl = t.namespaced ? `${watchPrefix}/namespaces/{namespace}/${t.resource}` : `${watchPrefix}/${t.resource}`;
    paths[watchColl] = {
      get: op('watchlist', listDesc, `watch${gv}${ns}${t.kind}List`, { responses: watchOk }),
      parameters: [...LIST_PARAMS, ...scopeParams, PARAM.pretty],
    };
    paths[`${watchColl}/{name}`] = {
      get: op(
        'watch',
        `watch changes to an object of kind ${t.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
        `watch${gv}${ns}${t.kind}`,
        { responses: watchOk },
      ),
      parameters: [...LIST_PARAMS, nameParam, ...scopeParams, PARAM.pretty],
    };
    if (t.namespaced) {
      paths[`${watchPrefix}/${t.resource}`] = {
        get: op('watchlist', listDesc, `watch${gv}${t.kind}ListForAllNamespaces`, { responses: watchOk }),
        parameters: [...LIST_PARAMS, PARAM.pretty],
      };
    }
  }
  if (t.namespaced && has('list')) {
    paths[`${prefix}/${t.resource}`] = {
      get: op('list', `list or watch objects of kind ${t.kind}`, `list${gv}${t.kind}ForAllNamespaces`, {
        responses: { '200': ok(naming.listSchema, streamMedia) },
      }),
      parameters: [...LIST_PARAMS, PARAM.pretty],
    };
  }
}

// ------------------------------------------------------------------------------ documents

const BASE_SCHEMAS = [META + 'DeleteOptions', META + 'Status', META + 'Patch', META + 'WatchEvent', META + 'APIResourceList'];

/** The named schemas plus everything they reference, looked up in `available`, sorted by name. */
function schemaClosure(roots: string[], available: Record<string, Schema>): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !available[name]) continue;
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(available[name], refs);
    for (const r of refs) if (!seen.has(r)) queue.push(r);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...seen].sort()) out[name] = available[name]!;
  return out;
}

function sortedPaths(paths: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of Object.keys(paths).sort()) out[k] = paths[k]!;
  return out;
}

function documentOf(paths: Record<string, Record<string, unknown>>, schemas: Record<string, Schema>): OpenAPIDocument {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: versionInfo().gitVersion },
    paths: sortedPaths(paths),
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** A schema for a kind we have no hand-written schema for: any fields are accepted. */
function permissiveKindSchema(group: string, version: string, kind: string): Schema {
  return {
    description: `${kind} (schema not published by this test server).`,
    type: 'object',
    properties: { ...typeMetaProperties(), metadata: refField(META + 'ObjectMeta', 'Standard object metadata.') },
    'x-kubernetes-group-version-kind': [{ group, kind, version }],
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

function listSchemaFor(group: string, version: string, kind: string, itemSchema: string, listKind = `${kind}List`): Schema {
  return {
    description: `${listKind} is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      ...typeMetaProperties(),
      items: { description: `List of ${kind.toLowerCase()}s.`, type: 'array', items: ref(itemSchema) },
      metadata: refField(META + 'ListMeta', 'Standard list metadata.'),
    },
    'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
  };
}

/**
 * The document of one served group-version built from ResourceTypes: hand-written schemas for
 * built-in kinds, `extraSchemas` (CRD schemas) or a permissive schema for the rest.
 */
function groupVersionDocument(group: string, version: string, targets: PathTarget[], extraSchemas: Record<string, Schema> = {}): OpenAPIDocument {
  const custom = !isBuiltinGroup(group);
  const available: Record<string, Schema> = { ...BUILTIN_SCHEMAS, ...extraSchemas };
  const paths: Record<string, Record<string, unknown>> = {};
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  paths[`${prefix}/`] = {
    get: {
      tags: [gvTag(group, version)],
      description: 'get available resources',
      operationId: `get${gvOperationName(group, version)}APIResources`,
      responses: { '200': { description: 'OK', content: content(META + 'APIResourceList', ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) } },
    },
  };
  const roots = [...BASE_SCHEMAS];
  for (const t of [...targets].sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0))) {
    const kindSchema = schemaNameFor(group, version, t.kind);
    const listSchema = `${kindSchema}List`;
    if (!available[kindSchema]) available[kindSchema] = permissiveKindSchema(group, version, t.kind);
    if (!available[listSchema]) available[listSchema] = listSchemaFor(group, version, t.kind, kindSchema);
    roots.push(kindSchema, listSchema);
    if (t.subresources.includes('scale')) roots.push('io.k8s.api.autoscaling.v1.Scale');
    buildResourcePaths(t, { kindSchema, listSchema, custom }, paths);
  }
  return documentOf(paths, schemaClosure(roots, available));
}

function simpleDocument(path: string, operationId: string, description: string, schemaName: string, tag: string): OpenAPIDocument {
  const paths = {
    [path]: {
      get: {
        tags: [tag],
        description,
        operationId,
        responses: { '200': { description: 'OK', content: content(schemaName, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']) } },
      },
    },
  };
  return documentOf(paths, schemaClosure([schemaName], BUILTIN_SCHEMAS));
}

// Built-in documents only depend on the (static) built-in types they describe, so they are cached
// by a key describing those types; the cache stays tiny because the built-in set barely changes.
const builtinCache = new Map<string, OpenAPIDocument>();

function typeKey(t: PathTarget): string {
  return [t.group, t.version, t.resource, t.kind, t.namespaced, t.verbs.join(','), t.subresources.join(','), t.deleteReturnsObject].join('|');
}

function servedGroupVersions(types: ResourceType[]): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of types) seen.set(groupVersionString(t.group, t.version), { group: t.group, version: t.version });
  return [...seen.values()];
}

/**
 * GET /openapi/v3/<path>: the document for "api", "api/v1", "apis", "apis/<g>", "apis/<g>/<v>"
 * or "version"; undefined for anything not served (the caller answers 404).
 */
export function openapiV3Document(path: string, types: ResourceType[], custom?: CustomOpenAPI): Record<string, unknown> | undefined {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === 'version') return simpleDocument('/version/', 'getCodeVersion', 'get the code version', 'io.k8s.apimachinery.pkg.version.Info', 'version') as unknown as Record<string, unknown>;
  if (clean === 'api') {
    if (!types.some((t) => t.group === '')) return undefined;
    return simpleDocument('/api/', 'getCoreAPIVersions', 'get available API versions', META + 'APIVersions', 'core') as unknown as Record<string, unknown>;
  }
  if (clean === 'apis') return simpleDocument('/apis/', 'getAPIVersions', 'get available API versions', META + 'APIGroupList', 'apis') as unknown as Record<string, unknown>;
  const parts = clean.split('/');
  let group: string;
  let version: string;
  if (parts[0] === 'api' && parts.length === 2) {
    group = '';
    version = parts[1]!;
  } else if (parts[0] === 'apis' && parts.length === 2) {
    const g = parts[1]!;
    if (!types.some((t) => t.group === g)) return undefined;
    const tag = gvTag(g, '').replace(/_$/, '');
    return simpleDocument(`/apis/${g}/`, `get${gvOperationName(g, '')}APIGroup`, 'get information of a group', META + 'APIGroup', tag) as unknown as Record<string, unknown>;
  } else if (parts[0] === 'apis' && parts.length === 3) {
    group = parts[1]!;
    version = parts[2]!;
  } else {
    return undefined;
  }
  const targets = types.filter((t) => t.group === group && t.version === version);
  if (targets.length === 0) return undefined;
  if (!isBuiltinGroup(group)) {
    const doc = custom?.(groupVersionString(group, version));
    return doc ?? (groupVersionDocument(group, version, targets) as unknown as Record<string, unknown>);
  }
  const key = `${group}/${version}#${targets.map(typeKey).sort().join(';')}`;
  let doc = builtinCache.get(key);
  if (!doc) {
    doc = groupVersionDocument(group, version, targets);
    builtinCache.set(key, doc);
  }
  return doc as unknown as Record<string, unknown>;
}

/** Every document path served under /openapi/v3/, sorted like kube's path list. */
export function openapiV3Paths(types: ResourceType[]): string[] {
  const paths = new Set<string>(['apis', 'version']);
  for (const { group, version } of servedGroupVersions(types)) {
    if (group === '') {
      paths.add('api');
      paths.add(`api/${version}`);
    } else {
      paths.add(`apis/${group}`);
      paths.add(`apis/${group}/${version}`);
    }
  }
  return [...paths].sort();
}

/**
 * GET /openapi/v3: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=<SHA-512>"}}}`.
 * The hash is over JSON.stringify of exactly the document openapiV3Document returns for the same
 * inputs, so it changes whenever the document does (e.g. a CRD's schema changes).
 */
export function openapiV3Root(types: ResourceType[], custom?: CustomOpenAPI): { paths: Record<string, { serverRelativeURL: string }> } {
  const out: Record<string, { serverRelativeURL: string }> = {};
  for (const p of openapiV3Paths(types)) {
    const doc = openapiV3Document(p, types, custom);
    if (!doc) continue;
    out[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${openapiHash(JSON.stringify(doc))}` };
  }
  return { paths: out };
}

// ------------------------------------------------------------------------------ CRDs

const ALL_CRD_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * How kube publishes a CRD version's schema: the structural schema with apiVersion, kind and
 * metadata (a reference to ObjectMeta) filled in, tagged with the GVK.
 */
export function crdKindSchema(group: string, version: string, kind: string, openAPIV3Schema: Record<string, unknown> | undefined): Schema {
  const schema: Schema = openAPIV3Schema ? clone(openAPIV3Schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  if (!schema.type) schema.type = 'object';
  const properties = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
  const { apiVersion, kind: kindProp } = typeMetaProperties();
  properties.apiVersion = apiVersion!;
  properties.kind = kindProp!;
  properties.metadata = refField(META + 'ObjectMeta', "Standard object's metadata.");
  const sorted: Record<string, Schema> = {};
  for (const k of Object.keys(properties).sort()) sorted[k] = properties[k]!;
  schema.properties = sorted;
  schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  return schema;
}

/**
 * The OpenAPI document kube serves for a CRD group-version. Accepts every CRD of the cluster (or
 * just the relevant ones): all CRDs of the group that serve `version` contribute their kind.
 * `groupOrVersion` may be "group/version" or, with a single CRD, just the version.
 */
export function crdDocument(crds: KubeObject | KubeObject[], groupOrVersion: string): Record<string, unknown> {
  const list = Array.isArray(crds) ? crds : [crds];
  let group: string | undefined;
  let version = groupOrVersion;
  const slash = groupOrVersion.lastIndexOf('/');
  if (slash >= 0) {
    group = groupOrVersion.slice(0, slash);
    version = groupOrVersion.slice(slash + 1);
  }
  group ??= list[0]?.spec?.group ?? '';
  const targets: PathTarget[] = [];
  const schemas: Record<string, Schema> = {};
  for (const crd of list) {
    const spec = crd.spec ?? {};
    if (spec.group !== group) continue;
    const v = (spec.versions ?? []).find((x: { name: string; served?: boolean }) => x.name === version && x.served !== false);
    if (!v) continue;
    const names = spec.names ?? {};
    const kind: string = names.kind;
    const subresources: string[] = [];
    if (v.subresources?.scale) subresources.push('scale');
    if (v.subresources?.status) subresources.push('status');
    targets.push({
      group: group!,
      version,
      resource: names.plural,
      kind,
      namespaced: spec.scope !== 'Cluster',
      verbs: ALL_CRD_VERBS,
      subresources,
      deleteReturnsObject: false,
    });
    const kindSchemaName = schemaNameFor(group!, version, kind);
    schemas[kindSchemaName] = crdKindSchema(group!, version, kind, v.schema?.openAPIV3Schema);
    schemas[`${kindSchemaName}List`] = listSchemaFor(group!, version, kind, kindSchemaName, names.listKind ?? `${kind}List`);
  }
  return groupVersionDocument(group!, version, targets, schemas) as unknown as Record<string, unknown>;
}

// ------------------------------------------------------------------------------ /openapi/v2

interface V2Cache {
  key: string;
  json: Record<string, unknown>;
  protobuf?: Uint8Array;
}

let v2Cache: V2Cache | undefined;

function v2Entry(types: ResourceType[], custom?: CustomOpenAPI): V2Cache {
  // The v3 path list carries a hash of every document, so it identifies the v2 content too.
  const key = JSON.stringify(openapiV3Root(types, custom));
  if (v2Cache?.key !== key) {
    const docs = openapiV3Paths(types)
      .map((p) => openapiV3Document(p, types, custom))
      .filter((d): d is Record<string, unknown> => d !== undefined);
    v2Cache = { key, json: swaggerFromV3(docs, versionInfo().gitVersion) };
  }
  return v2Cache;
}

/** GET /openapi/v2 with a JSON Accept: every served API in one Swagger 2.0 document. */
export function openapiV2Document(types: ResourceType[], custom?: CustomOpenAPI): Record<string, unknown> {
  return v2Entry(types, custom).json;
}

/**
 * GET /openapi/v2 as kubectl asks for it (Accept: OPENAPI_V2_PROTOBUF_CONTENT_TYPE): the same
 * document encoded as gnostic's openapi.v2.Document.
 */
export function openapiV2Protobuf(types: ResourceType[], custom?: CustomOpenAPI): Uint8Array {
  const entry = v2Entry(types, custom);
  entry.protobuf ??= encodeSwaggerProtobuf(entry.json as Parameters<typeof encodeSwaggerProtobuf>[0]);
  return entry.protobuf;
}

// ------------------------------------------------------------------------------ HTTP answers

export interface OpenAPIResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** What kube's OpenAPI handlers answer with; v2's protobuf type has a dot where the Accept has '@'. */
const V2_PROTOBUF_RESPONSE_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type OpenAPIFormat = 'json' | 'protobuf';

/**
 * Picks the representation like kube-openapi's handlers: the first Accept clause (by q) that is
 * JSON, the protobuf type, or a wildcard (which means JSON). Undefined means 406.
 */
function negotiateOpenAPI(accept: string | undefined, protobufSubtypes: string[]): OpenAPIFormat | undefined {
  const header = accept && accept.trim() ? accept : '*/*';
  const clauses = header
    .split(',')
    .map((c, i) => {
      const [type = '', ...params] = c.split(';').map((x) => x.trim());
      const q = params.find((p) => p.startsWith('q='));
      return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((c) => c.type && c.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of clauses) {
    const [main = '', sub = ''] = type.split('/');
    if (main !== 'application' && main !== '*') continue;
    if (sub === 'json' || sub === '*') return 'json';
    if (protobufSubtypes.includes(sub)) return 'protobuf';
  }
  return undefined;
}

/**
 * The complete answer for GET /openapi/v3, /openapi/v3/<path> and /openapi/v2 (path without query),
 * or undefined when the path is not an OpenAPI document we serve (kube: plain-text 404).
 * - /openapi/v3: the path list as `text/plain; charset=utf-8` (as recorded).
 * - /openapi/v3/<path>?hash=H: JSON with ETag; a stale H redirects (301) to the current URL and a
 *   current one adds `Cache-Control: public, immutable`, which lets kubectl cache documents by URL.
 * - /openapi/v2: JSON, or gnostic protobuf when asked for.
 */
export function serveOpenAPI(
  path: string,
  query: { hash?: string | null },
  accept: string | undefined,
  types: ResourceType[],
  custom?: CustomOpenAPI,
): OpenAPIResponse | undefined {
  const clean = path.replace(/\/+$/, '');
  if (clean === '/openapi/v3') {
    return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: JSON.stringify(openapiV3Root(types, custom)) };
  }
  if (clean.startsWith('/openapi/v3/')) {
    const docPath = clean.slice('/openapi/v3/'.length);
    const doc = openapiV3Document(docPath, types, custom);
    if (!doc) return undefined;
    const format = negotiateOpenAPI(accept, []);
    if (format !== 'json') return { status: 406, headers: { Vary: 'Accept' }, body: '' };
    const body = JSON.stringify(doc);
    const etag = openapiHash(body);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Etag: JSON.stringify(etag), Vary: 'Accept' };
    if (query.hash) {
      if (query.hash !== etag) {
        return { status: 301, headers: { Location: `/openapi/v3/${docPath}?hash=${etag}`, Vary: 'Accept' }, body: '' };
      }
      headers['Cache-Control'] = 'public, immutable';
      headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
    }
    return { status: 200, headers, body };
  }
  if (clean === '/openapi/v2') {
    const format = negotiateOpenAPI(accept, ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'com.github.proto-openapi.spec.v2.v1.0+protobuf']);
    if (!format) return { status: 406, headers: { Vary: 'Accept' }, body: '' };
    if (format === 'protobuf') {
      const body = openapiV2Protobuf(types, custom);
      return { status: 200, headers: { 'Content-Type': V2_PROTOBUF_RESPONSE_TYPE, Etag: JSON.stringify(openapiHashBytes(body)), Vary: 'Accept' }, body };
    }
    const body = JSON.stringify(openapiV2Document(types, custom));
    return { status: 200, headers: { 'Content-Type': 'application/json', Etag: JSON.stringify(openapiHash(body)), Vary: 'Accept' }, body };
  }
  return undefined;
}

function openapiHashBytes(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('hex').toUpperCase();
}
