// Patch engines of testkube: JSON merge patch, JSON patch, strategic merge patch and server-side
// apply with managedFields. All are pure functions over JSON values.
export {
  applyMergePatch,
  createMergePatch,
  goJsonKind,
  isJsonObject,
  jsonClone,
  jsonEqual,
  mergePatch,
  type JsonObject,
} from './merge.js';
export { applyJsonPatch, jsonPatchRejected } from './json-patch.js';
export { goFormat, strategicMergePatch } from './strategic.js';
export {
  builtinStrategicSchemas,
  builtinZeroObjects,
  fieldSchema,
  isAtomicSchema,
  isListSchema,
  objectMetaSchema,
  objectSchema,
  podSpecSchema,
  podTemplateSpecSchema,
  schemaKey,
  type StrategicAtomicSchema,
  type StrategicFieldSchema,
  type StrategicListInfo,
  type StrategicListSchema,
  type StrategicPatchSchema,
} from './strategic-schema.js';
export {
  applyServerSide,
  FieldSet,
  fieldPathString,
  recordUpdate,
  type ManagedFieldsOperation,
  type RecordUpdateOptions,
  type ServerSideApplyOptions,
} from './apply.js';
