// core/v1 Secrets: stringData is write-only (merged into data as base64 on every write), type
// defaults to Opaque and is immutable, per-type required keys are enforced.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import { age, ageColumn, column, decodeError, invalidEach, invalidRendered, isConfigMapKey, isObject, nameColumn, semanticEqual, tooLongBytes } from './common.js';
import { MAX_DATA_SIZE, checkBase64Map } from './configmaps.js';

/** Conversion from v1: stringData wins over data for the same key and is then dropped. */
function mergeStringData(secret: KubeObject): void {
  if (secret.stringData !== undefined && secret.stringData !== null) {
    if (!isObject(secret.stringData)) {
      throw decodeError('Secret', 'v1', `json: cannot unmarshal ${Array.isArray(secret.stringData) ? 'array' : typeof secret.stringData} into Go struct field Secret.stringData of type map[string]string`);
    }
    const data = isObject(secret.data) ? secret.data : {};
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v ?? ''), 'utf8').toString('base64');
    secret.data = data;
  }
  delete secret.stringData;
  if (isObject(secret.data) && Object.keys(secret.data).length === 0) delete secret.data;
  if (!secret.type) secret.type = 'Opaque';
}

function prepare(secret: KubeObject): void {
  checkBase64Map(secret, 'data', 'Secret');
  mergeStringData(secret);
}

function validateSecret(secret: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(secret.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  const data: Record<string, string> = isObject(secret.data) ? secret.data : {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    causes.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    total += typeof v === 'string' ? Buffer.from(v, 'base64').length : 0;
  }
  if (total > MAX_DATA_SIZE) causes.push(tooLongBytes('data', MAX_DATA_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  const decoded = (k: string) => Buffer.from(data[k] ?? '', 'base64').toString('utf8');
  switch (secret.type) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        causes.push(field.required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = secret.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        causes.push(field.required(`data[${key}]`));
        break;
      }
      try {
        const parsed = JSON.parse(decoded(key));
        if (!isObject(parsed)) throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type map[string]interface {}`);
      } catch (e) {
        const msg = e instanceof SyntaxError ? 'invalid character in JSON' : (e as Error).message;
        causes.push(invalidRendered(`data[${key}]`, '"<secret contents redacted>"', msg));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        causes.push(field.required('data[username]'), field.required('data[password]'));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) causes.push(field.required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) causes.push(field.required('data[tls.crt]'));
      if (!has('tls.key')) causes.push(field.required('data[tls.key]'));
      break;
    default:
      break;
  }
  return causes;
}

export function secretsResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'secrets',
    kind: 'Secret',
    listKind: 'SecretList',
    singular: 'secret',
    namespaced: true,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    deleteReturnsObject: false,
    fieldSelectorErrorStyle: 'not-supported',
    fieldSelectors: { type: (o) => o.type ?? '' },
    strategicSchema: builtinStrategicSchemas['/Secret'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'S6u1pOWzb84=',
    table: {
      columns: [
        nameColumn(),
        column('Type', 'Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types'),
        column(
          'Data',
          "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4",
        ),
        ageColumn(),
      ],
      cells: (s, now) => [s.metadata?.name ?? '', s.type ?? '', Object.keys(isObject(s.data) ? s.data : {}).length, age(s, now)],
    },
    hooks: {
      prepareCreate: (_ctx, s) => prepare(s),
      validateCreate: (_ctx, s) => validateSecret(s),
      prepareUpdate: (_ctx, s) => prepare(s),
      validateUpdate(_ctx, s, old) {
        // ValidateSecretUpdate: type and `immutable` checks come before the full validation.
        const causes: FieldCause[] = [];
        if (s.type !== old.type) causes.push(invalidRendered('type', JSON.stringify(s.type ?? ''), 'field is immutable'));
        if (old.immutable === true) {
          if (s.immutable !== true) causes.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
          if (!semanticEqual(s.data ?? {}, old.data ?? {})) causes.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
        }
        return [...causes, ...validateSecret(s)];
      },
    },
  };
}
