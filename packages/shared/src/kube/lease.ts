// coordination.k8s.io/v1 Lease helpers. Lease times are MicroTime: RFC 3339 with exactly six
// fractional digits (`2026-11-24T18:25:57.123456Z`); the API server refuses other precisions.
import { Resources, isNotFound, type KubeClient, type KubeObject } from './client.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [key: string]: unknown;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** Microseconds since the epoch, from the high-resolution clock. */
export function nowEpochMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** MicroTime text of a point in time: a Date (its milliseconds, zero-padded) or microseconds since the epoch. */
export function formatMicroTime(time: Date | number = nowEpochMicros()): string {
  const micros = time instanceof Date ? time.getTime() * 1000 : Math.round(time);
  const ms = Math.floor(micros / 1000);
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  const iso = new Date(ms).toISOString(); // yyyy-mm-ddThh:mm:ss.mmmZ
  return `${iso.slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

/**
 * Microseconds since the epoch of an RFC 3339 time with any number of fractional digits (0–9) and
 * `Z` or a numeric offset. Throws RangeError on anything else.
 */
export function parseMicroTime(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an RFC 3339 time`);
  const seconds = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(seconds)) throw new RangeError(`"${text}" is not an RFC 3339 time`);
  const fraction = Math.floor(Number(`0.${m[2] ?? '0'}`) * 1_000_000 + 1e-6);
  return seconds * 1000 + fraction;
}

/** When the lease runs out (µs since the epoch), by its renewTime and duration; undefined when it has none. */
export function leaseExpiresAt(lease: Lease): number | undefined {
  const spec = lease.spec;
  if (!spec?.renewTime || spec.leaseDurationSeconds === undefined) return undefined;
  return parseMicroTime(spec.renewTime) + spec.leaseDurationSeconds * 1_000_000;
}

/**
 * Whether the lease is free to take by the wall clock: no holder, or its renewTime + duration lies
 * before `nowMicros`. (Leader election does not trust remote clocks and uses observation times.)
 */
export function isLeaseExpired(lease: Lease, nowMicros: number = nowEpochMicros()): boolean {
  if (!lease.spec?.holderIdentity) return true;
  const expires = leaseExpiresAt(lease);
  return expires === undefined || expires < nowMicros;
}

/** The Lease, or undefined when it does not exist. */
export async function getLease(client: KubeClient, namespace: string, name: string, signal?: AbortSignal): Promise<Lease | undefined> {
  try {
    return await client.get<Lease>(Resources.leases, name, namespace, { signal });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function createLease(client: KubeClient, namespace: string, name: string, spec: LeaseSpec, signal?: AbortSignal): Promise<Lease> {
  return client.create<Lease>(Resources.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec }, { signal });
}

/** PUT of the lease; its metadata.resourceVersion makes it fail with 409 when someone wrote in between. */
export async function updateLease(client: KubeClient, lease: Lease, signal?: AbortSignal): Promise<Lease> {
  return client.update<Lease>(Resources.leases, lease, { signal });
}

/**
 * Renews a lease held by `holder` (or takes it over, counting a transition), with optimistic
 * concurrency on the lease's resourceVersion.
 */
export async function renewLease(client: KubeClient, lease: Lease, holder: string, leaseDurationSeconds: number, signal?: AbortSignal): Promise<Lease> {
  const now = formatMicroTime();
  const old = lease.spec ?? {};
  const same = old.holderIdentity === holder;
  const spec: LeaseSpec = {
    ...old,
    holderIdentity: holder,
    leaseDurationSeconds,
    renewTime: now,
    acquireTime: same && old.acquireTime ? old.acquireTime : now,
    leaseTransitions: (old.leaseTransitions ?? 0) + (same ? 0 : 1),
  };
  return updateLease(client, { ...lease, spec }, signal);
}
