// Discovery documents (/version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>) and aggregated
// discovery (apidiscovery.k8s.io/v2beta1), all computed from the list of served ResourceTypes so
// that a custom resource shows up as soon as the registry serves it. Pure functions: the HTTP
// server decides status codes and headers.
//
// Deliberate difference from kube-apiserver v1.28: only the groups we serve are listed. A real
// server also lists apiregistration.k8s.io, batch, rbac, ...; advertising groups whose resources
// answer 404 would make `kubectl api-resources` and `kubectl get all` fail.
import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';
import type { ResourceType } from './resources/types.js';

// ------------------------------------------------------------------------------------ /version

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/**
 * A release-like /version body. The recorded server was a dev build (empty major/minor), which
 * kubectl tolerates but clients comparing versions would not, so we pretend to be v1.28.15.
 */
export function versionInfo(): VersionInfo {
  return {
    major: '1',
    minor: '28',
    gitVersion: 'v1.28.15',
    gitCommit: '841856557ef0f6a399096c42635d114d6f2cf7f4',
    gitTreeState: 'clean',
    buildDate: '2024-10-22T20:28:14Z',
    goVersion: 'go1.22.8',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

// ---------------------------------------------------------------------------- shared helpers

/** Groups compiled into kube-apiserver, in the order kube's aggregator lists them (recorded /apis). */
export const BUILTIN_GROUP_ORDER: readonly string[] = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'resource.k8s.io',
];

/** Whether a type comes from a CRD (or another non-built-in source) rather than kube itself. */
export function isBuiltinGroup(group: string): boolean {
  return group === '' || BUILTIN_GROUP_ORDER.includes(group);
}

export function groupVersionString(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kube's version priority: GA before beta before alpha, higher numbers first; versions that do not
 * look like kube versions come last in lexical order. Used for version lists and preferredVersion.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const stability = (m: RegExpExecArray): number => (m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1);
  if (stability(ma) !== stability(mb)) return stability(mb) - stability(ma);
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** Groups in /apis order: built-ins in kube's order, then the others (CRD groups) by name. */
function orderedGroups(types: ResourceType[]): string[] {
  const groups = [...new Set(types.map((t) => t.group).filter((g) => g !== ''))];
  const rank = (g: string): number => {
    const i = BUILTIN_GROUP_ORDER.indexOf(g);
    return i >= 0 ? i : BUILTIN_GROUP_ORDER.length;
  };
  return groups.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function versionsOf(group: string, types: ResourceType[]): string[] {
  return [...new Set(types.filter((t) => t.group === group).map((t) => t.version))].sort(compareKubeVersions);
}

function byResourceName(a: ResourceType, b: ResourceType): number {
  return a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0;
}

/** apimachinery's StorageVersionHash: first 8 bytes of sha256("<group>/<version>/<kind>"), base64. */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/**
 * Built-ins whose storage version is not the served version in v1.28 (recorded hashes): the hash
 * names the stored form, so events.k8s.io events hash like core events.
 */
const STORAGE_GVK: Record<string, [string, string, string]> = {
  'events.k8s.io/events': ['', 'v1', 'Event'],
  'discovery.k8s.io/endpointslices': ['discovery.k8s.io', 'v1beta1', 'EndpointSlice'],
  'apiextensions.k8s.io/customresourcedefinitions': ['apiextensions.k8s.io', 'v1beta1', 'CustomResourceDefinition'],
};

/** An explicit empty storageVersionHash marks a type without storage (kube's bindings): no hash. */
function hashOf(type: ResourceType): string {
  if (type.storageVersionHash !== undefined) return type.storageVersionHash;
  const storage = STORAGE_GVK[`${type.group}/${type.resource}`];
  return storage ? storageVersionHash(...storage) : storageVersionHash(type.group, type.version, type.kind);
}

interface SubresourceInfo {
  /** Set when the subresource answers with a kind of another group-version (Scale, Eviction, ...). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

/** What kube reports for each well-known subresource (recorded /api/v1 and /apis/apps/v1). */
function subresourceInfo(type: ResourceType, sub: string): SubresourceInfo {
  switch (sub) {
    case 'status':
      return { kind: type.kind, verbs: ['get', 'patch', 'update'] };
    case 'finalize':
      return { kind: type.kind, verbs: ['update'] };
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'proxy':
      return { kind: `${type.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'binding':
      return { kind: 'Binding', verbs: ['create'] };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'attach':
      return { kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'exec':
      return { kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'log':
      return { kind: type.kind, verbs: ['get'] };
    case 'ephemeralcontainers':
      return { kind: type.kind, verbs: ['get', 'patch', 'update'] };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    default:
      return { kind: type.kind, verbs: ['get', 'patch', 'update'] };
  }
}

// ------------------------------------------------------------------------- legacy discovery

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
}

/** GET /api. The recorded document has no apiVersion field; serverAddress is host:port as served. */
export function coreAPIVersions(serverAddress = '127.0.0.1:6443'): APIVersions {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/**
 * GET /api/v1 or /apis/<group>/<version>: every served type of that group-version, each followed by
 * its subresources ("services/status"), sorted by name like kube. Undefined when nothing is served
 * there (the caller answers 404).
 */
export function apiResourceList(groupVersion: string, types: ResourceType[]): APIResourceList | undefined {
  const slash = groupVersion.indexOf('/');
  const group = slash >= 0 ? groupVersion.slice(0, slash) : '';
  const version = slash >= 0 ? groupVersion.slice(slash + 1) : groupVersion;
  const served = types.filter((t) => t.group === group && t.version === version).sort(byResourceName);
  if (served.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const t of served) {
    const main: APIResource = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: [...t.verbs] };
    if (t.shortNames?.length) main.shortNames = [...t.shortNames];
    if (t.categories?.length) main.categories = [...t.categories];
    const hash = hashOf(t);
    if (hash) main.storageVersionHash = hash;
    resources.push(main);
    for (const sub of [...t.subresources].sort()) {
      const info = subresourceInfo(t, sub);
      resources.push({
        name: `${t.resource}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(info.group !== undefined ? { group: info.group, version: info.version } : {}),
        kind: info.kind,
        verbs: info.verbs,
      });
    }
  }
  // The core list is the only one without apiVersion (recorded).
  return group === ''
    ? { kind: 'APIResourceList', groupVersion, resources }
    : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

function groupEntry(group: string, types: ResourceType[]): APIGroup | undefined {
  const versions = versionsOf(group, types).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  if (versions.length === 0) return undefined;
  return { name: group, versions, preferredVersion: versions[0]! };
}

/** GET /apis/<group>; undefined when the group is not served (kube answers a plain-text 404). */
export function apiGroup(group: string, types: ResourceType[]): ({ kind: 'APIGroup'; apiVersion: 'v1' } & APIGroup) | undefined {
  const entry = group === '' ? undefined : groupEntry(group, types);
  return entry && { kind: 'APIGroup', apiVersion: 'v1', ...entry };
}

/** GET /apis (legacy form, for clients that do not ask for aggregated discovery). */
export function apiGroupList(types: ResourceType[]): { kind: 'APIGroupList'; apiVersion: 'v1'; groups: APIGroup[] } {
  const groups = orderedGroups(types)
    .map((g) => groupEntry(g, types))
    .filter((g): g is APIGroup => g !== undefined);
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

// --------------------------------------------------------------------- aggregated discovery

export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKindRef;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKindRef;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: 'apidiscovery.k8s.io/v2beta1';
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

function resourceDiscovery(t: ResourceType): APIResourceDiscovery {
  // Built-in resources report an empty responseKind group/version (they mean "same as the
  // containing group-version"); CRD-served ones spell them out. Both as recorded.
  const custom = !isBuiltinGroup(t.group);
  const own = (kind: string): GroupVersionKindRef =>
    custom ? { group: t.group, version: t.version, kind } : { group: '', version: '', kind };
  const entry: APIResourceDiscovery = {
    resource: t.resource,
    responseKind: own(t.kind),
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: [...t.verbs],
  };
  if (t.shortNames?.length) entry.shortNames = [...t.shortNames];
  if (t.categories?.length) entry.categories = [...t.categories];
  if (t.subresources.length) {
    entry.subresources = [...t.subresources].sort().map((sub) => {
      const info = subresourceInfo(t, sub);
      const responseKind = info.group !== undefined ? { group: info.group, version: info.version!, kind: info.kind } : own(info.kind);
      return { subresource: sub, responseKind, verbs: info.verbs };
    });
  }
  return entry;
}

function groupDiscovery(group: string, types: ResourceType[]): APIGroupDiscovery {
  const versions = versionsOf(group, types).map(
    (v): APIVersionDiscovery => ({
      version: v,
      resources: types.filter((t) => t.group === group && t.version === v).sort(byResourceName).map(resourceDiscovery),
      freshness: 'Current',
    }),
  );
  return { metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null }, versions };
}

/** The APIGroupDiscoveryList kube v1.28 serves at /api ('core') or /apis ('apis'). */
export function aggregatedDiscovery(which: 'core' | 'apis', types: ResourceType[]): APIGroupDiscoveryList {
  const items =
    which === 'core'
      ? types.some((t) => t.group === '')
        ? [groupDiscovery('', types)]
        : []
      : orderedGroups(types).map((g) => groupDiscovery(g, types));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1', metadata: {}, items };
}

// ----------------------------------------------------------------------- content negotiation

export type DiscoveryNegotiation = { type: 'aggregated'; contentType: string } | { type: 'legacy' };

interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const clause of header.split(',')) {
    const [mediaType, ...rawParams] = clause.split(';').map((s) => s.trim());
    if (!mediaType) continue;
    const slash = mediaType.indexOf('/');
    if (slash < 0) continue;
    const range: MediaRange = {
      type: mediaType.slice(0, slash).toLowerCase(),
      subtype: mediaType.slice(slash + 1).toLowerCase(),
      params: {},
      q: 1,
    };
    for (const p of rawParams) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') range.q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else range.params[key] = value;
    }
    if (range.q > 0) ranges.push(range);
  }
  // Like goautoneg: higher q first, and at equal q concrete types before wildcards.
  const specificity = (r: MediaRange): number => (r.type === '*' ? 0 : r.subtype === '*' ? 1 : 2);
  return ranges
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || specificity(b.r) - specificity(a.r) || a.i - b.i)
    .map((x) => x.r);
}

const LEGACY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

const NOT_ACCEPTABLE = `only the following media types are accepted: ${LEGACY_MEDIA_TYPES.join(', ')}`;

/**
 * Decides how /api and /apis answer an Accept header, as kube-apiserver v1.28 does: the first
 * acceptable media range wins. A range asking for a conversion (`as=`) is acceptable only for
 * apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList in JSON (v2 arrived in v1.30); a plain
 * JSON/YAML/protobuf range or a wildcard selects the legacy documents; nothing acceptable is 406.
 */
export function negotiateDiscovery(acceptHeader: string | undefined): DiscoveryNegotiation | ApiError {
  if (!acceptHeader || !acceptHeader.trim()) return { type: 'legacy' };
  for (const r of parseAccept(acceptHeader)) {
    const full = `${r.type}/${r.subtype}`;
    const wildcard = r.type === '*' || (r.type === 'application' && r.subtype === '*');
    if (!wildcard && !LEGACY_MEDIA_TYPES.includes(full)) continue;
    const conversion = r.params.as !== undefined || r.params.g !== undefined || r.params.v !== undefined;
    if (!conversion) return { type: 'legacy' };
    if (
      r.params.as === 'APIGroupDiscoveryList' &&
      r.params.g === 'apidiscovery.k8s.io' &&
      r.params.v === 'v2beta1' &&
      (full === 'application/json' || wildcard)
    ) {
      return { type: 'aggregated', contentType: AGGREGATED_DISCOVERY_CONTENT_TYPE };
    }
  }
  return new ApiError(406, 'NotAcceptable', NOT_ACCEPTABLE);
}
