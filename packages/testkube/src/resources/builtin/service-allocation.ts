// ClusterIP / NodePort allocation for Services, modelled on kube-apiserver v1.28's service REST
// storage (pkg/registry/core/service/storage/alloc.go) and its bitmap allocators.
//
// There is no allocator state of its own: what is "allocated" is read from the Services currently
// stored (ctx.list), so dry runs, failed requests and deletions can never leak an address or port.
// Everything kube does between decoding a request and validating it lives here: ipFamily
// initialisation, clusterIP(s) allocation, nodePort / healthCheckNodePort allocation, and the
// update-time helpers that keep allocated values when a client omits them.
import { ApiError, field, internalError, invalidError, type FieldCause } from '../../errors.js';
import { parseIP } from '../../validation.js';
import type { KubeObject, ServerConfig } from '../types.js';

export type IPFamily = 'IPv4' | 'IPv6';

// ---------------------------------------------------------------- IP parsing and formatting

/** An IP as Go's net.IP sees it: v4-mapped IPv6 addresses count as IPv4 (To4() != nil). */
export interface ParsedIP {
  family: IPFamily;
  /** 32-bit value for IPv4, 128-bit for IPv6. */
  value: bigint;
}

function bytesToBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** netutils.ParseIPSloppy (validation.ts's parseIP in sloppy mode): undefined when not an IP. */
export function parseIPSloppy(text: unknown): ParsedIP | undefined {
  if (typeof text !== 'string') return undefined;
  const b = parseIP(text, { sloppy: true });
  if (!b) return undefined;
  const v = bytesToBig(b);
  if (v >> 32n === 0xffffn) return { family: 'IPv4', value: v & 0xffffffffn };
  return { family: 'IPv6', value: v };
}

/** Go's net.IP.String(): dotted quad, or RFC 5952 style with the longest zero run compressed. */
export function formatIP(ip: ParsedIP): string {
  if (ip.family === 'IPv4') {
    const v = Number(ip.value);
    return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

export function familyOf(text: string): IPFamily | undefined {
  return parseIPSloppy(text)?.family;
}

export interface ParsedCIDR {
  family: IPFamily;
  network: bigint;
  prefix: number;
  bits: 32 | 128;
}

/** netutils.ParseCIDRSloppy; the network address is masked like Go's ParseCIDR. */
export function parseCIDR(text: unknown): ParsedCIDR | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const mask = text.slice(slash + 1);
  const ip = parseIP(addr, { sloppy: true });
  if (!ip) return undefined;
  // Go tries the IPv4 syntax, then the IPv6 one; only the latter contains ':', and a v4-mapped
  // IPv6 address keeps its 128 bits here.
  const bits: 32 | 128 = addr.includes(':') ? 128 : 32;
  const value = bytesToBig(bits === 32 ? ip.slice(12) : ip);
  if (!/^[0-9]+$/.test(mask) || Number(mask) > bits) return undefined;
  const prefix = Number(mask);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  return { family: bits === 32 ? 'IPv4' : 'IPv6', network, prefix, bits };
}

export function formatCIDR(c: ParsedCIDR): string {
  return `${formatIP({ family: c.family, value: c.network })}/${c.prefix}`;
}

// ---------------------------------------------------------------- allocators

/** Allocation failures with the texts of kube's ipallocator / portallocator errors. */
class AllocError extends Error {}

/**
 * min(max(lo, size/step), hi): the size of the lower band kept for static requests; dynamic
 * allocation prefers the upper band (ServiceIPStaticSubrange / ServiceNodePortStaticSubrange).
 */
function staticBand(size: bigint, lo: number, hi: number, step: number): number {
  if (size <= BigInt(lo)) return 0;
  const o = size / BigInt(step);
  if (o < BigInt(lo)) return lo;
  if (o > BigInt(hi)) return hi;
  return Number(o);
}

/** Picks a free offset in [0, max): random start in the upper band, then the lower band. */
function pickFree(max: number, band: number, isUsed: (offset: number) => boolean): number | undefined {
  const scan = (from: number, size: number): number | undefined => {
    if (size <= 0) return undefined;
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const at = from + ((start + i) % size);
      if (!isUsed(at)) return at;
    }
    return undefined;
  };
  return scan(band, max - band) ?? scan(0, band);
}

/** One family's Service IP range (kube's ipallocator.Range over --service-cluster-ip-range). */
export class ServiceIPRange {
  readonly family: IPFamily;
  /** Canonical CIDR text, as shown in "The range of valid IPs is ..." */
  readonly text: string;
  private readonly cidr: ParsedCIDR;
  private readonly base: bigint;
  private readonly max: number;
  private readonly band: number;

  constructor(cidrText: string) {
    const cidr = parseCIDR(cidrText);
    if (!cidr) throw new Error(`invalid service CIDR ${cidrText}`);
    this.cidr = cidr;
    this.family = cidr.family;
    this.text = formatCIDR(cidr);
    const size = 1n << BigInt(cidr.bits - cidr.prefix);
    let max = size;
    if (cidr.family === 'IPv6') {
      if (max > 65536n) max = 65536n;
    } else {
      max -= 1n; // the broadcast address is never handed out
    }
    max -= 1n; // nor is the network address
    this.max = Number(max < 0n ? 0n : max);
    this.base = cidr.network + 1n;
    this.band = staticBand(size, 16, 256, 16);
  }

  /** The network address: what dry-run allocations report. */
  networkAddress(): string {
    return formatIP({ family: this.family, value: this.cidr.network });
  }

  private offsetOf(ip: ParsedIP): number | undefined {
    if (ip.family !== this.family) return undefined;
    const hostBits = BigInt(this.cidr.bits - this.cidr.prefix);
    if (ip.value >> hostBits !== this.cidr.network >> hostBits) return undefined;
    const off = ip.value - this.base;
    if (off < 0n || off >= BigInt(this.max)) return undefined;
    return Number(off);
  }

  /** Reserves a requested IP; `used` holds the values of every allocated IP of this family. */
  allocate(ip: ParsedIP, used: Set<bigint>, dryRun: boolean): void {
    if (this.offsetOf(ip) === undefined) {
      throw new AllocError(
        `the provided IP (${formatIP(ip)}) is not in the valid range. The range of valid IPs is ${this.text}`,
      );
    }
    // Like kube's dry-run allocator, a dry run does not check whether the IP is free.
    if (dryRun) return;
    if (used.has(ip.value)) throw new AllocError('provided IP is already allocated');
    used.add(ip.value);
  }

  allocateNext(used: Set<bigint>, dryRun: boolean): string {
    if (dryRun) return this.networkAddress();
    const off = pickFree(this.max, this.band, (o) => used.has(this.base + BigInt(o)));
    if (off === undefined) throw new AllocError('range is full');
    const value = this.base + BigInt(off);
    used.add(value);
    return formatIP({ family: this.family, value });
  }
}

/** The NodePort range (--service-node-port-range). */
export class NodePortRange {
  readonly base: number;
  readonly size: number;
  private readonly band: number;

  constructor(range: [number, number]) {
    this.base = range[0];
    this.size = range[1] - range[0] + 1;
    this.band = staticBand(BigInt(Math.max(this.size, 0)), 16, 128, 32);
  }

  toString(): string {
    return `${this.base}-${this.base + this.size - 1}`;
  }

  contains(port: number): boolean {
    return port >= this.base && port < this.base + this.size;
  }

  pickFree(isUsed: (port: number) => boolean): number | undefined {
    const off = pickFree(this.size, this.band, (o) => isUsed(this.base + o));
    return off === undefined ? undefined : this.base + off;
  }
}

/**
 * One request's node port "transaction" (portallocator.PortAllocationOperation). `used` is what
 * the real allocator holds: every port of every stored Service (the updated Service's old ports
 * included, since kube only releases them after the write). Dry runs reproduce kube's fake
 * numbers: 32769, then one above the highest port touched by the operation.
 */
export class NodePortOperation {
  private readonly allocated: number[] = [];

  constructor(
    private readonly range: NodePortRange,
    private readonly used: Set<number>,
    private readonly dryRun: boolean,
  ) {}

  allocate(port: number): void {
    if (this.dryRun) {
      if ((this.range.contains(port) && this.used.has(port)) || this.allocated.includes(port)) {
        throw new AllocError('provided port is already allocated');
      }
      this.allocated.push(port);
      return;
    }
    if (!this.range.contains(port)) {
      throw new AllocError(`provided port is not in the valid range. The range of valid ports is ${this.range.toString()}`);
    }
    if (this.used.has(port)) throw new AllocError('provided port is already allocated');
    this.used.add(port);
    this.allocated.push(port);
  }

  allocateNext(): number {
    if (this.dryRun) {
      // kube's dry-run AllocateNext never looks for a free port (its search loop is empty).
      const last = this.allocated.length === 0 ? 32768 : Math.max(...this.allocated);
      this.allocated.push(last + 1);
      return last + 1;
    }
    const port = this.range.pickFree((p) => this.used.has(p));
    if (port === undefined) throw new AllocError('range is full');
    this.used.add(port);
    this.allocated.push(port);
    return port;
  }
}

/** Everything the allocation steps need for one request. */
export interface AllocationContext {
  /** Configured families; the first one is the cluster default (serviceCIDR). */
  ranges: Map<IPFamily, ServiceIPRange>;
  defaultFamily: IPFamily;
  nodePorts: NodePortRange;
  dryRun: boolean;
  /** Allocated IP values per family (stored Services). */
  usedIPs: Map<IPFamily, Set<bigint>>;
  /** Allocated node ports, health check node ports included. */
  usedPorts: Set<number>;
}

export function allocationContext(config: ServerConfig, stored: KubeObject[], dryRun: boolean): AllocationContext {
  const primary = new ServiceIPRange(config.serviceCIDR);
  const ranges = new Map<IPFamily, ServiceIPRange>([[primary.family, primary]]);
  if (config.serviceCIDRv6) {
    const secondary = new ServiceIPRange(config.serviceCIDRv6);
    if (secondary.family !== primary.family) ranges.set(secondary.family, secondary);
  }
  const usedIPs = new Map<IPFamily, Set<bigint>>([
    ['IPv4', new Set()],
    ['IPv6', new Set()],
  ]);
  const usedPorts = new Set<number>();
  for (const svc of stored) {
    const spec = svc.spec ?? {};
    if (spec.type !== 'ExternalName') {
      for (const ip of strings(spec.clusterIPs)) {
        const p = parseIPSloppy(ip);
        if (p) usedIPs.get(p.family)!.add(p.value);
      }
    }
    for (const port of arrayOf(spec.ports)) {
      const np = port?.nodePort;
      if (typeof np === 'number' && np > 0) usedPorts.add(np);
    }
    if (typeof spec.healthCheckNodePort === 'number' && spec.healthCheckNodePort > 0) usedPorts.add(spec.healthCheckNodePort);
  }
  return {
    ranges,
    defaultFamily: primary.family,
    nodePorts: new NodePortRange(config.nodePortRange),
    dryRun,
    usedIPs,
    usedPorts,
  };
}

// ---------------------------------------------------------------- small accessors

export function arrayOf(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function strings(v: unknown): string[] {
  return arrayOf(v).filter((x): x is string => typeof x === 'string');
}

/** Go's %#v of a []string (nil when absent), as field errors render slice values. */
export function goStringSlice(v: unknown, typeName = 'string'): string {
  if (!Array.isArray(v)) return `[]${typeName}(nil)`;
  return `[]${typeName}{${v.map((x) => JSON.stringify(String(x))).join(', ')}}`;
}

/** A *string / *named-string field value as field errors render it: nil prints "null". */
export function goPointer(v: unknown): string {
  return JSON.stringify(typeof v === 'string' ? v : 'null');
}

function policyOf(spec: Record<string, any>): string {
  return typeof spec.ipFamilyPolicy === 'string' ? spec.ipFamilyPolicy : '';
}

function sameStrings(a: unknown, b: unknown): boolean {
  const x = arrayOf(a);
  const y = arrayOf(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export function isHeadless(spec: Record<string, any>): boolean {
  const ips = arrayOf(spec.clusterIPs);
  return ips.length === 1 && ips[0] === 'None';
}

export function needsClusterIP(spec: Record<string, any>): boolean {
  return spec.type !== 'ExternalName';
}

export function needsNodePort(spec: Record<string, any>): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

/** apiservice.NeedsHealthCheck: only LoadBalancers with externalTrafficPolicy Local. */
export function needsHealthCheck(spec: Record<string, any>): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

/** apiservice.ExternallyAccessible. */
export function externallyAccessible(spec: Record<string, any>): boolean {
  return (
    spec.type === 'LoadBalancer' ||
    spec.type === 'NodePort' ||
    (spec.type === 'ClusterIP' && arrayOf(spec.externalIPs).length > 0)
  );
}

function shouldAllocateNodePorts(spec: Record<string, any>): boolean {
  if (spec.type === 'NodePort') return true;
  if (spec.type === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

function nodePortOf(port: any): number {
  return typeof port?.nodePort === 'number' ? port.nodePort : 0;
}

function serviceName(svc: KubeObject): string {
  return String(svc.metadata?.name ?? '');
}

function invalid(svc: KubeObject, causes: FieldCause[]): ApiError {
  return invalidError('Service', serviceName(svc), causes);
}

// ---------------------------------------------------------------- clusterIP-related validation

const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

/**
 * ValidateServiceClusterIPsRelatedFields: clusterIP vs clusterIPs, ipFamilies, ipFamilyPolicy.
 * Used both by the allocator (before anything is allocated) and by ValidateService.
 */
export function validateClusterIPsRelatedFields(spec: Record<string, any>): FieldCause[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldCause[] = [];
  const clusterIPs = arrayOf(spec.clusterIPs);
  const clusterIP = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  let hasInvalidIPs = false;

  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errs.push(field.required('spec.clusterIPs'));
    else if (clusterIPs[0] !== clusterIP) {
      errs.push(field.invalidRaw('spec.clusterIPs', goStringSlice(clusterIPs), 'first value must match `clusterIP`'));
    }
  } else if (clusterIPs.length !== 0) {
    errs.push(field.invalidRaw('spec.clusterIPs', goStringSlice(clusterIPs), 'must be empty when `clusterIP` is not specified'));
  }

  const seen = new Set<string>();
  arrayOf(spec.ipFamilies).forEach((fam, i) => {
    if (!IP_FAMILIES.includes(fam)) errs.push(field.notSupported(`spec.ipFamilies[${i}]`, fam, IP_FAMILIES));
    if (seen.has(fam)) errs.push(field.duplicate(`spec.ipFamilies[${i}]`, fam));
    seen.add(fam);
  });

  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(field.notSupported('spec.ipFamilyPolicy', spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }

  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) {
        hasInvalidIPs = true;
        errs.push(field.invalidRaw('spec.clusterIPs', goStringSlice(clusterIPs), "'None' must be the first and only value"));
      }
      return;
    }
    if (!parseIPSloppy(ip)) {
      hasInvalidIPs = true;
      errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, INVALID_IP));
    }
  });

  if (clusterIPs.length > 2) {
    errs.push(field.invalidRaw('spec.clusterIPs', goStringSlice(clusterIPs), 'may only hold up to 2 values'));
  }
  if (hasInvalidIPs) return errs;

  if (clusterIPs.length > 1) {
    const fams = clusterIPs.map((ip) => familyOf(ip));
    const dual = clusterIPs.length === 2 && fams[0] !== fams[1];
    if (!dual) {
      errs.push(field.invalidRaw('spec.clusterIPs', goStringSlice(clusterIPs), 'may specify no more than one IP for each IP family'));
    }
  }

  const families = arrayOf(spec.ipFamilies);
  if (!isHeadless(spec) && clusterIPs.length > 0 && families.length > 0) {
    for (let i = 0; i < clusterIPs.length && i < families.length; i++) {
      const fam = familyOf(clusterIPs[i]);
      if (families[i] === 'IPv4' && fam === 'IPv6') {
        errs.push(field.invalid(`spec.clusterIPs[${i}]`, clusterIPs[i], `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      }
      if (families[i] === 'IPv6' && fam !== 'IPv6') {
        errs.push(field.invalid(`spec.clusterIPs[${i}]`, clusterIPs[i], `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
      }
    }
  }
  return errs;
}

// ---------------------------------------------------------------- ipFamily initialisation

function isMatchingPreferDualStack(spec: Record<string, any>, old: Record<string, any> | undefined): boolean {
  if (!old) return false;
  if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) return false;
  if (old.type !== spec.type) return false;
  if (spec.type !== 'ClusterIP' && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return false;
  if (spec.ipFamilyPolicy !== 'PreferDualStack') return false;
  if (old.ipFamilyPolicy !== undefined && old.ipFamilyPolicy !== null && old.ipFamilyPolicy !== 'PreferDualStack') return false;
  return sameStrings(old.clusterIPs, spec.clusterIPs) && sameStrings(old.ipFamilies, spec.ipFamilies);
}

const otherFamily = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

/** initIPFamilyFields: defaults ipFamilyPolicy / ipFamilies and checks them against the cluster. */
function initIPFamilyFields(svc: KubeObject, old: KubeObject | undefined, al: AllocationContext): void {
  const spec = svc.spec as Record<string, any>;
  const oldSpec = old?.spec as Record<string, any> | undefined;
  if (spec.type === 'ExternalName') return;
  if (isMatchingPreferDualStack(spec, oldSpec)) return;

  if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) {
    if (oldSpec && typeof oldSpec.ipFamilyPolicy === 'string') spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
    else if (spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0) spec.ipFamilyPolicy = 'RequireDualStack';
    else spec.ipFamilyPolicy = 'SingleStack';
  }

  const pre = validateClusterIPsRelatedFields(spec);
  if (pre.length) throw invalid(svc, pre);

  const errs: FieldCause[] = [];
  if (oldSpec) {
    if (policyOf(spec) === 'SingleStack') {
      if (sameStrings(oldSpec.clusterIPs, spec.clusterIPs) && arrayOf(spec.clusterIPs).length > 1) spec.clusterIPs = spec.clusterIPs.slice(0, 1);
      if (sameStrings(oldSpec.ipFamilies, spec.ipFamilies) && arrayOf(spec.ipFamilies).length > 1) spec.ipFamilies = spec.ipFamilies.slice(0, 1);
    } else {
      const n = arrayOf(spec.clusterIPs).length;
      if (n > 0 && n < arrayOf(oldSpec.clusterIPs).length) {
        errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), "must be 'SingleStack' to release the secondary cluster IP"));
      }
      const f = arrayOf(spec.ipFamilies).length;
      if (f > 0 && f < arrayOf(oldSpec.ipFamilies).length) {
        errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), "must be 'SingleStack' to release the secondary IP family"));
      }
    }
  }

  if (policyOf(spec) === 'SingleStack') {
    if (arrayOf(spec.clusterIPs).length === 2) {
      errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    }
    if (arrayOf(spec.ipFamilies).length === 2) {
      errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
  }

  // Infer ipFamilies from the clusterIPs the client asked for.
  const clusterIPs = arrayOf(spec.clusterIPs);
  for (let i = 0; i < clusterIPs.length; i++) {
    const ip = clusterIPs[i];
    if (ip === 'None') break;
    const fam = familyOf(ip);
    if (i >= arrayOf(spec.ipFamilies).length) {
      if (!fam || !al.ranges.has(fam)) {
        errs.push(field.invalidRaw(`spec.clusterIPs[${i}]`, goStringSlice(clusterIPs), `${fam ?? 'unknown'} is not configured on this cluster`));
      } else {
        spec.ipFamilies = [...arrayOf(spec.ipFamilies), fam];
      }
    }
  }
  if (errs.length) throw invalid(svc, errs);

  // Headless and selectorless: may be dual-stack even on a single-stack cluster.
  if (spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0) {
    if (arrayOf(spec.ipFamilies).length === 0) spec.ipFamilies = [al.defaultFamily];
    if (spec.ipFamilies.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') {
      spec.ipFamilies = [...spec.ipFamilies, otherFamily(spec.ipFamilies[0])];
    }
    return;
  }

  if (policyOf(spec) === 'RequireDualStack' && al.ranges.size < 2) {
    errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), 'this cluster is not configured for dual-stack services'));
  }
  arrayOf(spec.ipFamilies).forEach((fam, i) => {
    if (!al.ranges.has(fam)) errs.push(field.invalid(`spec.ipFamilies[${i}]`, fam, 'not configured on this cluster'));
  });
  if (errs.length) throw invalid(svc, errs);

  if (arrayOf(spec.ipFamilies).length === 0) spec.ipFamilies = [al.defaultFamily];
  if (spec.ipFamilyPolicy !== 'SingleStack' && spec.ipFamilies.length === 1 && al.ranges.size === 2) {
    spec.ipFamilies = [...spec.ipFamilies, otherFamily(spec.ipFamilies[0])];
  }
}

// ---------------------------------------------------------------- clusterIP allocation

/** Allocates one IP per family entry in `toAlloc` ('' = next free), in family order. */
function allocIPs(svc: KubeObject, toAlloc: Array<[IPFamily, string]>, al: AllocationContext): Map<IPFamily, string> {
  const out = new Map<IPFamily, string>();
  for (const [fam, ip] of toAlloc) {
    const range = al.ranges.get(fam)!;
    const used = al.usedIPs.get(fam)!;
    if (ip === '') {
      try {
        out.set(fam, range.allocateNext(used, al.dryRun));
      } catch (e) {
        if (e instanceof AllocError) throw internalError(`failed to allocate a serviceIP: ${e.message}`);
        throw e;
      }
      continue;
    }
    const parsed = parseIPSloppy(ip);
    try {
      if (!parsed) throw new AllocError(`the provided IP (<nil>) is not in the valid range. The range of valid IPs is ${range.text}`);
      range.allocate(parsed, used, al.dryRun);
    } catch (e) {
      if (!(e instanceof AllocError)) throw e;
      throw invalid(svc, [
        field.invalidRaw('spec.clusterIPs', goStringSlice(svc.spec.clusterIPs), `failed to allocate IP ${ip}: ${e.message}`),
      ]);
    }
    out.set(fam, ip);
  }
  return out;
}

/** allocClusterIPs: fills clusterIPs (and clusterIP) for every ipFamily, keeping requested IPs. */
function allocClusterIPs(svc: KubeObject, al: AllocationContext): void {
  const spec = svc.spec as Record<string, any>;
  if (spec.type === 'ExternalName') return;
  if (arrayOf(spec.clusterIPs).length > 0 && spec.clusterIPs[0] === 'None') return;
  const families = arrayOf(spec.ipFamilies) as IPFamily[];
  const ips: string[] = [...strings(spec.clusterIPs)];
  const toAlloc: Array<[IPFamily, string]> = [];
  families.forEach((fam, i) => {
    if (i > ips.length - 1) ips.push('');
    toAlloc.push([fam, ips[i]!]);
  });
  spec.clusterIPs = ips;
  const allocated = allocIPs(svc, toAlloc, al);
  families.forEach((fam, i) => {
    const ip = allocated.get(fam);
    if (ip === undefined) return;
    ips[i] = ip;
    if (i === 0) spec.clusterIP = ip;
  });
}

// ---------------------------------------------------------------- node ports

function nodePortError(svc: KubeObject, index: number, port: number, e: unknown): ApiError {
  if (!(e instanceof AllocError)) throw e;
  return invalid(svc, [field.invalid(`spec.ports[${index}].nodePort`, port, e.message)]);
}

/** initNodePorts: ports with the same port number share one node port. */
function initNodePorts(svc: KubeObject, op: NodePortOperation): void {
  const spec = svc.spec as Record<string, any>;
  const ports = arrayOf(spec.ports);
  const byPort = new Map<number, number>();
  ports.forEach((p, i) => {
    if (!p || typeof p !== 'object') return;
    const np = nodePortOf(p);
    if (np === 0 && !shouldAllocateNodePorts(spec)) return;
    const allocated = byPort.get(p.port) ?? 0;
    if (allocated === 0) {
      const requested = nodePortOf(ports.find((q) => q?.port === p.port && nodePortOf(q) !== 0));
      if (requested !== 0) {
        try {
          op.allocate(requested);
        } catch (e) {
          throw nodePortError(svc, i, requested, e);
        }
        p.nodePort = requested;
        byPort.set(p.port, requested);
      } else {
        let next: number;
        try {
          next = op.allocateNext();
        } catch (e) {
          if (e instanceof AllocError) throw internalError(`failed to allocate a nodePort: ${e.message}`);
          throw e;
        }
        p.nodePort = next;
        byPort.set(p.port, next);
      }
    } else if (np !== allocated) {
      if (np === 0) {
        p.nodePort = allocated;
      } else {
        try {
          op.allocate(np);
        } catch (e) {
          throw nodePortError(svc, i, np, e);
        }
      }
    }
  });
}

function allocHealthCheckNodePort(svc: KubeObject, op: NodePortOperation): void {
  const spec = svc.spec as Record<string, any>;
  const requested = typeof spec.healthCheckNodePort === 'number' ? spec.healthCheckNodePort : 0;
  if (requested !== 0) {
    try {
      op.allocate(requested);
    } catch (e) {
      if (e instanceof AllocError) throw internalError(`failed to allocate requested HealthCheck NodePort ${requested}: ${e.message}`);
      throw e;
    }
    return;
  }
  try {
    spec.healthCheckNodePort = op.allocateNext();
  } catch (e) {
    if (e instanceof AllocError) throw internalError(`failed to allocate a HealthCheck NodePort 0: ${e.message}`);
    throw e;
  }
}

/** updateNodePorts: keeps the Service's own ports, allocates requested or missing ones. */
function updateNodePorts(svc: KubeObject, old: KubeObject, op: NodePortOperation): void {
  const spec = svc.spec as Record<string, any>;
  const oldPorts = new Set(arrayOf(old.spec?.ports).map(nodePortOf).filter((n) => n !== 0));
  const taken = new Set<number>();
  const seen: Array<[string, number]> = [];
  arrayOf(spec.ports).forEach((p, i) => {
    if (!p || typeof p !== 'object') return;
    const np = nodePortOf(p);
    if (np === 0 && !shouldAllocateNodePorts(spec)) return;
    if (np !== 0) {
      if (!oldPorts.has(np) && !taken.has(np)) {
        try {
          op.allocate(np);
        } catch (e) {
          throw nodePortError(svc, i, np, e);
        }
        taken.add(np);
      }
    } else {
      try {
        p.nodePort = op.allocateNext();
      } catch (e) {
        if (e instanceof AllocError) throw internalError(`failed to allocate a nodePort: ${e.message}`);
        throw e;
      }
    }
    const protocol = String(p.protocol ?? '');
    if (seen.some(([pr, n]) => pr === protocol && n === p.nodePort)) {
      throw internalError(`duplicate nodePort: {${protocol} ${p.nodePort}}`);
    }
    seen.push([protocol, p.nodePort]);
  });
}

// ---------------------------------------------------------------- entry points

/** kube's NormalizeClusterIPs: keeps clusterIP and clusterIPs in step before allocation. */
export function normalizeClusterIPs(spec: Record<string, any>, oldSpec?: Record<string, any>): void {
  const ip = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
  if (!oldSpec) {
    if (ip !== '' && arrayOf(spec.clusterIPs).length === 0) spec.clusterIPs = [ip];
    return;
  }
  const oldIP = typeof oldSpec.clusterIP === 'string' ? oldSpec.clusterIP : '';
  if (arrayOf(oldSpec.clusterIPs).length > 0 && arrayOf(spec.clusterIPs).length === 0 && oldIP === ip) {
    spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (oldIP !== ip) {
    if (oldIP !== '' && ip === '' && sameStrings(oldSpec.clusterIPs, spec.clusterIPs)) delete spec.clusterIPs;
    if (ip !== '' && sameStrings(oldSpec.clusterIPs, spec.clusterIPs)) spec.clusterIPs = [ip];
  }
}

/**
 * patchAllocatedValues: an update that omits allocated values (clusterIP(s), nodePorts matched by
 * port name, healthCheckNodePort) keeps the old ones, so a PUT of a hand-written manifest works.
 */
export function patchAllocatedValues(spec: Record<string, any>, oldSpec: Record<string, any>): void {
  if (needsClusterIP(oldSpec) && needsClusterIP(spec)) {
    if (!spec.clusterIP) {
      if (oldSpec.clusterIP !== undefined) spec.clusterIP = oldSpec.clusterIP;
    }
    if (arrayOf(spec.clusterIPs).length === 0 && arrayOf(oldSpec.clusterIPs).length > 0) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePort(oldSpec) && needsNodePort(spec)) {
    const inNew = new Set(arrayOf(spec.ports).map(nodePortOf).filter((n) => n !== 0));
    const used = new Set(arrayOf(oldSpec.ports).map(nodePortOf).filter((n) => inNew.has(n)));
    const byName = new Map<string, number>();
    for (const p of arrayOf(oldSpec.ports)) byName.set(String(p?.name ?? ''), nodePortOf(p));
    for (const p of arrayOf(spec.ports)) {
      if (!p || typeof p !== 'object' || nodePortOf(p) !== 0) continue;
      const oldVal = byName.get(String(p.name ?? '')) ?? 0;
      if (oldVal !== 0 && !used.has(oldVal)) p.nodePort = oldVal;
    }
  }
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec)) {
    if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

/** What BeginCreate does: ipFamilies, clusterIPs, nodePorts, healthCheckNodePort. Throws ApiError. */
export function allocateCreate(svc: KubeObject, al: AllocationContext): void {
  initIPFamilyFields(svc, undefined, al);
  allocClusterIPs(svc, al);
  const spec = svc.spec as Record<string, any>;
  const op = new NodePortOperation(al.nodePorts, al.usedPorts, al.dryRun);
  if (needsNodePort(spec)) initNodePorts(svc, op);
  if (needsHealthCheck(spec)) allocHealthCheckNodePort(svc, op);
}

/** What BeginUpdate does after patching: type changes, dual-stack up/downgrades, node ports. */
export function allocateUpdate(svc: KubeObject, old: KubeObject, al: AllocationContext): void {
  initIPFamilyFields(svc, old, al);
  const spec = svc.spec as Record<string, any>;
  const oldSpec = old.spec as Record<string, any>;

  if (!isMatchingPreferDualStack(spec, oldSpec)) {
    if (oldSpec.type === 'ExternalName' && spec.type !== 'ExternalName') {
      allocClusterIPs(svc, al);
    } else if (!(arrayOf(oldSpec.clusterIPs).length > 0 && oldSpec.clusterIPs[0] === 'None') && spec.type !== 'ExternalName') {
      const upgraded = arrayOf(oldSpec.ipFamilies).length === 1 && arrayOf(spec.ipFamilies).length === 2;
      if (upgraded) {
        const ips = [...strings(spec.clusterIPs)];
        if (ips.length < 2) ips.push('');
        spec.clusterIPs = ips;
        const fam = spec.ipFamilies[1] as IPFamily;
        const got = allocIPs(svc, [[fam, ips[1]!]], al);
        ips[1] = got.get(fam)!;
      }
      // Downgrades and moves to ExternalName release addresses: nothing to do, since what is
      // allocated is derived from the stored Services.
    }
  }

  const op = new NodePortOperation(al.nodePorts, al.usedPorts, al.dryRun);
  if (needsNodePort(spec)) updateNodePorts(svc, old, op);
  if (!needsHealthCheck(oldSpec) && needsHealthCheck(spec)) allocHealthCheckNodePort(svc, op);
}

/**
 * dropTypeDependentFields: after a type change, fields the server filled in for the old type are
 * wiped, but only when the client did not also change them (then validation reports them).
 */
export function dropTypeDependentFields(svc: KubeObject, old: KubeObject): void {
  const spec = svc.spec as Record<string, any>;
  const oldSpec = old.spec as Record<string, any>;
  if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
    if (sameStrings(oldSpec.clusterIPs, spec.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameStrings(oldSpec.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if ((oldSpec.ipFamilyPolicy ?? null) === (spec.ipFamilyPolicy ?? null)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const a = arrayOf(oldSpec.ports);
    const b = arrayOf(spec.ports);
    const same = a.length === b.length && a.every((p, i) => nodePortOf(p) === nodePortOf(b[i]));
    if (same) for (const p of b) if (p && typeof p === 'object') delete p.nodePort;
  }
  if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec) && (oldSpec.healthCheckNodePort ?? 0) === (spec.healthCheckNodePort ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (oldSpec.type === 'LoadBalancer' && spec.type !== 'LoadBalancer') {
    if (
      typeof spec.allocateLoadBalancerNodePorts === 'boolean' &&
      typeof oldSpec.allocateLoadBalancerNodePorts === 'boolean' &&
      spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts
    ) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if ((oldSpec.loadBalancerClass ?? null) === (spec.loadBalancerClass ?? null)) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec)) {
    if ((oldSpec.externalTrafficPolicy ?? '') === (spec.externalTrafficPolicy ?? '')) delete spec.externalTrafficPolicy;
  }
  // Load-balancer status stops being meaningful the moment the Service is no LoadBalancer.
  if (spec.type !== 'LoadBalancer') svc.status = { ...(svc.status ?? {}), loadBalancer: {} };
}
