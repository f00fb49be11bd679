// core/v1 Namespaces. The type facts and per-write hooks live here; the lifecycle (DELETE turning
// the namespace Terminating, PUT .../finalize writing spec.finalizers, disappearing once both
// finalizer lists are empty, 403 for creates inside a terminating namespace) is generic code in
// rest.ts, which can call validateNamespaceFinalize() for the finalize write.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import { age, ageColumn, column, invalidEach, isObject, isQualifiedName, nameColumn } from './common.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const KUBERNETES_FINALIZER = 'kubernetes';
/** helper.IsStandardFinalizerName: the finalizers allowed without a domain prefix. */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** validateFinalizerName: a qualified name, and unprefixed names must be standard ones. */
function validateFinalizerName(value: string, path: string): FieldCause[] {
  const causes = invalidEach(path, value, isQualifiedName(value));
  if (!value.includes('/') && !STANDARD_FINALIZERS.has(value)) {
    causes.push(field.invalid(path, value, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return causes;
}

function finalizersOf(obj: KubeObject): unknown[] {
  return Array.isArray(obj.spec?.finalizers) ? obj.spec.finalizers : [];
}

/** Canonicalize: the name label always mirrors the name, whatever the client sent. */
function forceNameLabel(obj: KubeObject): void {
  const meta = (obj.metadata ??= {});
  meta.labels = isObject(meta.labels) ? meta.labels : {};
  if (meta.name) meta.labels[NAMESPACE_NAME_LABEL] = meta.name;
}

function setFinalizers(obj: KubeObject, finalizers: unknown): void {
  obj.spec = isObject(obj.spec) ? obj.spec : {};
  // `finalizers` has omitempty: an empty list is stored as absent (`spec: {}`).
  if (Array.isArray(finalizers) && finalizers.length) obj.spec.finalizers = [...finalizers];
  else delete obj.spec.finalizers;
}

function validateNamespace(obj: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(obj.metadata ?? {}, { namespaced: false, nameValidator: 'DNS1123Label' });
  // ValidateNamespace reports every finalizer at spec.finalizers (no index).
  for (const f of finalizersOf(obj)) causes.push(...validateFinalizerName(String(f), 'spec.finalizers'));
  return causes;
}

/**
 * Validation of PUT .../finalize (ValidateNamespaceFinalizeUpdate): metadata plus each finalizer
 * name at spec.finalizers[i]. The finalize write itself keeps the stored status.
 */
export function validateNamespaceFinalize(obj: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(obj.metadata ?? {}, { namespaced: false, nameValidator: 'DNS1123Label' });
  finalizersOf(obj).forEach((f, i) => causes.push(...validateFinalizerName(String(f), `spec.finalizers[${i}]`)));
  return causes;
}

export function namespacesResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    // No deletecollection for namespaces.
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['finalize', 'status'],
    deleteReturnsObject: true,
    fieldSelectorErrorStyle: 'not-supported',
    fieldSelectors: { 'status.phase': (o) => o.status?.phase ?? '' },
    strategicSchema: builtinStrategicSchemas['/Namespace'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'Q3oi5N2YM8M=',
    table: {
      columns: [nameColumn(), column('Status', 'The status of the namespace'), ageColumn()],
      cells: (ns, now) => [ns.metadata?.name ?? '', ns.status?.phase ?? '', age(ns, now)],
    },
    hooks: {
      prepareCreate(_ctx, obj) {
        const finalizers = finalizersOf(obj);
        setFinalizers(obj, finalizers.includes(KUBERNETES_FINALIZER) ? finalizers : [...finalizers, KUBERNETES_FINALIZER]);
        obj.status = { phase: 'Active' };
        forceNameLabel(obj);
      },
      validateCreate: (_ctx, obj) => validateNamespace(obj),
      prepareUpdate(_ctx, obj, old) {
        // Only the finalize subresource changes spec.finalizers; only /status changes status.
        setFinalizers(obj, old.spec?.finalizers);
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
        forceNameLabel(obj);
      },
      validateUpdate: (_ctx, obj) => validateNamespace(obj),
      prepareStatusUpdate(_ctx, obj) {
        obj.status = isObject(obj.status) ? obj.status : {};
        if (!obj.status.phase) obj.status.phase = 'Active';
        forceNameLabel(obj);
      },
      validateStatusUpdate(_ctx, obj) {
        const causes = validateObjectMeta(obj.metadata ?? {}, { namespaced: false, nameValidator: 'DNS1123Label' });
        const phase = obj.status?.phase ?? 'Active';
        if (!obj.metadata?.deletionTimestamp) {
          if (phase !== 'Active') causes.push(field.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
        } else if (phase !== 'Terminating') {
          causes.push(field.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
        }
        return causes;
      },
    },
  };
}
