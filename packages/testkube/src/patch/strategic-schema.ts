// Patch metadata for the built-in kinds testkube serves. kube-apiserver reads it from the Go struct
// tags (patchStrategy / patchMergeKey for strategic merge patch, listType / listMapKey / mapType /
// structType for server-side apply); we only have JSON, so the tags are restated here as a small
// tree. Only fields whose merge semantics differ from the defaults need an entry: unknown object
// fields merge recursively, unknown lists are replaced (and are atomic for server-side apply).

/** Per field name, the schema of that field. `'*'` applies to every field not named explicitly. */
export interface StrategicPatchSchema {
  readonly [field: string]: StrategicFieldSchema;
}

export interface StrategicListInfo {
  /** `merge`: items merge by `mergeKey` (objects) or as a set (primitives); `replace`: atomic. */
  readonly strategy: 'merge' | 'replace';
  /** patchMergeKey: identifies objects of a merge list in strategic merge patches. */
  readonly mergeKey?: string;
  /**
   * listMapKey(s) for server-side apply, when they differ from `[mergeKey]` (Service ports are
   * merged by `port` but owned per `port`+`protocol`). Also makes a `replace` list keyed for SSA.
   */
  readonly keys?: readonly string[];
  /** Defaults of key fields that may be omitted (`protocol: TCP`), used to build the item key. */
  readonly keyDefaults?: Readonly<Record<string, string | number | boolean>>;
  /** Schema of the list items (objects). */
  readonly items?: StrategicPatchSchema;
}

export interface StrategicListSchema {
  readonly list: StrategicListInfo;
}

/**
 * A map or struct that server-side apply owns as one value (`mapType=atomic`, `structType=atomic`).
 * Strategic merge patch still merges it key by key, as kube does (those tags are SSA-only).
 */
export interface StrategicAtomicSchema {
  readonly atomic: true;
}

export type StrategicFieldSchema = StrategicPatchSchema | StrategicListSchema | StrategicAtomicSchema;

export function isListSchema(s: StrategicFieldSchema | undefined): s is StrategicListSchema {
  if (s === undefined || typeof s !== 'object' || s === null || !Object.hasOwn(s, 'list')) return false;
  const list = (s as { list: unknown }).list;
  return typeof list === 'object' && list !== null && typeof (list as { strategy?: unknown }).strategy === 'string';
}

export function isAtomicSchema(s: StrategicFieldSchema | undefined): s is StrategicAtomicSchema {
  return s !== undefined && Object.hasOwn(s, 'atomic') && (s as { atomic: unknown }).atomic === true;
}

/** The schema of `field` inside an object described by `schema` (undefined: nothing known). */
export function fieldSchema(schema: StrategicPatchSchema | undefined, field: string): StrategicFieldSchema | undefined {
  if (schema === undefined) return undefined;
  if (Object.hasOwn(schema, field)) return schema[field];
  if (Object.hasOwn(schema, '*')) return schema['*'];
  return undefined;
}

/** The object schema behind a field schema (undefined for lists, atomic values and unknown fields). */
export function objectSchema(s: StrategicFieldSchema | undefined): StrategicPatchSchema | undefined {
  if (s === undefined || isListSchema(s) || isAtomicSchema(s)) return undefined;
  return s;
}

// ---- builders --------------------------------------------------------------------------------

function mergeList(mergeKey: string, items?: StrategicPatchSchema, ssa?: Pick<StrategicListInfo, 'keys' | 'keyDefaults'>): StrategicListSchema {
  return { list: { strategy: 'merge', mergeKey, ...(items ? { items } : {}), ...(ssa ?? {}) } };
}
/** A list of primitives merged as a set (`patchStrategy=merge`, `listType=set`). */
const setList: StrategicListSchema = { list: { strategy: 'merge' } };
/** A list replaced as a whole (no patch strategy, `listType=atomic`). */
const atomicList: StrategicListSchema = { list: { strategy: 'replace' } };
const atomic: StrategicAtomicSchema = { atomic: true };
/** A map with arbitrary keys (labels, data, resource lists). */
const stringMap: StrategicPatchSchema = { '*': {} };
const protocolDefault = { keyDefaults: { protocol: 'TCP' } } as const;

export const objectMetaSchema: StrategicPatchSchema = {
  labels: stringMap,
  annotations: stringMap,
  finalizers: setList,
  ownerReferences: mergeList('uid'),
  managedFields: atomicList,
};

const conditions = mergeList('type');

const containerSchema: StrategicPatchSchema = {
  ports: mergeList('containerPort', undefined, { keys: ['containerPort', 'protocol'], ...protocolDefault }),
  env: mergeList('name'),
  envFrom: atomicList,
  volumeMounts: mergeList('mountPath'),
  volumeDevices: mergeList('devicePath'),
  resizePolicy: atomicList,
  command: atomicList,
  args: atomicList,
  resources: { limits: stringMap, requests: stringMap, claims: atomicList },
};

export const podSpecSchema: StrategicPatchSchema = {
  containers: mergeList('name', containerSchema),
  initContainers: mergeList('name', containerSchema),
  ephemeralContainers: mergeList('name', containerSchema),
  volumes: mergeList('name'),
  imagePullSecrets: mergeList('name'),
  hostAliases: mergeList('ip', { hostnames: atomicList }),
  topologySpreadConstraints: mergeList('topologyKey', { labelSelector: atomic }, { keys: ['topologyKey', 'whenUnsatisfiable'] }),
  tolerations: atomicList,
  readinessGates: atomicList,
  resourceClaims: mergeList('name'),
  schedulingGates: mergeList('name'),
  nodeSelector: atomic,
  overhead: stringMap,
};

export const podTemplateSpecSchema: StrategicPatchSchema = {
  metadata: objectMetaSchema,
  spec: podSpecSchema,
};

const labelSelector = atomic;

function withMeta(rest: StrategicPatchSchema): StrategicPatchSchema {
  return { metadata: objectMetaSchema, ...rest };
}

const serviceSchema = withMeta({
  spec: {
    ports: mergeList('port', undefined, { keys: ['port', 'protocol'], ...protocolDefault }),
    selector: atomic,
    clusterIPs: atomicList,
    externalIPs: atomicList,
    loadBalancerSourceRanges: atomicList,
    ipFamilies: atomicList,
  },
  status: {
    loadBalancer: { ingress: atomicList },
    conditions,
  },
});

const nodeSchema = withMeta({
  spec: { podCIDRs: setList, taints: atomicList },
  status: {
    addresses: mergeList('type'),
    conditions,
    capacity: stringMap,
    allocatable: stringMap,
    images: atomicList,
    volumesInUse: atomicList,
    volumesAttached: atomicList,
  },
});

const podSchema = withMeta({
  spec: podSpecSchema,
  status: {
    conditions,
    podIPs: mergeList('ip'),
    hostIPs: mergeList('ip'),
    containerStatuses: atomicList,
    initContainerStatuses: atomicList,
    ephemeralContainerStatuses: atomicList,
  },
});

const deploymentSchema = withMeta({
  spec: { selector: labelSelector, template: podTemplateSpecSchema },
  status: { conditions },
});

const daemonSetSchema = withMeta({
  spec: { selector: labelSelector, template: podTemplateSpecSchema },
  status: { conditions },
});

const endpointSliceSchema = withMeta({ endpoints: atomicList, ports: atomicList });

const endpointsSchema = withMeta({ subsets: atomicList });

const coreEventSchema = withMeta({ involvedObject: atomic, related: atomic });

const eventsEventSchema = withMeta({ regarding: atomic, related: atomic });

const leaseSchema = withMeta({});

const namespaceSchema = withMeta({ spec: { finalizers: atomicList }, status: { conditions } });

const configMapSchema = withMeta({ data: stringMap, binaryData: stringMap });

const secretSchema = withMeta({ data: stringMap, stringData: stringMap });

const serviceAccountSchema = withMeta({ secrets: mergeList('name'), imagePullSecrets: atomicList });

const crdSchema = withMeta({
  spec: {
    names: { shortNames: atomicList, categories: atomicList },
    versions: atomicList,
  },
  status: { conditions, storedVersions: atomicList },
});

/** Strategic-merge / apply metadata per `"<group>/<Kind>"` (core group is the empty string). */
export const builtinStrategicSchemas: Record<string, StrategicPatchSchema> = {
  '/Service': serviceSchema,
  '/Node': nodeSchema,
  '/Pod': podSchema,
  '/PodTemplate': withMeta({ template: podTemplateSpecSchema }),
  'apps/Deployment': deploymentSchema,
  'apps/DaemonSet': daemonSetSchema,
  'discovery.k8s.io/EndpointSlice': endpointSliceSchema,
  '/Endpoints': endpointsSchema,
  '/Event': coreEventSchema,
  'events.k8s.io/Event': eventsEventSchema,
  'coordination.k8s.io/Lease': leaseSchema,
  '/Namespace': namespaceSchema,
  '/ConfigMap': configMapSchema,
  '/Secret': secretSchema,
  '/ServiceAccount': serviceAccountSchema,
  'apiextensions.k8s.io/CustomResourceDefinition': crdSchema,
};

/**
 * The JSON of each kind's Go zero value: the "live object" kube compares a created object with when
 * it records managedFields. Non-pointer structs are present (so owning a field below them does not
 * own the struct itself, e.g. `f:spec` has no `"."`), non-omitempty pointers and slices are null.
 */
export const builtinZeroObjects: Record<string, Record<string, unknown>> = {
  '/Service': { metadata: { creationTimestamp: null }, spec: {}, status: { loadBalancer: {} } },
  '/Node': {
    metadata: { creationTimestamp: null },
    spec: {},
    status: {
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: '',
        containerRuntimeVersion: '',
        kubeletVersion: '',
        kubeProxyVersion: '',
        operatingSystem: '',
        architecture: '',
      },
    },
  },
  '/Pod': { metadata: { creationTimestamp: null }, spec: { containers: null }, status: {} },
  '/PodTemplate': { metadata: { creationTimestamp: null }, template: { metadata: { creationTimestamp: null }, spec: { containers: null } } },
  'apps/Deployment': {
    metadata: { creationTimestamp: null },
    spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: {} },
    status: {},
  },
  'apps/DaemonSet': {
    metadata: { creationTimestamp: null },
    spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, updateStrategy: {} },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
  },
  'discovery.k8s.io/EndpointSlice': { metadata: { creationTimestamp: null }, addressType: '', endpoints: null, ports: null },
  '/Endpoints': { metadata: { creationTimestamp: null } },
  '/Event': {
    metadata: { creationTimestamp: null },
    involvedObject: {},
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  },
  'events.k8s.io/Event': {
    metadata: { creationTimestamp: null },
    eventTime: null,
    regarding: {},
    deprecatedSource: {},
    deprecatedFirstTimestamp: null,
    deprecatedLastTimestamp: null,
  },
  'coordination.k8s.io/Lease': { metadata: { creationTimestamp: null }, spec: {} },
  '/Namespace': { metadata: { creationTimestamp: null }, spec: {}, status: {} },
  '/ConfigMap': { metadata: { creationTimestamp: null } },
  '/Secret': { metadata: { creationTimestamp: null } },
  '/ServiceAccount': { metadata: { creationTimestamp: null } },
  'apiextensions.k8s.io/CustomResourceDefinition': {
    metadata: { creationTimestamp: null },
    spec: { group: '', names: { plural: '', kind: '' }, scope: '', versions: null },
    status: { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: null },
  },
};

/** `"<group>/<Kind>"` for an apiVersion (`v1`, `apps/v1`) and kind. */
export function schemaKey(apiVersion: string, kind: string): string {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return `${group}/${kind}`;
}
