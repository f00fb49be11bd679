// core/v1 Nodes. Recorded behaviour: the TaintNodesByCondition admission plugin adds the
// `node.kubernetes.io/not-ready:NoSchedule` taint on create, a status sent with the POST is kept,
// main-resource writes keep the stored status, and the Go zero values of the status structs
// (daemonEndpoints, nodeInfo) are always serialised.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import {
  age,
  ageColumn,
  column,
  decodeError,
  invalidEach,
  isObject,
  isQualifiedName,
  isValidLabelValue,
  nameColumn,
  normalizeTime,
} from './common.js';

const NOT_READY_TAINT = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const NODE_INFO_FIELDS = [
  'machineID',
  'systemUUID',
  'bootID',
  'kernelVersion',
  'osImage',
  'containerRuntimeVersion',
  'kubeletVersion',
  'kubeProxyVersion',
  'operatingSystem',
  'architecture',
];

/** podCIDR mirrors podCIDRs[0] (v1 conversion), and an old-style podCIDR fills podCIDRs. */
function normalizeSpec(node: KubeObject): void {
  const spec = (node.spec = isObject(node.spec) ? node.spec : {});
  if ((!Array.isArray(spec.podCIDRs) || spec.podCIDRs.length === 0) && spec.podCIDR) spec.podCIDRs = [spec.podCIDR];
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length) spec.podCIDR = spec.podCIDRs[0];
  else {
    delete spec.podCIDRs;
    delete spec.podCIDR;
  }
  if (Array.isArray(spec.taints)) {
    for (const t of spec.taints) {
      if (isObject(t) && t.timeAdded !== undefined) t.timeAdded = normalizeTime(t.timeAdded, 'Node', 'v1', 'Taint.spec.taints.timeAdded');
      if (isObject(t) && t.timeAdded === null) delete t.timeAdded;
    }
    if (spec.taints.length === 0) delete spec.taints;
  }
  if (spec.unschedulable === false) delete spec.unschedulable;
}

/** NodeStatus as Go serialises it: struct fields without omitempty always appear. */
export function normalizeNodeStatus(node: KubeObject): void {
  const status = (node.status = isObject(node.status) ? node.status : {});
  const de = isObject(status.daemonEndpoints) ? status.daemonEndpoints : {};
  const ke = isObject(de.kubeletEndpoint) ? de.kubeletEndpoint : {};
  status.daemonEndpoints = { ...de, kubeletEndpoint: { ...ke, Port: typeof ke.Port === 'number' ? ke.Port : 0 } };
  const info = isObject(status.nodeInfo) ? status.nodeInfo : {};
  const normalized: Record<string, unknown> = {};
  for (const k of NODE_INFO_FIELDS) normalized[k] = typeof info[k] === 'string' ? info[k] : '';
  for (const [k, v] of Object.entries(info)) if (!(k in normalized)) normalized[k] = v;
  status.nodeInfo = normalized;
  // SetDefaults_NodeStatus: allocatable defaults to capacity.
  if (isObject(status.capacity) && status.allocatable === undefined) status.allocatable = { ...status.capacity };
  if (Array.isArray(status.conditions)) {
    for (const c of status.conditions) {
      if (!isObject(c)) continue;
      for (const t of ['lastHeartbeatTime', 'lastTransitionTime']) {
        // metav1.Time in a struct without omitempty-able pointer: null when unset.
        c[t] = normalizeTime(c[t], 'Node', 'v1', `NodeCondition.status.conditions.${t}`);
      }
    }
  }
  for (const k of ['conditions', 'addresses', 'images', 'volumesInUse', 'volumesAttached']) {
    if (Array.isArray(status[k]) && status[k].length === 0) delete status[k];
  }
  if (status.phase === '') delete status.phase;
}

function checkStatusTypes(node: KubeObject): void {
  if (node.status !== undefined && node.status !== null && !isObject(node.status)) {
    throw decodeError('Node', 'v1', `json: cannot unmarshal ${Array.isArray(node.status) ? 'array' : typeof node.status} into Go struct field Node.status of type v1.NodeStatus`);
  }
}

function validateTaints(taints: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!Array.isArray(taints)) return causes;
  const seen = new Map<string, Set<string>>();
  taints.forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    const taint = isObject(t) ? t : {};
    const key = String(taint.key ?? '');
    causes.push(...invalidEach(`${p}.key`, key, isQualifiedName(key)));
    const value = String(taint.value ?? '');
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length) causes.push(field.invalid(`${p}.value`, value, valueErrs.join(';')));
    const effect = String(taint.effect ?? '');
    if (!effect) causes.push(field.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) causes.push(field.notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(key)) {
      const rendered = `core.Taint{Key:${JSON.stringify(key)}, Value:${JSON.stringify(value)}, Effect:${JSON.stringify(effect)}, TimeAdded:<nil>}`;
      causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${rendered}: taints must be unique by key and effect pair`, field: p });
      return;
    }
    keys.add(key);
    seen.set(effect, keys);
  });
  return causes;
}

function validateNode(node: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(node.metadata ?? {}, { namespaced: false, nameValidator: 'DNS1123Subdomain' });
  causes.push(...validateTaints(node.spec?.taints));
  const cidrs: unknown[] = Array.isArray(node.spec?.podCIDRs) ? node.spec.podCIDRs : [];
  cidrs.forEach((c, i) => {
    if (typeof c !== 'string' || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c)) {
      causes.push(field.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    }
  });
  if (cidrs.length > 2) causes.push(field.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  return causes;
}

/** ValidateNodeUpdate: also used for /status writes. */
function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldCause[] {
  const causes = validateNode(node);
  const oldCidrs: unknown[] = Array.isArray(old.spec?.podCIDRs) ? old.spec.podCIDRs : [];
  const newCidrs: unknown[] = Array.isArray(node.spec?.podCIDRs) ? node.spec.podCIDRs : [];
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCidrs.length > 0) {
    if (oldCidrs.length !== newCidrs.length) causes.push(field.forbidden('spec.podCIDRs', cidrMsg));
    else oldCidrs.forEach((c, i) => c !== newCidrs[i] && causes.push(field.forbidden('spec.podCIDRs', cidrMsg)));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    causes.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  const seen = new Set<string>();
  (Array.isArray(node.status?.addresses) ? node.status.addresses : []).forEach((a: any, i: number) => {
    const k = `${a?.type}\u0000${a?.address}`;
    if (seen.has(k)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        message: `Duplicate value: core.NodeAddress{Type:${JSON.stringify(String(a?.type ?? ''))}, Address:${JSON.stringify(String(a?.address ?? ''))}}`,
        field: `status.addresses[${i}]`,
      });
    }
    seen.add(k);
  });
  return causes;
}

function nodeStatusCell(node: KubeObject): string {
  const conditions: any[] = Array.isArray(node.status?.conditions) ? node.status.conditions : [];
  const status: string[] = [];
  const ready = conditions.find((c) => c?.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries((node.metadata?.labels ?? {}) as Record<string, string>)) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  const list = [...roles].sort();
  return list.length ? list.join(',') : '<none>';
}

function nodeAddress(node: KubeObject, type: string): string {
  const a = (Array.isArray(node.status?.addresses) ? node.status.addresses : []).find((x: any) => x?.type === type);
  return a?.address ?? '<none>';
}

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/concepts/nodes/node/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export function nodesResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'nodes',
    kind: 'Node',
    listKind: 'NodeList',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    // As discovered; proxy has no semantics here.
    subresources: ['proxy', 'status'],
    deleteReturnsObject: false,
    fieldSelectorErrorStyle: 'not-supported',
    fieldSelectors: { 'spec.unschedulable': (o) => String(!!o.spec?.unschedulable) },
    strategicSchema: builtinStrategicSchemas['/Node'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'XwShjMxG9Fs=',
    table: {
      columns: [
        nameColumn(),
        column('Status', 'The status of the node'),
        column('Roles', 'The roles of the node'),
        ageColumn(),
        column('Version', 'Kubelet Version reported by the node.'),
        column('Internal-IP', ADDRESSES_DESCRIPTION, 1),
        column('External-IP', ADDRESSES_DESCRIPTION, 1),
        column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
        column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
      ],
      cells(node, now) {
        const info = node.status?.nodeInfo ?? {};
        return [
          node.metadata?.name ?? '',
          nodeStatusCell(node),
          nodeRoles(node),
          age(node, now),
          info.kubeletVersion ?? '',
          nodeAddress(node, 'InternalIP'),
          nodeAddress(node, 'ExternalIP'),
          info.osImage || '<unknown>',
          info.kernelVersion || '<unknown>',
          info.containerRuntimeVersion || '<unknown>',
        ];
      },
    },
    hooks: {
      prepareCreate(_ctx, node) {
        checkStatusTypes(node);
        normalizeSpec(node);
        // TaintNodesByCondition admission (create only).
        const taints: any[] = Array.isArray(node.spec!.taints) ? node.spec!.taints : [];
        if (!taints.some((t) => t?.key === NOT_READY_TAINT.key && t?.effect === NOT_READY_TAINT.effect)) taints.push({ ...NOT_READY_TAINT });
        node.spec!.taints = taints;
        normalizeNodeStatus(node);
      },
      validateCreate: (_ctx, node) => validateNode(node),
      prepareUpdate(_ctx, node, old) {
        normalizeSpec(node);
        node.status = structuredClone(old.status ?? {});
        normalizeNodeStatus(node);
      },
      validateUpdate: (_ctx, node, old) => validateNodeUpdate(node, old),
      prepareStatusUpdate(_ctx, node) {
        checkStatusTypes(node);
        normalizeNodeStatus(node);
      },
      validateStatusUpdate: (_ctx, node, old) => validateNodeUpdate(node, old),
    },
  };
}
