// The allocator's functional core for one Service: whether the allocator is responsible for it, what
// it asks of the IPAM, and which writes bring the object to the desired state. No I/O here; the
// controller reads the cache, calls these functions and the IPAM, and performs the returned writes.
import {
  ALLOCATED_BY_VALUE,
  Annotations,
  LOAD_BALANCER_CLEANUP_FINALIZER,
} from '@purelb/crds';
import type { IPFamily, KubeObject } from '@purelb/shared';
import type { AllocatedAddress, AllocationRequest, ExistingAllocation, IPFamilyPolicy, ServicePort } from '../ipam/index.js';

export interface ServiceObject extends KubeObject {
  spec?: {
    type?: string;
    loadBalancerClass?: string | null;
    loadBalancerIP?: string;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    externalTrafficPolicy?: string;
    ports?: Array<{ protocol?: string; port: number }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string; ipMode?: string }> } };
}

export interface ControllerSettings {
  /** Namespace the ServiceGroups are read from. */
  namespace: string;
  /** loadBalancerClass handled besides unset. */
  lbClassName: string;
  /** Ignore Services without a loadBalancerClass. */
  lbClassOnly: boolean;
  /** Re-allocate addresses a ServiceGroup edit orphaned, without waiting for purelb.io/re-evaluate. */
  reclaimOrphans: boolean;
}

export function serviceKey(svc: KubeObject): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

function annotation(svc: KubeObject, name: string): string | undefined {
  return svc.metadata?.annotations?.[name];
}

/** Why the allocator is not (or no longer) responsible for a Service, or undefined when it is. */
export function notResponsibleBecause(svc: ServiceObject, s: ControllerSettings): string | undefined {
  if (svc.metadata?.deletionTimestamp) return 'the Service is being deleted';
  if (svc.spec?.type !== 'LoadBalancer') return `the Service type is ${svc.spec?.type ?? 'ClusterIP'}`;
  if (annotation(svc, Annotations.ignore) === 'true') return `${Annotations.ignore} is set`;
  const cls = svc.spec?.loadBalancerClass;
  if (cls === undefined || cls === null || cls === '') {
    return s.lbClassOnly ? 'the Service has no loadBalancerClass and --lb-class-only is set' : undefined;
  }
  return cls === s.lbClassName ? undefined : `loadBalancerClass ${cls} belongs to another controller`;
}

/** Services that carry our marks (and so may hold addresses of ours or a finalizer to remove). */
export function isBranded(svc: ServiceObject): boolean {
  return annotation(svc, Annotations.allocatedBy) === ALLOCATED_BY_VALUE || (svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER);
}

export function ingressIPs(svc: ServiceObject): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
}

function portsOf(svc: ServiceObject): ServicePort[] {
  return (svc.spec?.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));
}

function familiesOf(svc: ServiceObject): IPFamily[] {
  const f = (svc.spec?.ipFamilies ?? []).filter((x): x is IPFamily => x === 'IPv4' || x === 'IPv6');
  return f.length ? f : ['IPv4'];
}

export interface ServiceRequest {
  request: AllocationRequest;
  /** spec.loadBalancerIP was used (deprecated): the controller emits DeprecationWarning once. */
  usesLoadBalancerIP: boolean;
}

/** What the Service asks of the IPAM (SPEC §3.3 precedence: annotation > loadBalancerIP > status). */
export function requestFor(svc: ServiceObject, s: ControllerSettings): ServiceRequest {
  const meta = svc.metadata ?? {};
  const addressesAnnotation = annotation(svc, Annotations.addresses);
  let requested: string[] | undefined;
  let usesLoadBalancerIP = false;
  if (addressesAnnotation !== undefined && addressesAnnotation.trim() !== '') {
    requested = addressesAnnotation.split(',').map((a) => a.trim()).filter((a) => a !== '');
  } else if (svc.spec?.loadBalancerIP) {
    requested = [svc.spec.loadBalancerIP];
    usesLoadBalancerIP = true;
  }
  const sharingKey = annotation(svc, Annotations.allowSharedIP);
  const groupName = annotation(svc, Annotations.serviceGroup);
  const request: AllocationRequest = {
    key: serviceKey(svc),
    namespace: meta.namespace ?? '',
    families: familiesOf(svc),
    policy: (svc.spec?.ipFamilyPolicy as IPFamilyPolicy | undefined) ?? 'SingleStack',
    ports: portsOf(svc),
    etpLocal: svc.spec?.externalTrafficPolicy === 'Local',
    reclaim: s.reclaimOrphans || annotation(svc, Annotations.reEvaluate) === 'true',
    ...(groupName ? { groupName } : {}),
    ...(requested ? { requested } : {}),
    ...(sharingKey ? { sharingKey } : {}),
  };
  const current = ingressIPs(svc);
  if (current.length) request.current = current;
  return { request, usesLoadBalancerIP };
}

/** The allocation a branded Service holds, as `Ipam.rebuild` takes it. */
export function existingAllocation(svc: ServiceObject): ExistingAllocation | undefined {
  if (!isBranded(svc)) return undefined;
  const addresses = ingressIPs(svc);
  if (addresses.length === 0) return undefined;
  const group = annotation(svc, Annotations.allocatedFrom);
  const sharingKey = annotation(svc, Annotations.allowSharedIP);
  return {
    key: serviceKey(svc),
    namespace: svc.metadata?.namespace ?? '',
    addresses,
    ports: portsOf(svc),
    etpLocal: svc.spec?.externalTrafficPolicy === 'Local',
    ...(group ? { group } : {}),
    ...(sharingKey ? { sharingKey } : {}),
  };
}

// ------------------------------------------------------------------ writes

/** A strategic merge patch of metadata (finalizers merge as a set, so other finalizers are kept). */
export type MetadataPatch = Record<string, unknown>;

export interface DesiredWrites {
  metadata?: MetadataPatch;
  /** Clear the address before removing the finalizer (cleanup); allocations go the other way. */
  statusFirst?: boolean;
  /** Merge patch for /status. */
  status?: Record<string, unknown>;
}

function sameIngress(svc: ServiceObject, addresses: AllocatedAddress[]): boolean {
  const current = svc.status?.loadBalancer?.ingress ?? [];
  return current.length === addresses.length && current.every((i, n) => i.ip === addresses[n]!.ip && i.ipMode === 'VIP' && !i.hostname);
}

/** Writes that record an allocation: finalizer and annotations first, then the address in status. */
export function writesForAllocation(svc: ServiceObject, group: string, addresses: AllocatedAddress[]): DesiredWrites {
  const out: DesiredWrites = {};
  const meta: Record<string, unknown> = {};
  const annotations: Record<string, string | null> = {};
  if (annotation(svc, Annotations.allocatedBy) !== ALLOCATED_BY_VALUE) annotations[Annotations.allocatedBy] = ALLOCATED_BY_VALUE;
  if (annotation(svc, Annotations.allocatedFrom) !== group) annotations[Annotations.allocatedFrom] = group;
  // The one-shot re-evaluation request is consumed by the allocation it asked for.
  if (annotation(svc, Annotations.reEvaluate) !== undefined) annotations[Annotations.reEvaluate] = null;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  if (!(svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER)) meta.finalizers = [LOAD_BALANCER_CLEANUP_FINALIZER];
  if (Object.keys(meta).length) out.metadata = { metadata: meta };
  if (!sameIngress(svc, addresses)) {
    out.status = { status: { loadBalancer: { ingress: addresses.map((a) => ({ ip: a.ip, ipMode: 'VIP' })) } } };
  }
  return out;
}

/**
 * Writes that remove every trace of the allocator: addresses in status (when they were ours),
 * our annotations (including the agents' announcing ones) and, last, the finalizer.
 */
export function writesForCleanup(svc: ServiceObject, ourAddresses: string[]): DesiredWrites {
  const out: DesiredWrites = { statusFirst: true };
  const current = ingressIPs(svc);
  if (current.length && current.some((ip) => ourAddresses.includes(ip) || isBranded(svc))) {
    out.status = { status: { loadBalancer: { ingress: null } } };
  }
  const annotations: Record<string, null> = {};
  for (const a of [Annotations.allocatedBy, Annotations.allocatedFrom, Annotations.announcingIPv4, Annotations.announcingIPv6]) {
    if (annotation(svc, a) !== undefined) annotations[a] = null;
  }
  const meta: Record<string, unknown> = {};
  if (Object.keys(annotations).length) meta.annotations = annotations;
  if ((svc.metadata?.finalizers ?? []).includes(LOAD_BALANCER_CLEANUP_FINALIZER)) meta['$deleteFromPrimitiveList/finalizers'] = [LOAD_BALANCER_CLEANUP_FINALIZER];
  if (Object.keys(meta).length) out.metadata = { metadata: meta };
  return out;
}

/**
 * The parts of a Service the allocator's decisions depend on. Updates that change nothing here
 * (e.g. the node agents' announcing annotations) do not wake the allocator.
 */
export function allocationFingerprint(svc: ServiceObject): string {
  const a = svc.metadata?.annotations ?? {};
  return JSON.stringify([
    svc.spec?.type,
    svc.spec?.loadBalancerClass ?? null,
    svc.spec?.loadBalancerIP ?? null,
    svc.spec?.ipFamilies ?? null,
    svc.spec?.ipFamilyPolicy ?? null,
    svc.spec?.externalTrafficPolicy ?? null,
    portsOf(svc),
    svc.metadata?.deletionTimestamp ?? null,
    svc.metadata?.finalizers ?? null,
    svc.status?.loadBalancer?.ingress ?? null,
    a[Annotations.serviceGroup] ?? null,
    a[Annotations.addresses] ?? null,
    a[Annotations.allowSharedIP] ?? null,
    a[Annotations.ignore] ?? null,
    a[Annotations.reEvaluate] ?? null,
    a[Annotations.allocatedBy] ?? null,
    a[Annotations.allocatedFrom] ?? null,
  ]);
}
