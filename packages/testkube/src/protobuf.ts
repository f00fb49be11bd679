// Decoder for Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`).
//
// kubectl's typed `create` subcommands (namespace, deployment, service, configmap, secret,
// serviceaccount, job, cronjob, `create job --from`) send their object in protobuf and never fall
// back to JSON, so the server has to understand it. The body is the 4-byte magic `k8s\0` followed by
// a runtime.Unknown message whose `raw` field holds the object itself.
//
// The object is turned into exactly the JSON that kube's Go structs would marshal to: fields in Go
// struct order, `omitempty` honoured, non-pointer structs always present (`spec: {}`,
// `resources: {}`, `creationTimestamp: null`). That matters because gogo-protobuf always encodes
// non-pointer scalars (an unset name travels as ""), so "present on the wire" says nothing; only
// the Go JSON rules do. Field numbers come from the k8s.io/api and apimachinery `generated.proto`
// files. Fields this table does not know are skipped, like any proto decoder does.
import { ApiError } from './errors.js';
import type { KubeObject } from './resources/types.js';

export const KUBE_PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** True when a Content-Type header names the Kubernetes protobuf media type (parameters ignored). */
export function isKubeProtobufContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === KUBE_PROTOBUF_MEDIA_TYPE;
}

// ---------------------------------------------------------------------------------------------
// Wire format

/** A malformed protobuf payload; messages follow gogo-protobuf's generated Unmarshal errors. */
class WireError extends Error {}

const WT_VARINT = 0;
const WT_FIXED64 = 1;
const WT_BYTES = 2;
const WT_START_GROUP = 3;
const WT_END_GROUP = 4;
const WT_FIXED32 = 5;

class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; ; i++) {
      if (i >= 10) throw new WireError('proto: integer overflow');
      if (this.pos >= this.end) throw new WireError('unexpected EOF');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  }

  fixed(n: 4 | 8): Buffer {
    if (this.pos + n > this.end) throw new WireError('unexpected EOF');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Buffer {
    const len = this.varint();
    // Go converts the length to a 64-bit int: the top bit makes it negative, anything else too
    // long runs past the end of the buffer.
    if (len >= 1n << 63n) throw new WireError('proto: negative length found during unmarshaling');
    if (len > BigInt(this.end - this.pos)) throw new WireError('unexpected EOF');
    const n = Number(len);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads a field key; returns [fieldNumber, wireType]. */
  tag(messageName: string): [number, number] {
    const key = this.varint();
    const wireType = Number(key & 7n);
    const fieldNo = Number(key >> 3n);
    if (wireType === WT_END_GROUP) throw new WireError(`proto: ${messageName}: wiretype end group for non-group`);
    if (fieldNo <= 0) throw new WireError(`proto: ${messageName}: illegal tag ${fieldNo} (wire type ${wireType})`);
    return [fieldNo, wireType];
  }

  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case WT_VARINT:
        this.varint();
        return;
      case WT_FIXED64:
        this.fixed(8);
        return;
      case WT_BYTES:
        this.bytes();
        return;
      case WT_FIXED32:
        this.fixed(4);
        return;
      case WT_START_GROUP:
        for (;;) {
          const key = this.varint();
          const wt = Number(key & 7n);
          if (wt === WT_END_GROUP) return;
          if (depth > 64) throw new WireError('proto: illegal wireType 3');
          this.skip(wt, depth + 1);
        }
      default:
        throw new WireError(`proto: illegal wireType ${wireType}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Message tables

/**
 * How a field shows up in Go's JSON:
 * - `o`: `omitempty` on a value field: zero/empty is left out; a non-pointer struct is always there.
 * - `n`: no `omitempty`: always there (zero value, `null` for an empty slice or map).
 * - `p`: pointer with `omitempty`: there exactly when it was on the wire, even if zero.
 * - `pn`: pointer without `omitempty`: `null` when absent.
 * - `i`: an embedded struct (`json:",inline"`): its fields are merged into the parent.
 */
type Mode = 'o' | 'n' | 'p' | 'pn' | 'i';

/**
 * Scalars, plus apimachinery types that are messages on the wire but single JSON values:
 * Time (`seconds`,`nanos` → RFC 3339), Quantity (string), IntOrString, FieldsV1 (raw JSON).
 */
type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'time' | 'quantity' | 'intstr' | 'fieldsv1';

interface MessageDef {
  name: string;
  fields: FieldDef[];
  byNo: Map<number, FieldDef>;
}

type ElemType = Scalar | MessageDef;
type FieldType = ElemType | { list: ElemType } | { map: ElemType };

interface FieldDef {
  no: number;
  json: string;
  type: FieldType;
  mode: Mode;
}

function msg(name: string, fields: Array<[number, string, FieldType, Mode]>): MessageDef {
  const defs = fields.map(([no, json, type, mode]) => ({ no, json, type, mode }));
  return { name, fields: defs, byNo: new Map(defs.map((d) => [d.no, d])) };
}
const list = (t: ElemType): FieldType => ({ list: t });
const map = (t: ElemType): FieldType => ({ map: t });

const S = 'string';
const BYTES = 'bytes';
const I32 = 'int32';
const I64 = 'int64';
const B = 'bool';
const T = 'time';
const Q = 'quantity';
const IOS = 'intstr';

// meta/v1 -------------------------------------------------------------------------------------

const OwnerReference = msg('OwnerReference', [
  [5, 'apiVersion', S, 'n'],
  [1, 'kind', S, 'n'],
  [3, 'name', S, 'n'],
  [4, 'uid', S, 'n'],
  [6, 'controller', B, 'p'],
  [7, 'blockOwnerDeletion', B, 'p'],
]);
const ManagedFieldsEntry = msg('ManagedFieldsEntry', [
  [1, 'manager', S, 'o'],
  [2, 'operation', S, 'o'],
  [3, 'apiVersion', S, 'o'],
  [4, 'time', T, 'p'],
  [6, 'fieldsType', S, 'o'],
  [7, 'fieldsV1', 'fieldsv1', 'p'],
  [8, 'subresource', S, 'o'],
]);
const ObjectMeta = msg('ObjectMeta', [
  [1, 'name', S, 'o'],
  [2, 'generateName', S, 'o'],
  [3, 'namespace', S, 'o'],
  [4, 'selfLink', S, 'o'],
  [5, 'uid', S, 'o'],
  [6, 'resourceVersion', S, 'o'],
  [7, 'generation', I64, 'o'],
  [8, 'creationTimestamp', T, 'n'],
  [9, 'deletionTimestamp', T, 'p'],
  [10, 'deletionGracePeriodSeconds', I64, 'p'],
  [11, 'labels', map(S), 'o'],
  [12, 'annotations', map(S), 'o'],
  [13, 'ownerReferences', list(OwnerReference), 'o'],
  [14, 'finalizers', list(S), 'o'],
  [17, 'managedFields', list(ManagedFieldsEntry), 'o'],
]);
const LabelSelectorRequirement = msg('LabelSelectorRequirement', [
  [1, 'key', S, 'n'],
  [2, 'operator', S, 'n'],
  [3, 'values', list(S), 'o'],
]);
const LabelSelector = msg('LabelSelector', [
  [1, 'matchLabels', map(S), 'o'],
  [2, 'matchExpressions', list(LabelSelectorRequirement), 'o'],
]);
const Condition = msg('Condition', [
  [1, 'type', S, 'n'],
  [2, 'status', S, 'n'],
  [3, 'observedGeneration', I64, 'o'],
  [4, 'lastTransitionTime', T, 'n'],
  [5, 'reason', S, 'n'],
  [6, 'message', S, 'n'],
]);

// core/v1: references and selectors -------------------------------------------------------------

const LocalObjectReference = msg('LocalObjectReference', [[1, 'name', S, 'o']]);
const ObjectReference = msg('ObjectReference', [
  [1, 'kind', S, 'o'],
  [2, 'namespace', S, 'o'],
  [3, 'name', S, 'o'],
  [4, 'uid', S, 'o'],
  [5, 'apiVersion', S, 'o'],
  [6, 'resourceVersion', S, 'o'],
  [7, 'fieldPath', S, 'o'],
]);
const KeyToPath = msg('KeyToPath', [
  [1, 'key', S, 'n'],
  [2, 'path', S, 'n'],
  [3, 'mode', I32, 'p'],
]);
const ObjectFieldSelector = msg('ObjectFieldSelector', [
  [1, 'apiVersion', S, 'o'],
  [2, 'fieldPath', S, 'n'],
]);
const ResourceFieldSelector = msg('ResourceFieldSelector', [
  [1, 'containerName', S, 'o'],
  [2, 'resource', S, 'n'],
  [3, 'divisor', Q, 'o'],
]);
const ConfigMapKeySelector = msg('ConfigMapKeySelector', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'key', S, 'n'],
  [3, 'optional', B, 'p'],
]);
const SecretKeySelector = msg('SecretKeySelector', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'key', S, 'n'],
  [3, 'optional', B, 'p'],
]);

// core/v1: containers ----------------------------------------------------------------------------

const EnvVarSource = msg('EnvVarSource', [
  [1, 'fieldRef', ObjectFieldSelector, 'p'],
  [2, 'resourceFieldRef', ResourceFieldSelector, 'p'],
  [3, 'configMapKeyRef', ConfigMapKeySelector, 'p'],
  [4, 'secretKeyRef', SecretKeySelector, 'p'],
]);
const EnvVar = msg('EnvVar', [
  [1, 'name', S, 'n'],
  [2, 'value', S, 'o'],
  [3, 'valueFrom', EnvVarSource, 'p'],
]);
const ConfigMapEnvSource = msg('ConfigMapEnvSource', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'optional', B, 'p'],
]);
const SecretEnvSource = msg('SecretEnvSource', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'optional', B, 'p'],
]);
const EnvFromSource = msg('EnvFromSource', [
  [1, 'prefix', S, 'o'],
  [2, 'configMapRef', ConfigMapEnvSource, 'p'],
  [3, 'secretRef', SecretEnvSource, 'p'],
]);
const ContainerPort = msg('ContainerPort', [
  [1, 'name', S, 'o'],
  [2, 'hostPort', I32, 'o'],
  [3, 'containerPort', I32, 'n'],
  [4, 'protocol', S, 'o'],
  [5, 'hostIP', S, 'o'],
]);
const ResourceClaim = msg('ResourceClaim', [
  [1, 'name', S, 'n'],
  [2, 'request', S, 'o'],
]);
const ResourceRequirements = msg('ResourceRequirements', [
  [1, 'limits', map(Q), 'o'],
  [2, 'requests', map(Q), 'o'],
  [3, 'claims', list(ResourceClaim), 'o'],
]);
const ContainerResizePolicy = msg('ContainerResizePolicy', [
  [1, 'resourceName', S, 'n'],
  [2, 'restartPolicy', S, 'n'],
]);
const VolumeMount = msg('VolumeMount', [
  [1, 'name', S, 'n'],
  [2, 'readOnly', B, 'o'],
  [7, 'recursiveReadOnly', S, 'p'],
  [3, 'mountPath', S, 'n'],
  [4, 'subPath', S, 'o'],
  [5, 'mountPropagation', S, 'p'],
  [6, 'subPathExpr', S, 'o'],
]);
const VolumeDevice = msg('VolumeDevice', [
  [1, 'name', S, 'n'],
  [2, 'devicePath', S, 'n'],
]);
const ExecAction = msg('ExecAction', [[1, 'command', list(S), 'o']]);
const HTTPHeader = msg('HTTPHeader', [
  [1, 'name', S, 'n'],
  [2, 'value', S, 'n'],
]);
const HTTPGetAction = msg('HTTPGetAction', [
  [1, 'path', S, 'o'],
  [2, 'port', IOS, 'n'],
  [3, 'host', S, 'o'],
  [4, 'scheme', S, 'o'],
  [5, 'httpHeaders', list(HTTPHeader), 'o'],
]);
const TCPSocketAction = msg('TCPSocketAction', [
  [1, 'port', IOS, 'n'],
  [2, 'host', S, 'o'],
]);
const GRPCAction = msg('GRPCAction', [
  [1, 'port', I32, 'n'],
  [2, 'service', S, 'pn'],
]);
const SleepAction = msg('SleepAction', [[1, 'seconds', I64, 'n']]);
const ProbeHandler = msg('ProbeHandler', [
  [1, 'exec', ExecAction, 'p'],
  [2, 'httpGet', HTTPGetAction, 'p'],
  [3, 'tcpSocket', TCPSocketAction, 'p'],
  [4, 'grpc', GRPCAction, 'p'],
]);
const LifecycleHandler = msg('LifecycleHandler', [
  [1, 'exec', ExecAction, 'p'],
  [2, 'httpGet', HTTPGetAction, 'p'],
  [3, 'tcpSocket', TCPSocketAction, 'p'],
  [4, 'sleep', SleepAction, 'p'],
]);
const Probe = msg('Probe', [
  [1, '', ProbeHandler, 'i'],
  [2, 'initialDelaySeconds', I32, 'o'],
  [3, 'timeoutSeconds', I32, 'o'],
  [4, 'periodSeconds', I32, 'o'],
  [5, 'successThreshold', I32, 'o'],
  [6, 'failureThreshold', I32, 'o'],
  [7, 'terminationGracePeriodSeconds', I64, 'p'],
]);
const Lifecycle = msg('Lifecycle', [
  [1, 'postStart', LifecycleHandler, 'p'],
  [2, 'preStop', LifecycleHandler, 'p'],
]);
const Capabilities = msg('Capabilities', [
  [1, 'add', list(S), 'o'],
  [2, 'drop', list(S), 'o'],
]);
const SELinuxOptions = msg('SELinuxOptions', [
  [1, 'user', S, 'o'],
  [2, 'role', S, 'o'],
  [3, 'type', S, 'o'],
  [4, 'level', S, 'o'],
]);
const WindowsSecurityContextOptions = msg('WindowsSecurityContextOptions', [
  [1, 'gmsaCredentialSpecName', S, 'p'],
  [2, 'gmsaCredentialSpec', S, 'p'],
  [3, 'runAsUserName', S, 'p'],
  [4, 'hostProcess', B, 'p'],
]);
const SeccompProfile = msg('SeccompProfile', [
  [1, 'type', S, 'n'],
  [2, 'localhostProfile', S, 'p'],
]);
const AppArmorProfile = msg('AppArmorProfile', [
  [1, 'type', S, 'n'],
  [2, 'localhostProfile', S, 'p'],
]);
const SecurityContext = msg('SecurityContext', [
  [1, 'capabilities', Capabilities, 'p'],
  [2, 'privileged', B, 'p'],
  [3, 'seLinuxOptions', SELinuxOptions, 'p'],
  [10, 'windowsOptions', WindowsSecurityContextOptions, 'p'],
  [4, 'runAsUser', I64, 'p'],
  [8, 'runAsGroup', I64, 'p'],
  [5, 'runAsNonRoot', B, 'p'],
  [6, 'readOnlyRootFilesystem', B, 'p'],
  [7, 'allowPrivilegeEscalation', B, 'p'],
  [9, 'procMount', S, 'p'],
  [11, 'seccompProfile', SeccompProfile, 'p'],
  [12, 'appArmorProfile', AppArmorProfile, 'p'],
]);
const Container = msg('Container', [
  [1, 'name', S, 'n'],
  [2, 'image', S, 'o'],
  [3, 'command', list(S), 'o'],
  [4, 'args', list(S), 'o'],
  [5, 'workingDir', S, 'o'],
  [6, 'ports', list(ContainerPort), 'o'],
  [19, 'envFrom', list(EnvFromSource), 'o'],
  [7, 'env', list(EnvVar), 'o'],
  [8, 'resources', ResourceRequirements, 'o'],
  [23, 'resizePolicy', list(ContainerResizePolicy), 'o'],
  [24, 'restartPolicy', S, 'p'],
  [9, 'volumeMounts', list(VolumeMount), 'o'],
  [21, 'volumeDevices', list(VolumeDevice), 'o'],
  [10, 'livenessProbe', Probe, 'p'],
  [11, 'readinessProbe', Probe, 'p'],
  [22, 'startupProbe', Probe, 'p'],
  [12, 'lifecycle', Lifecycle, 'p'],
  [13, 'terminationMessagePath', S, 'o'],
  [20, 'terminationMessagePolicy', S, 'o'],
  [14, 'imagePullPolicy', S, 'o'],
  [15, 'securityContext', SecurityContext, 'p'],
  [16, 'stdin', B, 'o'],
  [17, 'stdinOnce', B, 'o'],
  [18, 'tty', B, 'o'],
]);

// core/v1: volumes --------------------------------------------------------------------------------

const HostPathVolumeSource = msg('HostPathVolumeSource', [
  [1, 'path', S, 'n'],
  [2, 'type', S, 'p'],
]);
const EmptyDirVolumeSource = msg('EmptyDirVolumeSource', [
  [1, 'medium', S, 'o'],
  [2, 'sizeLimit', Q, 'p'],
]);
const SecretVolumeSource = msg('SecretVolumeSource', [
  [1, 'secretName', S, 'o'],
  [2, 'items', list(KeyToPath), 'o'],
  [3, 'defaultMode', I32, 'p'],
  [4, 'optional', B, 'p'],
]);
const NFSVolumeSource = msg('NFSVolumeSource', [
  [1, 'server', S, 'n'],
  [2, 'path', S, 'n'],
  [3, 'readOnly', B, 'o'],
]);
const PersistentVolumeClaimVolumeSource = msg('PersistentVolumeClaimVolumeSource', [
  [1, 'claimName', S, 'n'],
  [2, 'readOnly', B, 'o'],
]);
const DownwardAPIVolumeFile = msg('DownwardAPIVolumeFile', [
  [1, 'path', S, 'n'],
  [2, 'fieldRef', ObjectFieldSelector, 'p'],
  [3, 'resourceFieldRef', ResourceFieldSelector, 'p'],
  [4, 'mode', I32, 'p'],
]);
const DownwardAPIVolumeSource = msg('DownwardAPIVolumeSource', [
  [1, 'items', list(DownwardAPIVolumeFile), 'o'],
  [2, 'defaultMode', I32, 'p'],
]);
const ConfigMapVolumeSource = msg('ConfigMapVolumeSource', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'items', list(KeyToPath), 'o'],
  [3, 'defaultMode', I32, 'p'],
  [4, 'optional', B, 'p'],
]);
const SecretProjection = msg('SecretProjection', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'items', list(KeyToPath), 'o'],
  [4, 'optional', B, 'p'],
]);
const ConfigMapProjection = msg('ConfigMapProjection', [
  [1, '', LocalObjectReference, 'i'],
  [2, 'items', list(KeyToPath), 'o'],
  [4, 'optional', B, 'p'],
]);
const DownwardAPIProjection = msg('DownwardAPIProjection', [[1, 'items', list(DownwardAPIVolumeFile), 'o']]);
const ServiceAccountTokenProjection = msg('ServiceAccountTokenProjection', [
  [1, 'audience', S, 'o'],
  [2, 'expirationSeconds', I64, 'p'],
  [3, 'path', S, 'n'],
]);
const VolumeProjection = msg('VolumeProjection', [
  [1, 'secret', SecretProjection, 'p'],
  [2, 'downwardAPI', DownwardAPIProjection, 'p'],
  [3, 'configMap', ConfigMapProjection, 'p'],
  [4, 'serviceAccountToken', ServiceAccountTokenProjection, 'p'],
]);
const ProjectedVolumeSource = msg('ProjectedVolumeSource', [
  [1, 'sources', list(VolumeProjection), 'n'],
  [2, 'defaultMode', I32, 'p'],
]);
const CSIVolumeSource = msg('CSIVolumeSource', [
  [1, 'driver', S, 'n'],
  [2, 'readOnly', B, 'p'],
  [3, 'fsType', S, 'p'],
  [4, 'volumeAttributes', map(S), 'o'],
  [5, 'nodePublishSecretRef', LocalObjectReference, 'p'],
]);
// Only the volume sources a test workload plausibly uses; cloud-disk sources are skipped.
const VolumeSource = msg('VolumeSource', [
  [1, 'hostPath', HostPathVolumeSource, 'p'],
  [2, 'emptyDir', EmptyDirVolumeSource, 'p'],
  [6, 'secret', SecretVolumeSource, 'p'],
  [7, 'nfs', NFSVolumeSource, 'p'],
  [10, 'persistentVolumeClaim', PersistentVolumeClaimVolumeSource, 'p'],
  [16, 'downwardAPI', DownwardAPIVolumeSource, 'p'],
  [19, 'configMap', ConfigMapVolumeSource, 'p'],
  [26, 'projected', ProjectedVolumeSource, 'p'],
  [28, 'csi', CSIVolumeSource, 'p'],
]);
const Volume = msg('Volume', [
  [1, 'name', S, 'n'],
  [2, '', VolumeSource, 'i'],
]);

// core/v1: scheduling -------------------------------------------------------------------------------

const NodeSelectorRequirement = msg('NodeSelectorRequirement', [
  [1, 'key', S, 'n'],
  [2, 'operator', S, 'n'],
  [3, 'values', list(S), 'o'],
]);
const NodeSelectorTerm = msg('NodeSelectorTerm', [
  [1, 'matchExpressions', list(NodeSelectorRequirement), 'o'],
  [2, 'matchFields', list(NodeSelectorRequirement), 'o'],
]);
const NodeSelector = msg('NodeSelector', [[1, 'nodeSelectorTerms', list(NodeSelectorTerm), 'n']]);
const PreferredSchedulingTerm = msg('PreferredSchedulingTerm', [
  [1, 'weight', I32, 'n'],
  [2, 'preference', NodeSelectorTerm, 'n'],
]);
const NodeAffinity = msg('NodeAffinity', [
  [1, 'requiredDuringSchedulingIgnoredDuringExecution', NodeSelector, 'p'],
  [2, 'preferredDuringSchedulingIgnoredDuringExecution', list(PreferredSchedulingTerm), 'o'],
]);
const PodAffinityTerm = msg('PodAffinityTerm', [
  [1, 'labelSelector', LabelSelector, 'p'],
  [2, 'namespaces', list(S), 'o'],
  [3, 'topologyKey', S, 'n'],
  [4, 'namespaceSelector', LabelSelector, 'p'],
  [5, 'matchLabelKeys', list(S), 'o'],
  [6, 'mismatchLabelKeys', list(S), 'o'],
]);
const WeightedPodAffinityTerm = msg('WeightedPodAffinityTerm', [
  [1, 'weight', I32, 'n'],
  [2, 'podAffinityTerm', PodAffinityTerm, 'n'],
]);
const PodAffinity = msg('PodAffinity', [
  [1, 'requiredDuringSchedulingIgnoredDuringExecution', list(PodAffinityTerm), 'o'],
  [2, 'preferredDuringSchedulingIgnoredDuringExecution', list(WeightedPodAffinityTerm), 'o'],
]);
const PodAntiAffinity = msg('PodAntiAffinity', [
  [1, 'requiredDuringSchedulingIgnoredDuringExecution', list(PodAffinityTerm), 'o'],
  [2, 'preferredDuringSchedulingIgnoredDuringExecution', list(WeightedPodAffinityTerm), 'o'],
]);
const Affinity = msg('Affinity', [
  [1, 'nodeAffinity', NodeAffinity, 'p'],
  [2, 'podAffinity', PodAffinity, 'p'],
  [3, 'podAntiAffinity', PodAntiAffinity, 'p'],
]);
const Toleration = msg('Toleration', [
  [1, 'key', S, 'o'],
  [2, 'operator', S, 'o'],
  [3, 'value', S, 'o'],
  [4, 'effect', S, 'o'],
  [5, 'tolerationSeconds', I64, 'p'],
]);
const TopologySpreadConstraint = msg('TopologySpreadConstraint', [
  [1, 'maxSkew', I32, 'n'],
  [2, 'topologyKey', S, 'n'],
  [3, 'whenUnsatisfiable', S, 'n'],
  [4, 'labelSelector', LabelSelector, 'p'],
  [5, 'minDomains', I32, 'p'],
  [6, 'nodeAffinityPolicy', S, 'p'],
  [7, 'nodeTaintsPolicy', S, 'p'],
  [8, 'matchLabelKeys', list(S), 'o'],
]);
const HostAlias = msg('HostAlias', [
  [1, 'ip', S, 'n'],
  [2, 'hostnames', list(S), 'o'],
]);
const PodDNSConfigOption = msg('PodDNSConfigOption', [
  [1, 'name', S, 'o'],
  [2, 'value', S, 'p'],
]);
const PodDNSConfig = msg('PodDNSConfig', [
  [1, 'nameservers', list(S), 'o'],
  [2, 'searches', list(S), 'o'],
  [3, 'options', list(PodDNSConfigOption), 'o'],
]);
const PodReadinessGate = msg('PodReadinessGate', [[1, 'conditionType', S, 'n']]);
const Sysctl = msg('Sysctl', [
  [1, 'name', S, 'n'],
  [2, 'value', S, 'n'],
]);
const PodSecurityContext = msg('PodSecurityContext', [
  [1, 'seLinuxOptions', SELinuxOptions, 'p'],
  [8, 'windowsOptions', WindowsSecurityContextOptions, 'p'],
  [2, 'runAsUser', I64, 'p'],
  [6, 'runAsGroup', I64, 'p'],
  [3, 'runAsNonRoot', B, 'p'],
  [4, 'supplementalGroups', list(I64), 'o'],
  [5, 'fsGroup', I64, 'p'],
  [7, 'sysctls', list(Sysctl), 'o'],
  [9, 'fsGroupChangePolicy', S, 'p'],
  [10, 'seccompProfile', SeccompProfile, 'p'],
  [11, 'appArmorProfile', AppArmorProfile, 'p'],
]);
const PodOS = msg('PodOS', [[1, 'name', S, 'n']]);
const PodSchedulingGate = msg('PodSchedulingGate', [[1, 'name', S, 'n']]);
const PodSpec = msg('PodSpec', [
  [1, 'volumes', list(Volume), 'o'],
  [20, 'initContainers', list(Container), 'o'],
  [2, 'containers', list(Container), 'n'],
  [3, 'restartPolicy', S, 'o'],
  [4, 'terminationGracePeriodSeconds', I64, 'p'],
  [5, 'activeDeadlineSeconds', I64, 'p'],
  [6, 'dnsPolicy', S, 'o'],
  [7, 'nodeSelector', map(S), 'o'],
  [8, 'serviceAccountName', S, 'o'],
  [9, 'serviceAccount', S, 'o'],
  [21, 'automountServiceAccountToken', B, 'p'],
  [10, 'nodeName', S, 'o'],
  [11, 'hostNetwork', B, 'o'],
  [12, 'hostPID', B, 'o'],
  [13, 'hostIPC', B, 'o'],
  [27, 'shareProcessNamespace', B, 'p'],
  [14, 'securityContext', PodSecurityContext, 'p'],
  [15, 'imagePullSecrets', list(LocalObjectReference), 'o'],
  [16, 'hostname', S, 'o'],
  [17, 'subdomain', S, 'o'],
  [18, 'affinity', Affinity, 'p'],
  [19, 'schedulerName', S, 'o'],
  [22, 'tolerations', list(Toleration), 'o'],
  [23, 'hostAliases', list(HostAlias), 'o'],
  [24, 'priorityClassName', S, 'o'],
  [25, 'priority', I32, 'p'],
  [26, 'dnsConfig', PodDNSConfig, 'p'],
  [28, 'readinessGates', list(PodReadinessGate), 'o'],
  [29, 'runtimeClassName', S, 'p'],
  [30, 'enableServiceLinks', B, 'p'],
  [31, 'preemptionPolicy', S, 'p'],
  [32, 'overhead', map(Q), 'o'],
  [33, 'topologySpreadConstraints', list(TopologySpreadConstraint), 'o'],
  [35, 'setHostnameAsFQDN', B, 'p'],
  [36, 'os', PodOS, 'p'],
  [37, 'hostUsers', B, 'p'],
  [38, 'schedulingGates', list(PodSchedulingGate), 'o'],
]);
const PodTemplateSpec = msg('PodTemplateSpec', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', PodSpec, 'o'],
]);
// Status written by kubelets is never part of a create; it decodes to the `{}` Go would print.
const PodStatus = msg('PodStatus', []);
const Pod = msg('Pod', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', PodSpec, 'o'],
  [3, 'status', PodStatus, 'o'],
]);

// core/v1: the kinds kubectl creates ---------------------------------------------------------------

const NamespaceCondition = msg('NamespaceCondition', [
  [1, 'type', S, 'n'],
  [2, 'status', S, 'n'],
  [4, 'lastTransitionTime', T, 'o'],
  [5, 'reason', S, 'o'],
  [6, 'message', S, 'o'],
]);
const Namespace = msg('Namespace', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', msg('NamespaceSpec', [[1, 'finalizers', list(S), 'o']]), 'o'],
  [
    3,
    'status',
    msg('NamespaceStatus', [
      [1, 'phase', S, 'o'],
      [2, 'conditions', list(NamespaceCondition), 'o'],
    ]),
    'o',
  ],
]);

const ServicePort = msg('ServicePort', [
  [1, 'name', S, 'o'],
  [2, 'protocol', S, 'o'],
  [6, 'appProtocol', S, 'p'],
  [3, 'port', I32, 'n'],
  [4, 'targetPort', IOS, 'o'],
  [5, 'nodePort', I32, 'o'],
]);
const SessionAffinityConfig = msg('SessionAffinityConfig', [
  [1, 'clientIP', msg('ClientIPConfig', [[1, 'timeoutSeconds', I32, 'p']]), 'p'],
]);
const ServiceSpec = msg('ServiceSpec', [
  [1, 'ports', list(ServicePort), 'o'],
  [2, 'selector', map(S), 'o'],
  [3, 'clusterIP', S, 'o'],
  [18, 'clusterIPs', list(S), 'o'],
  [4, 'type', S, 'o'],
  [5, 'externalIPs', list(S), 'o'],
  [7, 'sessionAffinity', S, 'o'],
  [8, 'loadBalancerIP', S, 'o'],
  [9, 'loadBalancerSourceRanges', list(S), 'o'],
  [10, 'externalName', S, 'o'],
  [11, 'externalTrafficPolicy', S, 'o'],
  [12, 'healthCheckNodePort', I32, 'o'],
  [13, 'publishNotReadyAddresses', B, 'o'],
  [14, 'sessionAffinityConfig', SessionAffinityConfig, 'p'],
  [19, 'ipFamilies', list(S), 'o'],
  [17, 'ipFamilyPolicy', S, 'p'],
  [20, 'allocateLoadBalancerNodePorts', B, 'p'],
  [21, 'loadBalancerClass', S, 'p'],
  [22, 'internalTrafficPolicy', S, 'p'],
  [23, 'trafficDistribution', S, 'p'],
]);
const PortStatus = msg('PortStatus', [
  [1, 'port', I32, 'n'],
  [2, 'protocol', S, 'n'],
  [3, 'error', S, 'p'],
]);
const LoadBalancerIngress = msg('LoadBalancerIngress', [
  [1, 'ip', S, 'o'],
  [2, 'hostname', S, 'o'],
  [3, 'ipMode', S, 'p'],
  [4, 'ports', list(PortStatus), 'o'],
]);
const ServiceStatus = msg('ServiceStatus', [
  [1, 'loadBalancer', msg('LoadBalancerStatus', [[1, 'ingress', list(LoadBalancerIngress), 'o']]), 'o'],
  [2, 'conditions', list(Condition), 'o'],
]);
const Service = msg('Service', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', ServiceSpec, 'o'],
  [3, 'status', ServiceStatus, 'o'],
]);

const ConfigMap = msg('ConfigMap', [
  [1, 'metadata', ObjectMeta, 'o'],
  [4, 'immutable', B, 'p'],
  [2, 'data', map(S), 'o'],
  [3, 'binaryData', map(BYTES), 'o'],
]);
const Secret = msg('Secret', [
  [1, 'metadata', ObjectMeta, 'o'],
  [5, 'immutable', B, 'p'],
  [2, 'data', map(BYTES), 'o'],
  [4, 'stringData', map(S), 'o'],
  [3, 'type', S, 'o'],
]);
const ServiceAccount = msg('ServiceAccount', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'secrets', list(ObjectReference), 'o'],
  [3, 'imagePullSecrets', list(LocalObjectReference), 'o'],
  [4, 'automountServiceAccountToken', B, 'p'],
]);

// apps/v1 ------------------------------------------------------------------------------------------

const DeploymentCondition = msg('DeploymentCondition', [
  [1, 'type', S, 'n'],
  [2, 'status', S, 'n'],
  [6, 'lastUpdateTime', T, 'o'],
  [7, 'lastTransitionTime', T, 'o'],
  [4, 'reason', S, 'o'],
  [5, 'message', S, 'o'],
]);
const DeploymentStatus = msg('DeploymentStatus', [
  [1, 'observedGeneration', I64, 'o'],
  [2, 'replicas', I32, 'o'],
  [3, 'updatedReplicas', I32, 'o'],
  [7, 'readyReplicas', I32, 'o'],
  [4, 'availableReplicas', I32, 'o'],
  [5, 'unavailableReplicas', I32, 'o'],
  [9, 'terminatingReplicas', I32, 'p'],
  [6, 'conditions', list(DeploymentCondition), 'o'],
  [8, 'collisionCount', I32, 'p'],
]);
const DeploymentStrategy = msg('DeploymentStrategy', [
  [1, 'type', S, 'o'],
  [
    2,
    'rollingUpdate',
    msg('RollingUpdateDeployment', [
      [1, 'maxUnavailable', IOS, 'p'],
      [2, 'maxSurge', IOS, 'p'],
    ]),
    'p',
  ],
]);
const DeploymentSpec = msg('DeploymentSpec', [
  [1, 'replicas', I32, 'p'],
  [2, 'selector', LabelSelector, 'pn'],
  [3, 'template', PodTemplateSpec, 'n'],
  [4, 'strategy', DeploymentStrategy, 'o'],
  [5, 'minReadySeconds', I32, 'o'],
  [6, 'revisionHistoryLimit', I32, 'p'],
  [7, 'paused', B, 'o'],
  [9, 'progressDeadlineSeconds', I32, 'p'],
]);
const Deployment = msg('Deployment', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', DeploymentSpec, 'o'],
  [3, 'status', DeploymentStatus, 'o'],
]);

// batch/v1 -----------------------------------------------------------------------------------------

// podFailurePolicy and successPolicy are not decoded (kubectl never sets them on its own).
const JobSpec = msg('JobSpec', [
  [1, 'parallelism', I32, 'p'],
  [2, 'completions', I32, 'p'],
  [3, 'activeDeadlineSeconds', I64, 'p'],
  [7, 'backoffLimit', I32, 'p'],
  [12, 'backoffLimitPerIndex', I32, 'p'],
  [13, 'maxFailedIndexes', I32, 'p'],
  [4, 'selector', LabelSelector, 'p'],
  [5, 'manualSelector', B, 'p'],
  [6, 'template', PodTemplateSpec, 'n'],
  [8, 'ttlSecondsAfterFinished', I32, 'p'],
  [9, 'completionMode', S, 'p'],
  [10, 'suspend', B, 'p'],
  [14, 'podReplacementPolicy', S, 'p'],
  [15, 'managedBy', S, 'p'],
]);
// Job status is controller-owned and ignored on create.
const JobStatus = msg('JobStatus', []);
const Job = msg('Job', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', JobSpec, 'o'],
  [3, 'status', JobStatus, 'o'],
]);
const JobTemplateSpec = msg('JobTemplateSpec', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', JobSpec, 'o'],
]);
const CronJobSpec = msg('CronJobSpec', [
  [1, 'schedule', S, 'n'],
  [8, 'timeZone', S, 'p'],
  [2, 'startingDeadlineSeconds', I64, 'p'],
  [3, 'concurrencyPolicy', S, 'o'],
  [4, 'suspend', B, 'p'],
  [5, 'jobTemplate', JobTemplateSpec, 'n'],
  [6, 'successfulJobsHistoryLimit', I32, 'p'],
  [7, 'failedJobsHistoryLimit', I32, 'p'],
]);
const CronJobStatus = msg('CronJobStatus', [
  [1, 'active', list(ObjectReference), 'o'],
  [4, 'lastScheduleTime', T, 'p'],
  [5, 'lastSuccessfulTime', T, 'p'],
]);
const CronJob = msg('CronJob', [
  [1, 'metadata', ObjectMeta, 'o'],
  [2, 'spec', CronJobSpec, 'o'],
  [3, 'status', CronJobStatus, 'o'],
]);

/** Root message per `apiVersion/kind`. */
const KINDS = new Map<string, MessageDef>([
  ['v1/Namespace', Namespace],
  ['v1/Service', Service],
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/ServiceAccount', ServiceAccount],
  ['v1/Pod', Pod],
  ['apps/v1/Deployment', Deployment],
  ['batch/v1/Job', Job],
  ['batch/v1/CronJob', CronJob],
]);

/** `apiVersion/kind` pairs whose protobuf form can be decoded. */
export function supportedProtobufKinds(): string[] {
  return [...KINDS.keys()];
}

// ---------------------------------------------------------------------------------------------
// Decoding

type RawValue = { wt: number; v: bigint | Buffer };

const VARINT_TYPES = new Set<ElemType>([I32, I64, B]);
/** Types Go marshals as structs, so `omitempty` never drops them. */
const STRUCT_SCALARS = new Set<Scalar>(['time', 'quantity', 'intstr', 'fieldsv1']);

function goFieldName(f: FieldDef): string {
  return f.json ? f.json[0]!.toUpperCase() + f.json.slice(1) : 'Inline';
}

function collect(def: MessageDef, buf: Buffer): Map<number, RawValue[]> {
  const seen = new Map<number, RawValue[]>();
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag(def.name);
    const field = def.byNo.get(no);
    if (!field) {
      r.skip(wt);
      continue;
    }
    let v: bigint | Buffer;
    if (wt === WT_VARINT) v = r.varint();
    else if (wt === WT_BYTES) v = r.bytes();
    else throw new WireError(`proto: wrong wireType = ${wt} for field ${goFieldName(field)}`);
    let arr = seen.get(no);
    if (!arr) seen.set(no, (arr = []));
    arr.push({ wt, v });
  }
  return seen;
}

function expectWire(field: FieldDef, elem: ElemType, raw: RawValue, repeated: boolean): void {
  const varintType = typeof elem === 'string' && VARINT_TYPES.has(elem);
  // Repeated varints may come packed in one length-delimited record.
  const ok = varintType ? raw.wt === WT_VARINT || (repeated && raw.wt === WT_BYTES) : raw.wt === WT_BYTES;
  if (!ok) throw new WireError(`proto: wrong wireType = ${raw.wt} for field ${goFieldName(field)}`);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Renders a Timestamp the way metav1.Time marshals: RFC 3339 in UTC, whole seconds. */
function formatTime(seconds: bigint): string {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) throw new WireError(`proto: Timestamp seconds out of range: ${seconds}`);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`
  );
}

function decodeTime(buf: Buffer): string | null {
  // An empty Timestamp is how Go marshals the zero time, which JSON renders as null.
  if (buf.length === 0) return null;
  // Nanoseconds (field 2) are dropped: metav1.Time's JSON has second precision.
  let seconds = 0n;
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag('Timestamp');
    if (no === 1 && wt === WT_VARINT) seconds = BigInt.asIntN(64, r.varint());
    else r.skip(wt);
  }
  return formatTime(seconds);
}

function decodeIntOrString(buf: Buffer): number | string {
  let type = 0n;
  let intVal = 0;
  let strVal = '';
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag('IntOrString');
    if (no === 1 && wt === WT_VARINT) type = BigInt.asIntN(64, r.varint());
    else if (no === 2 && wt === WT_VARINT) intVal = Number(BigInt.asIntN(32, r.varint()));
    else if (no === 3 && wt === WT_BYTES) strVal = r.bytes().toString('utf8');
    else r.skip(wt);
  }
  return type === 1n ? strVal : intVal;
}

function decodeQuantity(buf: Buffer): string {
  let s = '';
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag('Quantity');
    if (no === 1 && wt === WT_BYTES) s = r.bytes().toString('utf8');
    else r.skip(wt);
  }
  // The zero Quantity marshals to "0".
  return s === '' ? '0' : s;
}

function decodeFieldsV1(buf: Buffer): unknown {
  let raw: Buffer = Buffer.alloc(0);
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag('FieldsV1');
    if (no === 1 && wt === WT_BYTES) raw = r.bytes();
    else r.skip(wt);
  }
  if (raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new WireError('FieldsV1 does not hold valid JSON');
  }
}

function decodeElem(elem: ElemType, raw: RawValue): unknown {
  if (typeof elem !== 'string') return decodeMessage(elem, raw.v as Buffer);
  switch (elem) {
    case 'string':
      return (raw.v as Buffer).toString('utf8');
    case 'bytes':
      return (raw.v as Buffer).toString('base64');
    case 'int32':
      return Number(BigInt.asIntN(32, raw.v as bigint));
    case 'int64':
      return Number(BigInt.asIntN(64, raw.v as bigint));
    case 'bool':
      return (raw.v as bigint) !== 0n;
    case 'time':
      return decodeTime(raw.v as Buffer);
    case 'quantity':
      return decodeQuantity(raw.v as Buffer);
    case 'intstr':
      return decodeIntOrString(raw.v as Buffer);
    case 'fieldsv1':
      return decodeFieldsV1(raw.v as Buffer);
  }
}

/** Splits a packed repeated varint record into single values. */
function unpack(raw: RawValue): RawValue[] {
  if (raw.wt !== WT_BYTES) return [raw];
  const out: RawValue[] = [];
  const r = new Reader(raw.v as Buffer);
  while (!r.done) out.push({ wt: WT_VARINT, v: r.varint() });
  return out;
}

/** The JSON Go prints for a field that is absent from the wire, or undefined to leave it out. */
function zeroValue(type: FieldType, mode: Mode): unknown {
  if (mode === 'p') return undefined;
  if (mode === 'pn') return null;
  if (typeof type === 'object' && ('list' in type || 'map' in type)) return mode === 'n' ? null : undefined;
  if (typeof type === 'object') return decodeMessage(type, Buffer.alloc(0));
  switch (type) {
    case 'time':
    case 'fieldsv1':
      return null;
    case 'quantity':
      return '0';
    case 'intstr':
      return 0;
    default:
      if (mode === 'o') return undefined;
      return type === 'string' ? '' : type === 'bool' ? false : type === 'bytes' ? null : 0;
  }
}

function isEmptyScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function decodeMessage(def: MessageDef, buf: Buffer): Record<string, unknown> {
  const seen = collect(def, buf);
  const out: Record<string, unknown> = {};
  for (const field of def.fields) {
    const raws = seen.get(field.no);
    const type = field.type;
    let value: unknown;
    if (!raws) {
      value = zeroValue(type, field.mode);
    } else if (typeof type === 'object' && 'list' in type) {
      const items: unknown[] = [];
      for (const raw of raws) {
        expectWire(field, type.list, raw, true);
        const parts = typeof type.list === 'string' && VARINT_TYPES.has(type.list) ? unpack(raw) : [raw];
        for (const part of parts) items.push(decodeElem(type.list, part));
      }
      value = items.length > 0 ? items : field.mode === 'n' ? null : undefined;
    } else if (typeof type === 'object' && 'map' in type) {
      const entries: Record<string, unknown> = {};
      for (const raw of raws) {
        expectWire(field, type.map, raw, false);
        const [k, v] = decodeMapEntry(field, type.map, raw.v as Buffer);
        entries[k] = v;
      }
      value = entries;
    } else if (typeof type === 'object') {
      for (const raw of raws) expectWire(field, type, raw, false);
      // Several occurrences of a message field merge, which is what concatenation gives.
      value = decodeMessage(type, Buffer.concat(raws.map((r) => r.v as Buffer)));
    } else {
      const raw = raws[raws.length - 1]!;
      expectWire(field, type, raw, false);
      value = decodeElem(type, raw);
      if (field.mode === 'o' && isEmptyScalar(value) && !STRUCT_SCALARS.has(type)) value = undefined;
    }
    if (value === undefined) continue;
    if (field.mode === 'i') Object.assign(out, value as Record<string, unknown>);
    else out[field.json] = value;
  }
  return out;
}


function decodeMapEntry(field: FieldDef, valueType: ElemType, buf: Buffer): [string, unknown] {
  let key = '';
  let value: unknown;
  const r = new Reader(buf);
  while (!r.done) {
    const [no, wt] = r.tag(`${goFieldName(field)}Entry`);
    if (no === 1) {
      if (wt !== WT_BYTES) throw new WireError(`proto: wrong wireType = ${wt} for field key`);
      key = r.bytes().toString('utf8');
    } else if (no === 2) {
      if (wt !== WT_VARINT && wt !== WT_BYTES) throw new WireError(`proto: wrong wireType = ${wt} for field value`);
      const raw: RawValue = { wt, v: wt === WT_VARINT ? r.varint() : r.bytes() };
      expectWire(field, valueType, raw, false);
      value = decodeElem(valueType, raw);
    } else {
      r.skip(wt);
    }
  }
  // gogo-protobuf starts map values as empty ([]byte{} for bytes, so "" rather than null).
  if (value === undefined) value = valueType === 'bytes' ? '' : zeroValue(valueType, 'n');
  return [key, value];
}

// ---------------------------------------------------------------------------------------------
// Envelope

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
}

function decodeEnvelope(data: Buffer): Envelope {
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  const r = new Reader(data);
  while (!r.done) {
    const [no, wt] = r.tag('Unknown');
    if (no === 1) {
      if (wt !== WT_BYTES) throw new WireError(`proto: wrong wireType = ${wt} for field TypeMeta`);
      const tm = new Reader(r.bytes());
      while (!tm.done) {
        const [tno, twt] = tm.tag('TypeMeta');
        if ((tno === 1 || tno === 2) && twt !== WT_BYTES) {
          throw new WireError(`proto: wrong wireType = ${twt} for field ${tno === 1 ? 'APIVersion' : 'Kind'}`);
        }
        if (tno === 1) apiVersion = tm.bytes().toString('utf8');
        else if (tno === 2) kind = tm.bytes().toString('utf8');
        else tm.skip(twt);
      }
    } else if (no === 2) {
      if (wt !== WT_BYTES) throw new WireError(`proto: wrong wireType = ${wt} for field Raw`);
      raw = r.bytes();
    } else if (no === 3 || no === 4) {
      // contentEncoding / contentType: kube-apiserver ignores both and decodes raw as protobuf.
      if (wt !== WT_BYTES) throw new WireError(`proto: wrong wireType = ${wt} for field ${no === 3 ? 'ContentEncoding' : 'ContentType'}`);
      r.bytes();
    } else {
      r.skip(wt);
    }
  }
  return { apiVersion, kind, raw };
}

/** The endpoint's own kind, used for defaults and kube-apiserver's error texts. */
export interface ExpectedKind {
  kind: string;
  /** API group, '' for core. */
  group?: string;
  version?: string;
}

/** kube-apiserver's summary of an undecodable body: text if it looks like JSON, hex otherwise. */
function summarizeData(data: Buffer, maxLength = 30): string {
  if (data.length === 0) return '<empty>';
  if (data[0] === 0x7b) {
    return data.length > maxLength ? `${data.subarray(0, maxLength).toString('utf8')} ...` : data.toString('utf8');
  }
  return data.length > maxLength ? `${data.subarray(0, maxLength).toString('hex')} ...` : data.toString('hex');
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * Decodes a Kubernetes protobuf request body into the JSON object kube-apiserver would have
 * decoded from the equivalent JSON body (kind and apiVersion filled in from the envelope).
 *
 * Errors are 400 BadRequest Status errors worded like kube-apiserver's; pass `expected` (the kind
 * the endpoint serves) to get the exact `the object provided is unrecognized (must be of type X)`
 * and `... cannot be handled as a X` texts. A kind this decoder has no table for is a 415.
 */
export function decodeKubeProtobuf(body: Buffer, expected?: ExpectedKind): KubeObject {
  const unrecognized = (reason: string): ApiError =>
    new ApiError(
      400,
      'BadRequest',
      expected
        ? `the object provided is unrecognized (must be of type ${expected.kind}): ${reason} (${summarizeData(body)})`
        : `the object provided is unrecognized: ${reason} (${summarizeData(body)})`,
    );

  if (body.length === 0) throw unrecognized('empty data');
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw unrecognized(`provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(' ')}]`);
  }
  if (body.length === MAGIC.length) throw unrecognized('empty body');

  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(body.subarray(MAGIC.length));
  } catch (e) {
    if (e instanceof WireError) throw unrecognized(e.message);
    throw e;
  }

  // Like kube's copyKindDefaults: the endpoint's group/version/kind fill what the envelope leaves out.
  let { group, version } = splitApiVersion(envelope.apiVersion);
  let kind = envelope.kind;
  if (expected) {
    if (!kind) kind = expected.kind;
    if (!envelope.apiVersion) {
      group = expected.group ?? '';
      version = expected.version ?? '';
    }
  }
  const typeMeta = `runtime.TypeMeta{APIVersion:${JSON.stringify(envelope.apiVersion)}, Kind:${JSON.stringify(envelope.kind)}}`;
  if (!kind) throw new ApiError(400, 'BadRequest', `Object 'Kind' is missing in '${typeMeta}'`);
  if (!version) throw new ApiError(400, 'BadRequest', `Object 'apiVersion' is missing in '${typeMeta}'`);
  const apiVersion = group ? `${group}/${version}` : version;

  if (expected && (kind !== expected.kind || (expected.group !== undefined && group !== expected.group))) {
    const internalPackage = expected.group ? expected.group.split('.')[0]! : 'core';
    throw new ApiError(
      400,
      'BadRequest',
      `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${expected.kind}: ` +
        `converting (${version}.${kind}) to (${internalPackage}.${expected.kind}): unknown conversion`,
    );
  }

  const def = KINDS.get(`${apiVersion}/${kind}`);
  if (!def) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `testkube cannot decode ${kind} (${apiVersion}) from application/vnd.kubernetes.protobuf; ` +
        `send it as application/json (protobuf is understood for: ${supportedProtobufKinds().join(', ')})`,
      {},
    );
  }

  let fields: Record<string, unknown>;
  try {
    fields = decodeMessage(def, envelope.raw);
  } catch (e) {
    if (e instanceof WireError) {
      throw new ApiError(
        400,
        'BadRequest',
        `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${expected?.kind ?? kind}: ${e.message}`,
      );
    }
    throw e;
  }
  return { kind, apiVersion, ...fields } as KubeObject;
}
