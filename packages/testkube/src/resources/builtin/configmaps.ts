// core/v1 ConfigMaps: key and size validation, and the `immutable` flag that freezes data.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import { age, ageColumn, column, decodeError, invalidEach, isConfigMapKey, isObject, semanticEqual, tooLongBytes, nameColumn } from './common.js';

/** core.MaxSecretSize, shared by ConfigMaps and Secrets. */
export const MAX_DATA_SIZE = 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoding of a map[string][]byte field: values are base64 strings. */
export function checkBase64Map(obj: KubeObject, key: string, kind: string): void {
  const m = obj[key];
  if (m === undefined || m === null) return;
  if (!isObject(m)) throw decodeError(kind, 'v1', `json: cannot unmarshal ${Array.isArray(m) ? 'array' : typeof m} into Go struct field ${kind}.${key} of type map[string][]uint8`);
  for (const v of Object.values(m)) {
    if (v === null) continue;
    if (typeof v !== 'string' || !BASE64.test(v) || v.length % 4 !== 0) {
      const s = typeof v === 'string' ? v : '';
      let at = 0;
      while (at < s.length && /[A-Za-z0-9+/]/.test(s[at]!)) at++;
      throw decodeError(kind, 'v1', `illegal base64 data at input byte ${at}`);
    }
  }
}

function byteLength(v: unknown, base64: boolean): number {
  if (typeof v !== 'string') return 0;
  return base64 ? Buffer.from(v, 'base64').length : Buffer.byteLength(v, 'utf8');
}

function validateConfigMap(cm: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(cm.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  let total = 0;
  const data = isObject(cm.data) ? cm.data : {};
  const binary = isObject(cm.binaryData) ? cm.binaryData : {};
  for (const [k, v] of Object.entries(data)) {
    causes.push(...invalidEach(`data[${k}]`, k, isConfigMapKey(k)));
    total += byteLength(v, false);
  }
  for (const [k, v] of Object.entries(binary)) {
    causes.push(...invalidEach(`binaryData[${k}]`, k, isConfigMapKey(k)));
    if (k in data) causes.push(field.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += byteLength(v, true);
  }
  if (total > MAX_DATA_SIZE) causes.push(tooLongBytes('', MAX_DATA_SIZE));
  return causes;
}

export function configMapsResource(): ResourceType {
  return {
    group: '',
    version: 'v1',
    resource: 'configmaps',
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    singular: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['/ConfigMap'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'qFsyl6wFWjQ=',
    table: {
      columns: [
        nameColumn(),
        column(
          'Data',
          "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.",
        ),
        ageColumn(),
      ],
      cells: (cm, now) => [
        cm.metadata?.name ?? '',
        Object.keys(isObject(cm.data) ? cm.data : {}).length + Object.keys(isObject(cm.binaryData) ? cm.binaryData : {}).length,
        age(cm, now),
      ],
    },
    hooks: {
      prepareCreate: (_ctx, cm) => checkBase64Map(cm, 'binaryData', 'ConfigMap'),
      validateCreate: (_ctx, cm) => validateConfigMap(cm),
      prepareUpdate: (_ctx, cm) => checkBase64Map(cm, 'binaryData', 'ConfigMap'),
      validateUpdate(_ctx, cm, old) {
        const causes: FieldCause[] = [];
        if (old.immutable === true) {
          if (cm.immutable !== true) causes.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
          if (!semanticEqual(cm.data ?? {}, old.data ?? {})) causes.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
          if (!semanticEqual(cm.binaryData ?? {}, old.binaryData ?? {})) causes.push(field.forbidden('binaryData', 'field is immutable when `immutable` is set'));
        }
        return [...causes, ...validateConfigMap(cm)];
      },
    },
  };
}
