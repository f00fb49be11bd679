// core/v1 ServiceAccounts: stored as sent (the ServiceAccount admission plugin and token
// controller were not running in the recorded cluster, so nothing is added).
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { ResourceType } from '../types.js';
import { age, ageColumn, column, nameColumn } from './common.js';

export function serviceAccountsResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    listKind: 'ServiceAccountList',
    singular: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    // As discovered; TokenRequest is not served here.
    subresources: ['token'],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['/ServiceAccount'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'pbx9ZvyFpBE=',
    table: {
      columns: [
        nameColumn(),
        column(
          'Secrets',
          'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a "kubernetes.io/enforce-mountable-secrets" annotation set to "true". This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret',
        ),
        ageColumn(),
      ],
      cells: (sa, now) => [sa.metadata?.name ?? '', Array.isArray(sa.secrets) ? sa.secrets.length : 0, age(sa, now)],
    },
    hooks: {
      validateCreate: (_ctx, sa) => validateObjectMeta(sa.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' }),
      validateUpdate: (_ctx, sa) => validateObjectMeta(sa.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' }),
    },
  };
}
