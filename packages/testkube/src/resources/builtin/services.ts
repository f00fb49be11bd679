// core/v1 Service: kube-apiserver v1.28's defaulting, ClusterIP/NodePort allocation, validation and
// `kubectl get svc` Table output. The order of steps follows the real server, because it decides
// which errors a client sees: defaults (decode) → allocation (BeginCreate/BeginUpdate, whose
// errors are returned alone) → PrepareFor* → ValidateService.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateQualifiedName,
} from '../../validation.js';
import type { KubeObject, ResourceType, StrategyContext, TableConverter } from '../types.js';
import { age, column, formatLabels, nameColumn, ageColumn } from './common.js';
import {
  allocateCreate,
  allocateUpdate,
  allocationContext,
  arrayOf,
  dropTypeDependentFields,
  externallyAccessible,
  goPointer,
  goStringSlice,
  isHeadless,
  needsHealthCheck,
  normalizeClusterIPs,
  parseCIDR,
  parseIPSloppy,
  patchAllocatedValues,
  strings,
  validateClusterIPsRelatedFields,
  type ParsedIP,
} from './service-allocation.js';

type Spec = Record<string, any>;

const DEFAULT_CLIENT_IP_TIMEOUT = 10800;
const MAX_CLIENT_IP_TIMEOUT = 86400;
const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
const TOPOLOGY_MODE_ANNOTATION = 'service.kubernetes.io/topology-mode';
const TOPOLOGY_HINTS_ANNOTATION = 'service.kubernetes.io/topology-aware-hints';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_MODES = ['Proxy', 'VIP'];

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function specOf(svc: KubeObject): Spec {
  if (!isObject(svc.spec)) svc.spec = {};
  return svc.spec as Spec;
}

// ---------------------------------------------------------------- defaulting and shape

/** SetDefaults_Service (applied by the decoder to every create and update body). */
export function applyServiceDefaults(svc: KubeObject): void {
  const spec = specOf(svc);
  dropNulls(spec);
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (timeout === undefined || timeout === null) {
      spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT } };
    }
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of arrayOf(spec.ports)) {
    if (!isObject(port)) continue;
    if (!port.protocol) port.protocol = 'TCP';
    const tp = port.targetPort;
    if (tp === undefined || tp === null || tp === 0 || tp === '') port.targetPort = typeof port.port === 'number' ? port.port : 0;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
}

function dropNulls(o: Record<string, any>): void {
  for (const k of Object.keys(o)) if (o[k] === null) delete o[k];
}

// Go's JSON encoding of v1.ServiceSpec: struct field order, zero values of omitempty fields gone.
const SPEC_ORDER = [
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
];
const PORT_ORDER = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];
const OMIT_EMPTY_STRING = ['clusterIP', 'type', 'sessionAffinity', 'loadBalancerIP', 'externalName', 'externalTrafficPolicy'];
const OMIT_EMPTY_LIST = ['ports', 'clusterIPs', 'externalIPs', 'loadBalancerSourceRanges', 'ipFamilies'];

function reorder(o: Record<string, any>, order: string[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const k of order) if (k in o) out[k] = o[k];
  for (const k of Object.keys(o)) if (!(k in out)) out[k] = o[k];
  return out;
}

/** What a decode/encode round trip through the Go types does to a Service. */
export function normalizeServiceShape(svc: KubeObject): void {
  const spec = specOf(svc);
  dropNulls(spec);
  for (const k of OMIT_EMPTY_STRING) if (spec[k] === '') delete spec[k];
  for (const k of OMIT_EMPTY_LIST) if (Array.isArray(spec[k]) && spec[k].length === 0) delete spec[k];
  if (isObject(spec.selector) && Object.keys(spec.selector).length === 0) delete spec.selector;
  if (spec.healthCheckNodePort === 0) delete spec.healthCheckNodePort;
  if (spec.publishNotReadyAddresses === false) delete spec.publishNotReadyAddresses;
  if (Array.isArray(spec.ports)) {
    spec.ports = spec.ports.map((p: unknown) => {
      if (!isObject(p)) return p;
      dropNulls(p);
      if (p.name === '') delete p.name;
      if (p.protocol === '') delete p.protocol;
      if (p.nodePort === 0) delete p.nodePort;
      return reorder(p, PORT_ORDER);
    });
  }
  svc.spec = reorder(spec, SPEC_ORDER);
  normalizeServiceStatus(svc);
}

function normalizeServiceStatus(svc: KubeObject): void {
  const status = isObject(svc.status) ? svc.status : {};
  dropNulls(status);
  const lb = isObject(status.loadBalancer) ? status.loadBalancer : {};
  dropNulls(lb);
  if (Array.isArray(lb.ingress)) {
    if (lb.ingress.length === 0) delete lb.ingress;
    else for (const ing of lb.ingress) if (isObject(ing)) dropNulls(ing);
  }
  status.loadBalancer = lb;
  if (Array.isArray(status.conditions) && status.conditions.length === 0) delete status.conditions;
  svc.status = reorder(status, ['loadBalancer', 'conditions']);
}

// ---------------------------------------------------------------- validation helpers

function invalidEach(path: string, value: unknown, msgs: string[]): FieldCause[] {
  return msgs.map((m) => field.invalid(path, value, m));
}

function portNumErrors(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/** validation.IsValidPortName. */
function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && (name.startsWith('-') || name.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `%#v` of the core.ServicePort key kube builds for its duplicate-port check. */
function goServicePortKey(protocol: string, port: number): string {
  return (
    `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
    `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`
  );
}

function isV4(ip: ParsedIP): boolean {
  return ip.family === 'IPv4';
}

/** ValidateNonSpecialIP (externalIPs). */
function nonSpecialIPErrors(path: string, text: string, ip: ParsedIP): FieldCause[] {
  const out: FieldCause[] = [];
  const v = ip.value;
  const unspecified = v === 0n;
  const loopback = isV4(ip) ? v >> 24n === 127n : v === 1n;
  const linkLocal = isV4(ip) ? v >> 16n === 0xa9fen : v >> 118n === 0x3fan;
  const llMulticast = isV4(ip) ? v >> 8n === 0xe00000n : v >> 120n === 0xffn && ((v >> 112n) & 0x0fn) === 0x02n;
  if (unspecified) out.push(field.invalid(path, text, 'may not be unspecified (0.0.0.0)'));
  if (loopback) out.push(field.invalid(path, text, 'may not be in the loopback range (127.0.0.0/8)'));
  if (linkLocal) out.push(field.invalid(path, text, 'may not be in the link-local range (169.254.0.0/16)'));
  if (llMulticast) out.push(field.invalid(path, text, 'may not be in the link-local multicast range (224.0.0.0/24)'));
  return out;
}

function validateServicePort(p: any, path: string, requireName: boolean, names: Set<string>): FieldCause[] {
  const errs: FieldCause[] = [];
  const port = isObject(p) ? p : {};
  const name = str(port.name);
  if (requireName && name === '') {
    errs.push(field.required(`${path}.name`));
  } else if (name !== '') {
    errs.push(...invalidEach(`${path}.name`, name, isDNS1123Label(name)));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  errs.push(...invalidEach(`${path}.port`, num(port.port), portNumErrors(num(port.port))));
  const protocol = str(port.protocol);
  if (protocol === '') errs.push(field.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(protocol)) errs.push(field.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  if (typeof port.targetPort === 'string') {
    errs.push(...invalidEach(`${path}.targetPort`, port.targetPort, portNameErrors(port.targetPort)));
  } else {
    errs.push(...invalidEach(`${path}.targetPort`, num(port.targetPort), portNumErrors(num(port.targetPort))));
  }
  if (typeof port.appProtocol === 'string') {
    errs.push(...invalidEach(`${path}.appProtocol`, port.appProtocol, validateQualifiedName(port.appProtocol)));
  }
  return errs;
}

/** netutils.ParseIPNets as GetLoadBalancerSourceRanges uses it. */
function sourceRangesValid(ranges: string[]): boolean {
  return ranges.every((r) => parseCIDR(r.trim()) !== undefined);
}

function validateLoadBalancerClass(spec: Spec, oldSpec: Spec | undefined): FieldCause[] {
  const errs: FieldCause[] = [];
  const cls = spec.loadBalancerClass;
  if (oldSpec && oldSpec.type === 'LoadBalancer' && spec.type === 'LoadBalancer') {
    if ((oldSpec.loadBalancerClass ?? null) !== (cls ?? null)) {
      errs.push(field.invalidRaw('spec.loadBalancerClass', goPointer(cls), 'may not change once set'));
    }
  }
  if (spec.type === 'LoadBalancer') {
    if (typeof cls === 'string') errs.push(...invalidEach('spec.loadBalancerClass', cls, validateQualifiedName(cls)));
  } else if (cls !== undefined && cls !== null) {
    errs.push(field.forbidden('spec.loadBalancerClass', "may only be used when `type` is 'LoadBalancer'"));
  }
  return errs;
}

function validateExternalTrafficPolicy(spec: Spec): FieldCause[] {
  const errs: FieldCause[] = [];
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp !== '') errs.push(field.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    errs.push(field.required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errs.push(field.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const hc = num(spec.healthCheckNodePort);
  if (!needsHealthCheck(spec)) {
    if (hc !== 0) {
      errs.push(
        field.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
      );
    }
  } else if (hc === 0) {
    errs.push(field.required('spec.healthCheckNodePort'));
  } else {
    errs.push(...invalidEach('spec.healthCheckNodePort', hc, portNumErrors(hc)));
  }
  return errs;
}

/** ValidateService: ObjectMeta, then the spec in kube's order. */
export function validateService(svc: KubeObject): FieldCause[] {
  const meta = isObject(svc.metadata) ? svc.metadata : {};
  const errs: FieldCause[] = validateObjectMeta(meta, { namespaced: true, nameValidator: 'DNS1035Label' });
  const spec = specOf(svc);
  const annotations: Record<string, unknown> = isObject(meta.annotations) ? meta.annotations : {};

  if (TOPOLOGY_MODE_ANNOTATION in annotations && TOPOLOGY_HINTS_ANNOTATION in annotations) {
    const mode = annotations[TOPOLOGY_MODE_ANNOTATION];
    if (mode !== annotations[TOPOLOGY_HINTS_ANNOTATION]) {
      errs.push(
        field.invalid(
          `metadata.annotations[${TOPOLOGY_MODE_ANNOTATION}]`,
          mode,
          `must match annotations[${TOPOLOGY_HINTS_ANNOTATION}] when both are specified`,
        ),
      );
    }
  }

  const ports = arrayOf(spec.ports);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(field.required('spec.ports'));
  switch (spec.type) {
    case 'LoadBalancer':
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(field.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (arrayOf(spec.clusterIPs).length > 0) errs.push(field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (arrayOf(spec.ipFamilies).length > 0) errs.push(field.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
        errs.push(field.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      }
      // A trailing dot marks the CNAME as fully qualified.
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname.length > 0) errs.push(...invalidEach('spec.externalName', cname, isDNS1123Subdomain(cname)));
      else errs.push(field.required('spec.externalName'));
      break;
    }
    default:
      break;
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, `spec.ports[${i}]`, ports.length > 1, names)));

  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity);
  if (affinity === '') errs.push(field.required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'ClientIP') {
    const cfg = spec.sessionAffinityConfig;
    const detail = 'when session affinity type is ClientIP';
    if (!isObject(cfg)) errs.push(field.required('spec.sessionAffinityConfig', detail));
    else if (!isObject(cfg.clientIP)) errs.push(field.required('spec.sessionAffinityConfig.clientIP', detail));
    else if (typeof cfg.clientIP.timeoutSeconds !== 'number') {
      errs.push(field.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', detail));
    } else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_CLIENT_IP_TIMEOUT) {
        errs.push(field.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', t, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`));
      }
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(field.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPsRelatedFields(spec));

  arrayOf(spec.externalIPs).forEach((ip, i) => {
    const path = `spec.externalIPs[${i}]`;
    const parsed = parseIPSloppy(ip);
    if (!parsed) errs.push(field.invalid(path, str(ip), 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
    else errs.push(...nonSpecialIPErrors(path, ip, parsed));
  });

  const type = str(spec.type);
  if (type === '') errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (num(p?.nodePort) !== 0) errs.push(field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }

  const nodePortKeys = new Set<string>();
  ports.forEach((p, i) => {
    const np = num(p?.nodePort);
    if (np === 0) return;
    const key = `${str(p?.protocol)}/${np}`;
    if (nodePortKeys.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, np));
    nodePortKeys.add(key);
  });

  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = str(p?.protocol);
    const port = num(p?.port);
    const key = `${protocol}/${port}`;
    if (portKeys.has(key)) {
      errs.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${goServicePortKey(protocol, port)}`, field: `spec.ports[${i}]` });
    }
    portKeys.add(key);
  });

  const ranges = strings(spec.loadBalancerSourceRanges);
  if (arrayOf(spec.loadBalancerSourceRanges).length > 0) {
    const path = 'spec.LoadBalancerSourceRanges';
    if (type !== 'LoadBalancer') errs.push(field.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    if (!sourceRangesValid(ranges) || ranges.length !== arrayOf(spec.loadBalancerSourceRanges).length) {
      errs.push(field.invalid(path, `[${ranges.join(' ')}]`, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
    }
  } else if (SOURCE_RANGES_ANNOTATION in annotations) {
    const path = `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
    const val = str(annotations[SOURCE_RANGES_ANNOTATION]);
    if (type !== 'LoadBalancer') errs.push(field.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
    const trimmed = val.trim();
    if (trimmed !== '' && !sourceRangesValid(trimmed.split(','))) {
      errs.push(field.invalid(path, val, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
    }
  }

  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(field.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    // kube reports this one without the "spec." prefix.
    errs.push(field.required('allocateLoadBalancerNodePorts'));
  }

  errs.push(...validateLoadBalancerClass(spec, undefined));
  errs.push(...validateExternalTrafficPolicy(spec));

  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) errs.push(field.required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errs.push(field.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs. */
function validateClusterIPsUpdate(spec: Spec, oldSpec: Spec): FieldCause[] {
  const errs: FieldCause[] = [];
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return errs;
  if (isHeadless(oldSpec) && isHeadless(spec)) return errs;
  const oldIPs = arrayOf(oldSpec.clusterIPs);
  const newIPs = arrayOf(spec.clusterIPs);
  const rendered = goStringSlice(spec.clusterIPs);
  if (oldIPs.length === newIPs.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== newIPs[i]) errs.push(field.invalidRaw(`spec.clusterIPs[${i}]`, rendered, 'may not change once set'));
    });
  } else if (oldIPs.length > newIPs.length) {
    if (newIPs.length === 0) errs.push(field.invalidRaw('spec.clusterIPs[0]', rendered, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && newIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
      errs.push(field.invalidRaw('spec.clusterIPs[0]', rendered, 'may not change once set'));
    }
    if (newIPs.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), 'must be set to \'SingleStack\' when releasing the secondary clusterIP'));
    }
  } else if (oldIPs.length > 0 && newIPs[0] !== oldIPs[0]) {
    errs.push(field.invalidRaw('spec.clusterIPs[0]', rendered, 'may not change once set'));
  }
  return errs;
}

/** validateUpgradeDowngradeIPFamilies. */
function validateIPFamiliesUpdate(spec: Spec, oldSpec: Spec): FieldCause[] {
  const errs: FieldCause[] = [];
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return errs;
  if (isHeadless(oldSpec) !== isHeadless(spec) || isHeadless(spec)) return errs;
  const oldF = arrayOf(oldSpec.ipFamilies);
  const newF = arrayOf(spec.ipFamilies);
  const families = goStringSlice(spec.ipFamilies, 'core.IPFamily');
  const ips = goStringSlice(spec.clusterIPs);
  if (oldF.length === newF.length) {
    oldF.forEach((f, i) => {
      if (f !== newF[i]) errs.push(field.invalidRaw('spec.ipFamilies[0]', families, 'may not change once set'));
    });
  } else if (oldF.length > newF.length) {
    if (arrayOf(spec.clusterIPs).length === 0) errs.push(field.invalidRaw('spec.ipFamilies[0]', families, 'primary ipFamily can not be unset'));
    if (newF.length > 0 && newF[0] !== oldF[0]) errs.push(field.invalidRaw('spec.ipFamilies[0]', ips, 'may not change once set'));
    if (newF.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(field.invalidRaw('spec.ipFamilyPolicy', goPointer(spec.ipFamilyPolicy), 'must be set to \'SingleStack\' when releasing the secondary ipFamily'));
    }
  } else if (oldF.length > 0 && newF.length > 0 && newF[0] !== oldF[0]) {
    errs.push(field.invalidRaw('spec.ipFamilies[0]', ips, 'may not change once set'));
  }
  return errs;
}

/**
 * The labels/annotations/ownerReferences part of ValidateObjectMetaUpdate that the Service strategy
 * repeats. The "no new finalizers" cause is left to the REST layer, which already reports it as
 * often as kube does (02-services-crud seq 93).
 */
function metaUpdateCauses(svc: KubeObject, old: KubeObject): FieldCause[] {
  const oldMeta = isObject(old.metadata) ? old.metadata : {};
  const newMeta = { ...(isObject(svc.metadata) ? svc.metadata : {}), resourceVersion: oldMeta.resourceVersion ?? '1' };
  return validateObjectMetaUpdate(newMeta, oldMeta).filter((c) => !c.message.includes('no new finalizers can be added'));
}

/** ValidateServiceUpdate. */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldCause[] {
  const spec = specOf(svc);
  const oldSpec = isObject(old.spec) ? (old.spec as Spec) : {};
  const errs = metaUpdateCauses(svc, old);
  errs.push(...validateClusterIPsUpdate(spec, oldSpec));
  errs.push(...validateIPFamiliesUpdate(spec, oldSpec));
  errs.push(...validateLoadBalancerClass(spec, oldSpec));
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && num(spec.healthCheckNodePort) !== num(oldSpec.healthCheckNodePort)) {
    errs.push(field.forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(svc));
  return errs;
}

/** ValidateLoadBalancerStatus (plus the ipMode rules of later releases, see servicesResource). */
export function validateLoadBalancerStatus(svc: KubeObject): FieldCause[] {
  const errs: FieldCause[] = [];
  const ingress = arrayOf(svc.status?.loadBalancer?.ingress);
  ingress.forEach((ing, i) => {
    const path = `status.loadBalancer.ingress[${i}]`;
    const ip = str(ing?.ip);
    const hostname = str(ing?.hostname);
    if (ip !== '' && !parseIPSloppy(ip)) errs.push(field.invalid(`${path}.ip`, ip, 'must be a valid IP address'));
    if (ing?.ipMode !== undefined && ing?.ipMode !== null) {
      if (ip === '') errs.push(field.forbidden(`${path}.ipMode`, 'may not be specified when `ip` is not set'));
      else if (!IP_MODES.includes(ing.ipMode)) errs.push(field.notSupported(`${path}.ipMode`, ing.ipMode, IP_MODES));
    }
    if (hostname !== '') {
      errs.push(...invalidEach(`${path}.hostname`, hostname, isDNS1123Subdomain(hostname)));
      if (parseIPSloppy(hostname)) errs.push(field.invalid(`${path}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---------------------------------------------------------------- Table

const TYPE_DESCRIPTION =
  'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types';
const CLUSTER_IP_DESCRIPTION =
  'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies';
const EXTERNAL_IP_DESCRIPTION =
  'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.';
const PORTS_DESCRIPTION =
  'The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies';
const SELECTOR_DESCRIPTION =
  'Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/';

/** loadBalancerStatusStringer with wide output (server-side Tables never truncate): sorted, unique. */
function loadBalancerIPs(svc: KubeObject): string {
  const set = new Set<string>();
  for (const ing of arrayOf(svc.status?.loadBalancer?.ingress)) {
    if (str(ing?.ip) !== '') set.add(ing.ip);
    else if (str(ing?.hostname) !== '') set.add(ing.hostname);
  }
  return [...set].sort().join(',');
}

function externalIPCell(svc: KubeObject): string {
  const spec: Spec = isObject(svc.spec) ? svc.spec : {};
  const externalIPs = strings(spec.externalIPs);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb !== '' ? lb : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function portsCell(spec: Spec): string {
  const pieces = arrayOf(spec.ports).map((p) => {
    const np = num(p?.nodePort);
    return np > 0 ? `${num(p?.port)}:${np}/${str(p?.protocol)}` : `${num(p?.port)}/${str(p?.protocol)}`;
  });
  return pieces.length > 0 ? pieces.join(',') : '<none>';
}

export const serviceTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Type', TYPE_DESCRIPTION),
    column('Cluster-IP', CLUSTER_IP_DESCRIPTION),
    column('External-IP', EXTERNAL_IP_DESCRIPTION),
    column('Port(s)', PORTS_DESCRIPTION),
    ageColumn(),
    column('Selector', SELECTOR_DESCRIPTION, 1),
  ],
  cells(obj: KubeObject, now: Date): unknown[] {
    const spec: Spec = isObject(obj.spec) ? obj.spec : {};
    const clusterIPs = strings(spec.clusterIPs);
    return [
      str(obj.metadata?.name),
      str(spec.type),
      clusterIPs.length > 0 ? clusterIPs[0] : '<none>',
      externalIPCell(obj),
      portsCell(spec),
      age(obj, now),
      formatLabels(spec.selector),
    ];
  },
};

// ---------------------------------------------------------------- the resource

/**
 * core/v1 services. Beyond v1.28, status ingress `ipMode` is validated (VIP/Proxy) when a client
 * sends it; v1.28 itself has no such field.
 */
export function servicesResource(): ResourceType {
  const self: ResourceType = {
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    listKind: 'ServiceList',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    // services/proxy is listed by discovery (kind ServiceProxyOptions) but not served here.
    subresources: ['proxy', 'status'],
    deleteReturnsObject: true,
    strategicSchema: builtinStrategicSchemas['/Service'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: '0/CO1lhkEBI=',
    table: serviceTable,
    hooks: {
      prepareCreate(ctx: StrategyContext, obj: KubeObject): void {
        applyServiceDefaults(obj);
        const spec = specOf(obj);
        normalizeClusterIPs(spec);
        allocateCreate(obj, allocationContext(ctx.config, ctx.list(self), ctx.dryRun));
        // PrepareForCreate: a new Service never carries status.
        obj.status = { loadBalancer: {} };
        normalizeServiceShape(obj);
      },
      validateCreate(_ctx: StrategyContext, obj: KubeObject) {
        return validateService(obj);
      },
      prepareUpdate(ctx: StrategyContext, obj: KubeObject, old: KubeObject): void {
        applyServiceDefaults(obj);
        const spec = specOf(obj);
        const oldSpec: Spec = isObject(old.spec) ? old.spec : {};
        patchAllocatedValues(spec, oldSpec);
        normalizeClusterIPs(spec, oldSpec);
        allocateUpdate(obj, { ...old, spec: oldSpec }, allocationContext(ctx.config, ctx.list(self), ctx.dryRun));
        // PrepareForUpdate: main-resource writes keep the stored status (the REST layer copied it).
        dropTypeDependentFields(obj, { ...old, spec: oldSpec });
        normalizeServiceShape(obj);
      },
      validateUpdate(_ctx: StrategyContext, obj: KubeObject, old: KubeObject) {
        return validateServiceUpdate(obj, old);
      },
      validateStatusUpdate(_ctx: StrategyContext, obj: KubeObject, old: KubeObject) {
        // The decode round trip kube does on /status bodies (e.g. `ingress: []` disappears).
        normalizeServiceStatus(obj);
        return [...metaUpdateCauses(obj, old), ...validateLoadBalancerStatus(obj)];
      },
    },
  };
  return self;
}
