// What the generic REST machinery needs to know about one kind of resource. Built-in types are
// declared in resources/builtin/*.ts, custom resources are derived from their CRD at runtime.
import type { FieldCause } from '../errors.js';
import type { StrategicPatchSchema } from '../patch/strategic-schema.js';

/** Objects are plain JSON. The server never trusts their shape beyond what validation checked. */
export type KubeObject = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, any>;
};

/** Context handed to per-type hooks: read access to the store and helpers for allocation. */
export interface StrategyContext {
  /** Returns every stored object of a resource (all namespaces), e.g. to find allocated nodePorts. */
  list(resource: ResourceType): KubeObject[];
  /** Looks up another registered type by group/resource. */
  lookup(group: string, resource: string): ResourceType | undefined;
  /** true for dryRun=All requests: hooks must not keep allocations made for the request. */
  dryRun: boolean;
  /** Server-wide settings (service CIDR, node port range, ...). */
  config: ServerConfig;
  /** Current time; injectable so tests can control it. */
  now(): Date;
}

export interface ServerConfig {
  /** IPv4 Service CIDR; the recordings use 10.96.0.0/16. */
  serviceCIDR: string;
  /** Optional IPv6 Service CIDR: when set, the cluster is dual-stack (RequireDualStack allowed). */
  serviceCIDRv6?: string;
  nodePortRange: [number, number];
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
}

export interface TableConverter {
  columns: PrinterColumn[];
  /** Cells for one object, in column order (the Name column included). */
  cells(obj: KubeObject, now: Date): unknown[];
}

/** Which of kube-apiserver's two messages an unsupported field selector gets. */
export type FieldSelectorErrorStyle = 'metadata-only' | 'not-supported';

export interface ResourceType {
  group: string; // '' for core
  version: string;
  resource: string; // plural, e.g. services
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  /**
   * Storage shared by several endpoints: events.k8s.io/v1 events and core/v1 events are one store
   * (set both to 'events'); defaults to `${group}/${resource}`. Objects are stored in the form of
   * the type whose hooks lack toExternal/toInternal (the core/v1 form for events).
   */
  storage?: string;
  /**
   * Group named in error Statuses (404/409/422 messages and details) when it differs from
   * `group`: kube serves events.k8s.io/v1 Events from the core Event storage, so its errors say
   * `Event "x" is invalid` / `events "x" not found` without a group (recorded in 06). Absent: `group`.
   */
  errorGroup?: string;
  shortNames?: string[];
  categories?: string[];
  verbs: string[];
  /** Subresources served, e.g. ['status'] or ['status', 'finalize']. */
  subresources: string[];
  /** Service/Namespace/CRD answer DELETE with the object; most others with a Status. */
  deleteReturnsObject: boolean;
  /** Field selectors beyond metadata.name / metadata.namespace, with their extractors. */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /**
   * Wording of the 400 for an unsupported field selector (see selectors.ts). kube-apiserver uses
   * `"x" is not a known field selector: only "metadata.name", "metadata.namespace"` for types
   * without their own field-label conversion (Service, Lease, EndpointSlice, ...) and
   * `field label not supported: x` for types with one (Event, Node, Namespace) and for custom
   * resources. Absent means 'metadata-only'.
   */
  fieldSelectorErrorStyle?: FieldSelectorErrorStyle;
  /** Strategic-merge patch metadata; absent means SMP is refused with 415 (custom resources). */
  strategicSchema?: StrategicPatchSchema;
  /** Whether `status` is a subresource: main writes keep the old status, status writes keep the rest. */
  hasStatusSubresource: boolean;
  /**
   * What a /status write may change besides status. Built-in types apply metadata changes
   * (labels, annotations) sent to /status; custom resources ignore everything but status.
   */
  statusWriteKeepsMetadata: boolean;
  /** Whether metadata.generation is maintained (bumped on spec changes). */
  tracksGeneration: boolean;
  storageVersionHash?: string;
  table?: TableConverter;
  hooks?: ResourceHooks;
}

export interface ResourceHooks {
  /** Defaulting and allocation on create (mutates obj). */
  prepareCreate?(ctx: StrategyContext, obj: KubeObject): void;
  /** Field errors on create; empty when valid. */
  validateCreate?(ctx: StrategyContext, obj: KubeObject): FieldCause[];
  /** Defaulting on update of the main resource (mutates obj; old is the stored object). */
  prepareUpdate?(ctx: StrategyContext, obj: KubeObject, old: KubeObject): void;
  validateUpdate?(ctx: StrategyContext, obj: KubeObject, old: KubeObject): FieldCause[];
  /** Validation of a /status write. */
  validateStatusUpdate?(ctx: StrategyContext, obj: KubeObject, old: KubeObject): FieldCause[];
  /**
   * Defaulting/normalisation on a /status write, after the generic code kept everything but
   * status (and metadata where statusWriteKeepsMetadata) from the stored object; runs before
   * validateStatusUpdate. E.g. Deployments keep their labels, Nodes re-add zero-value nodeInfo.
   */
  prepareStatusUpdate?(ctx: StrategyContext, obj: KubeObject, old: KubeObject): void;
  /** Called after the object is really gone (release allocations). */
  afterDelete?(ctx: StrategyContext, obj: KubeObject): void;
  /**
   * Converts the stored object to what this endpoint serves (events.k8s.io/v1 vs core/v1 views of
   * one Event store). Absent: stored form is served as is.
   */
  toExternal?(obj: KubeObject): KubeObject;
  /** Inverse of toExternal for writes. */
  toInternal?(obj: KubeObject): KubeObject;
}
