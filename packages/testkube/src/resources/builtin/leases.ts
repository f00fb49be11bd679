// coordination.k8s.io/v1 Leases. acquireTime/renewTime are MicroTime: exactly six fractional
// digits or the body is refused while decoding (400, recorded), offsets are normalised to UTC.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import { age, ageColumn, checkInt32, checkString, column, decodeError, isObject, jsonTypeName, nameColumn, normalizeMicroTime } from './common.js';

/** Decoding of LeaseSpec: types checked as encoding/json does, MicroTimes normalised. */
function decodeLeaseSpec(lease: KubeObject): void {
  if (lease.spec === undefined || lease.spec === null) {
    lease.spec = {};
    return;
  }
  if (!isObject(lease.spec)) {
    throw decodeError('Lease', 'v1', `json: cannot unmarshal ${jsonTypeName(lease.spec)} into Go struct field Lease.spec of type v1.LeaseSpec`);
  }
  const spec = lease.spec;
  checkString(spec.holderIdentity, 'Lease', 'v1', 'LeaseSpec.spec.holderIdentity');
  checkInt32(spec.leaseDurationSeconds, 'Lease', 'v1', 'LeaseSpec.spec.leaseDurationSeconds');
  checkInt32(spec.leaseTransitions, 'Lease', 'v1', 'LeaseSpec.spec.leaseTransitions');
  for (const k of ['acquireTime', 'renewTime']) {
    // Pointers with omitempty: null or absent means unset.
    const t = normalizeMicroTime(spec[k], 'Lease', 'v1', `LeaseSpec.spec.${k}`);
    if (t === null) delete spec[k];
    else spec[k] = t;
  }
  for (const k of ['holderIdentity', 'leaseDurationSeconds', 'leaseTransitions']) if (spec[k] === null) delete spec[k];
}

function validateLease(lease: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(lease.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  const spec = lease.spec ?? {};
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    causes.push(field.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    causes.push(field.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return causes;
}

export function leasesResource(): ResourceType {
  return {
    group: 'coordination.k8s.io',
    version: 'v1',
    resource: 'leases',
    kind: 'Lease',
    listKind: 'LeaseList',
    singular: 'lease',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['coordination.k8s.io/Lease'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'gqkMMb/YqFM=',
    table: {
      columns: [nameColumn(), column('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
      cells: (lease, now) => [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '', age(lease, now)],
    },
    hooks: {
      prepareCreate: (_ctx, lease) => decodeLeaseSpec(lease),
      validateCreate: (_ctx, lease) => validateLease(lease),
      prepareUpdate: (_ctx, lease) => decodeLeaseSpec(lease),
      validateUpdate: (_ctx, lease) => validateLease(lease),
    },
  };
}
