// Every name the product reads or writes on Kubernetes objects (SPEC §3). Components import these
// instead of spelling strings, so a typo is a compile error and a rename happens in one place.

/** API group and version of the custom resources. */
export const GROUP = 'purelb.io';
export const VERSION = 'v1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const SERVICE_GROUP_KIND = 'ServiceGroup';
export const SERVICE_GROUP_PLURAL = 'servicegroups';
export const SERVICE_GROUP_SINGULAR = 'servicegroup';
export const SERVICE_GROUP_SHORT_NAME = 'sg';

export const LB_NODE_AGENT_KIND = 'LBNodeAgent';
export const LB_NODE_AGENT_PLURAL = 'lbnodeagents';
export const LB_NODE_AGENT_SINGULAR = 'lbnodeagent';
export const LB_NODE_AGENT_SHORT_NAME = 'lbna';

/** `kubectl get purelb` lists both kinds. */
export const CATEGORY = 'purelb';

/** Namespace the components read their custom resources from unless configured otherwise. */
export const DEFAULT_NAMESPACE = 'purelb';

/** Service annotations (SPEC §3.3). */
export const Annotations = {
  // read: set by users
  serviceGroup: 'purelb.io/service-group',
  addresses: 'purelb.io/addresses',
  allowSharedIP: 'purelb.io/allow-shared-ip',
  allowLocal: 'purelb.io/allow-local',
  ignore: 'purelb.io/ignore',
  reEvaluate: 'purelb.io/re-evaluate',
  // written by the product
  allocatedBy: 'purelb.io/allocated-by',
  allocatedFrom: 'purelb.io/allocated-from',
  announcingIPv4: 'purelb.io/announcing-IPv4',
  announcingIPv6: 'purelb.io/announcing-IPv6',
} as const;
export type AnnotationKey = (typeof Annotations)[keyof typeof Annotations];

/** Value of `purelb.io/allocated-by` on every Service the allocator has branded. */
export const ALLOCATED_BY_VALUE = 'PureLB';

/** Per-family announcing annotation, keyed like Service `spec.ipFamilies`. */
export const ANNOUNCING_ANNOTATION = {
  IPv4: Annotations.announcingIPv4,
  IPv6: Annotations.announcingIPv6,
} as const;

/**
 * Finalizer the allocator puts on a Service before writing an address, and removes once the address
 * is released (SPEC §3.4). It is Kubernetes' own name for load-balancer cleanup, as cloud providers use.
 */
export const LOAD_BALANCER_CLEANUP_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';

/** `spec.loadBalancerClass` handled by default (`--lb-class-name`). */
export const DEFAULT_LOAD_BALANCER_CLASS = 'purelb.io/purelb';

/** Event reasons (SPEC §3.5). */
export const EventReasons = {
  IPAllocated: 'IPAllocated',
  AllocationFailed: 'AllocationFailed',
  AddressReleased: 'AddressReleased',
  DeprecationWarning: 'DeprecationWarning',
  Parsed: 'Parsed',
  ParseFailed: 'ParseFailed',
  AnnouncingLocal: 'AnnouncingLocal',
  AnnouncingNonLocal: 'AnnouncingNonLocal',
  AnnouncementFailed: 'AnnouncementFailed',
  LocalOverride: 'LocalOverride',
} as const;
export type EventReason = (typeof EventReasons)[keyof typeof EventReasons];

/** Event type per reason, as SPEC §3.5 fixes it. */
export const EVENT_TYPE: Readonly<Record<EventReason, 'Normal' | 'Warning'>> = {
  IPAllocated: 'Normal',
  AllocationFailed: 'Warning',
  AddressReleased: 'Normal',
  DeprecationWarning: 'Normal',
  Parsed: 'Normal',
  ParseFailed: 'Warning',
  AnnouncingLocal: 'Normal',
  AnnouncingNonLocal: 'Normal',
  AnnouncementFailed: 'Warning',
  LocalOverride: 'Normal',
};

/** Reporting components of events (`source.component` / `reportingController`). */
export const Components = {
  allocator: 'purelb-allocator',
  lbnodeagent: 'purelb-lbnodeagent',
} as const;
export type Component = (typeof Components)[keyof typeof Components];

/** Component that emits each reason (SPEC §3.5). */
export const EVENT_COMPONENT: Readonly<Record<EventReason, Component>> = {
  IPAllocated: Components.allocator,
  AllocationFailed: Components.allocator,
  AddressReleased: Components.allocator,
  DeprecationWarning: Components.allocator,
  Parsed: Components.allocator,
  ParseFailed: Components.allocator,
  AnnouncingLocal: Components.lbnodeagent,
  AnnouncingNonLocal: Components.lbnodeagent,
  AnnouncementFailed: Components.lbnodeagent,
  LocalOverride: Components.lbnodeagent,
};

/** Node agents hold a Lease named `purelb-node-<node>` to show they are alive (membership). */
export const NODE_LEASE_PREFIX = 'purelb-node-';

export function nodeLeaseName(node: string): string {
  return `${NODE_LEASE_PREFIX}${node}`;
}

/** Condition type on ServiceGroup status. */
export const VALID_CONDITION = 'Valid';

/**
 * Labels the product puts on the objects it creates (node Leases, chart resources), so they can be
 * listed with one selector. SPEC §3 names no label of its own; these are the Kubernetes
 * recommended ones.
 */
export const Labels = {
  partOf: 'app.kubernetes.io/part-of',
  component: 'app.kubernetes.io/component',
} as const;
export const PART_OF_VALUE = 'purelb';
