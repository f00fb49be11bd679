// core/v1 Pods, kept minimal (nothing runs them), plus the PodSpec defaulting and validation that
// Deployments and DaemonSets share: kube applies the same SetDefaults_PodSpec/Container defaults
// to pod templates, which is why a created Deployment comes back with terminationMessagePath,
// imagePullPolicy, dnsPolicy, schedulerName and securityContext filled in.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType, StrategyContext } from '../types.js';
import {
  age,
  ageColumn,
  column,
  isDNS1123Label,
  invalidEach,
  isObject,
  nameColumn,
} from './common.js';

// ------------------------------------------------------------------ defaulting

/** parsers.ParseImageName's tag: `latest` when neither tag nor digest is given. */
function imageTag(image: string): string {
  const at = image.indexOf('@');
  const withoutDigest = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastPart = withoutDigest.slice(lastSlash + 1);
  const colon = lastPart.lastIndexOf(':');
  if (colon >= 0) return lastPart.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(p: unknown): void {
  if (!isObject(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultHandler(h: unknown): void {
  if (!isObject(h)) return;
  if (isObject(h.httpGet)) {
    if (!h.httpGet.path) h.httpGet.path = '/';
    h.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: unknown): void {
  if (!isObject(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(String(c.image ?? '')) === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a struct without omitempty: always serialised.
  if (!isObject(c.resources)) c.resources = {};
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObject(p) && !p.protocol) p.protocol = 'TCP';
  if (Array.isArray(c.env)) {
    for (const e of c.env) {
      if (isObject(e) && isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) e.valueFrom.fieldRef.apiVersion ??= 'v1';
    }
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObject(c.lifecycle)) {
    defaultHandler(c.lifecycle.postStart);
    defaultHandler(c.lifecycle.preStop);
  }
}

function defaultVolume(v: unknown): void {
  if (!isObject(v)) return;
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObject(v[k])) v[k].defaultMode ??= 420;
  }
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
}

/** SetDefaults_PodSpec plus the container/volume defaults, applied to pods and pod templates. */
export function defaultPodSpec(spec: Record<string, any>): void {
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) defaultVolume(v);
}

/** A PodTemplateSpec: ObjectMeta without creationTimestamp serialises it as null. */
export function defaultPodTemplate(template: unknown): void {
  if (!isObject(template)) return;
  template.metadata = isObject(template.metadata) ? template.metadata : {};
  if (template.metadata.creationTimestamp === undefined) template.metadata.creationTimestamp = null;
  template.spec = isObject(template.spec) ? template.spec : {};
  defaultPodSpec(template.spec);
}

// ------------------------------------------------------------------ validation

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainers(list: unknown, path: string, required: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  const containers = Array.isArray(list) ? list : [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const ctr = isObject(c) ? c : {};
    const name = typeof ctr.name === 'string' ? ctr.name : '';
    if (!name) causes.push(field.required(`${p}.name`));
    else causes.push(...invalidEach(`${p}.name`, name, isDNS1123Label(name)));
    if (!ctr.image) causes.push(field.required(`${p}.image`));
    (Array.isArray(ctr.ports) ? ctr.ports : []).forEach((port: any, j: number) => {
      const pp = `${p}.ports[${j}]`;
      const cp = port?.containerPort;
      if (typeof cp === 'number' && (cp < 1 || cp > 65535)) {
        causes.push(field.invalid(`${pp}.containerPort`, cp, 'must be between 1 and 65535, inclusive'));
      }
      if (port?.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) {
        causes.push(field.notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
      }
    });
    if (name) {
      if (names.has(name)) causes.push(field.duplicate(`${p}.name`, name));
      names.add(name);
    }
  });
  if (required && containers.length === 0) causes.push(field.required(path));
  return causes;
}

/** The parts of ValidatePodSpec that matter for objects nothing will ever run. */
export function validatePodSpec(spec: unknown, path: string): FieldCause[] {
  const s = isObject(spec) ? spec : {};
  const causes: FieldCause[] = [];
  causes.push(...validateContainers(s.initContainers, `${path}.initContainers`, false));
  causes.push(...validateContainers(s.containers, `${path}.containers`, true));
  if (s.restartPolicy !== undefined && !RESTART_POLICIES.includes(s.restartPolicy)) {
    causes.push(field.notSupported(`${path}.restartPolicy`, s.restartPolicy, RESTART_POLICIES));
  }
  if (s.dnsPolicy !== undefined && !DNS_POLICIES.includes(s.dnsPolicy)) {
    causes.push(field.notSupported(`${path}.dnsPolicy`, s.dnsPolicy, DNS_POLICIES));
  }
  if (typeof s.terminationGracePeriodSeconds === 'number' && s.terminationGracePeriodSeconds < 0) {
    causes.push(field.invalid(`${path}.terminationGracePeriodSeconds`, s.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  }
  return causes;
}

// ------------------------------------------------------------------ the Pod resource

/** GetPodQOS, reduced to cpu and memory on regular and init containers. */
function qosClass(spec: Record<string, any>): string {
  const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = isObject(c?.resources?.requests) ? c.resources.requests : {};
    const lim = isObject(c?.resources?.limits) ? c.resources.limits : {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function preparePodCreate(_ctx: StrategyContext, pod: KubeObject): void {
  pod.spec = isObject(pod.spec) ? pod.spec : {};
  const spec = pod.spec;
  defaultPodSpec(spec);
  // SetDefaults_Pod: requests default to limits, and service links are on (pods only, not templates).
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    if (isObject(c?.resources?.limits)) {
      c.resources.requests = { ...c.resources.limits, ...(isObject(c.resources.requests) ? c.resources.requests : {}) };
    }
  }
  spec.enableServiceLinks ??= true;
  // Admission: Priority (no default PriorityClass exists) and DefaultTolerationSeconds.
  if (!spec.priorityClassName) spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const t of DEFAULT_TOLERATIONS) {
    const tolerated = tolerations.some(
      (x) => (x?.operator === 'Exists' && !x?.key) || (x?.key === t.key && (!x?.effect || x.effect === t.effect)),
    );
    if (!tolerated) tolerations.push({ ...t });
  }
  spec.tolerations = tolerations;
  // PrepareForCreate: status is the server's business.
  pod.status = { phase: 'Pending', qosClass: qosClass(spec) };
}

function validatePod(pod: KubeObject): FieldCause[] {
  return [
    ...validateObjectMeta(pod.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' }),
    ...validatePodSpec(pod.spec, 'spec'),
  ];
}

function podStatusReason(pod: KubeObject): string {
  let reason: string = pod.status?.reason || pod.status?.phase || '';
  const statuses: any[] = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
  for (const cs of statuses) {
    if (cs?.state?.waiting?.reason) reason = cs.state.waiting.reason;
    else if (cs?.state?.terminated?.reason) reason = cs.state.terminated.reason;
  }
  if (pod.metadata?.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export function podsResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    listKind: 'PodList',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    // As discovered; only status has semantics here (no kubelet to exec into or proxy to).
    subresources: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'status'],
    deleteReturnsObject: false,
    fieldSelectorErrorStyle: 'not-supported',
    fieldSelectors: {
      'spec.nodeName': (o) => o.spec?.nodeName ?? '',
      'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
      'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
      'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': (o) => String(!!o.spec?.hostNetwork),
      'status.phase': (o) => o.status?.phase ?? '',
      'status.podIP': (o) => o.status?.podIPs?.[0]?.ip ?? o.status?.podIP ?? '',
      'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
    },
    strategicSchema: builtinStrategicSchemas['/Pod'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'xPOwRZ+Yhw8=',
    table: {
      columns: [
        nameColumn(),
        column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
        column('Status', 'The aggregate status of the containers in this pod.'),
        column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
        ageColumn(),
        column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
        column(
          'Node',
          'NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.',
          1,
        ),
        column(
          'Nominated Node',
          'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.',
          1,
        ),
        column(
          'Readiness Gates',
          'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
          1,
        ),
      ],
      cells(pod, now) {
        const containers: any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
        const statuses: any[] = Array.isArray(pod.status?.containerStatuses) ? pod.status.containerStatuses : [];
        const ready = statuses.filter((s) => s?.ready).length;
        const restarts = statuses.reduce((n, s) => n + (typeof s?.restartCount === 'number' ? s.restartCount : 0), 0);
        const gates: any[] = Array.isArray(pod.spec?.readinessGates) ? pod.spec.readinessGates : [];
        let gateCell = '<none>';
        if (gates.length) {
          const conds: any[] = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
          const trueCount = gates.filter((g) => conds.some((c) => c?.type === g?.conditionType && c?.status === 'True')).length;
          gateCell = `${trueCount}/${gates.length}`;
        }
        return [
          pod.metadata?.name ?? '',
          `${ready}/${containers.length}`,
          podStatusReason(pod),
          String(restarts),
          age(pod, now),
          pod.status?.podIP || '<none>',
          pod.spec?.nodeName || '<none>',
          pod.status?.nominatedNodeName || '<none>',
          gateCell,
        ];
      },
    },
    hooks: {
      prepareCreate: preparePodCreate,
      validateCreate: (_ctx, obj) => validatePod(obj),
      prepareUpdate(_ctx, obj) {
        obj.spec = isObject(obj.spec) ? obj.spec : {};
        defaultPodSpec(obj.spec);
      },
      validateUpdate: (_ctx, obj) => validatePod(obj),
      prepareStatusUpdate(_ctx, obj, old) {
        // pods/status may not touch owner references (old kubelets corrupted them).
        if (old.metadata?.ownerReferences === undefined) delete obj.metadata?.ownerReferences;
        else if (obj.metadata) obj.metadata.ownerReferences = old.metadata.ownerReferences;
      },
    },
  };
}
