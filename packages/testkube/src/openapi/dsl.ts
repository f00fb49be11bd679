// A small vocabulary for writing OpenAPI v3 schemas the way kube-apiserver publishes them
// (`components.schemas` keyed by Go package path + type name, references wrapped in allOf when they
// carry a description, patch metadata as x-kubernetes-* extensions on the referring property).
// The patch extensions matter: kubectl computes client-side-apply strategic merge patches from
// them, reading the extension on the property itself and then following allOf[0]/$ref.

export type Schema = { [key: string]: unknown };

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
export const CORE = 'io.k8s.api.core.v1.';
export const APPS = 'io.k8s.api.apps.v1.';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Patch and list metadata of a list-valued or map-valued field. */
export interface FieldExt {
  /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys", "replace". */
  strategy?: string;
  /** x-kubernetes-patch-merge-key. */
  key?: string;
  /** x-kubernetes-list-type. */
  listType?: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys. */
  mapKeys?: string[];
  /** x-kubernetes-map-type. */
  mapType?: 'atomic' | 'granular';
}

function withExt(schema: Schema, ext: FieldExt | undefined): Schema {
  if (!ext) return schema;
  if (ext.listType) schema['x-kubernetes-list-type'] = ext.listType;
  if (ext.mapKeys) schema['x-kubernetes-list-map-keys'] = ext.mapKeys;
  if (ext.mapType) schema['x-kubernetes-map-type'] = ext.mapType;
  if (ext.key) schema['x-kubernetes-patch-merge-key'] = ext.key;
  if (ext.strategy) schema['x-kubernetes-patch-strategy'] = ext.strategy;
  return schema;
}

function described(schema: Schema, description: string | undefined): Schema {
  return description ? { description, ...schema } : schema;
}

export function ref(name: string): Schema {
  return { $ref: SCHEMA_REF_PREFIX + name };
}

/** A property whose type is a named schema. */
export function refField(name: string, description?: string, ext?: FieldExt): Schema {
  if (!description && !ext) return ref(name);
  return withExt(described({ allOf: [ref(name)] }, description), ext);
}

export function str(description?: string, enumValues?: string[]): Schema {
  const s = described({ type: 'string' }, description);
  if (enumValues) s.enum = enumValues;
  return s;
}

export const int32 = (description?: string): Schema => described({ type: 'integer', format: 'int32' }, description);
export const int64 = (description?: string): Schema => described({ type: 'integer', format: 'int64' }, description);
export const num = (description?: string): Schema => described({ type: 'number', format: 'double' }, description);
export const bool = (description?: string): Schema => described({ type: 'boolean' }, description);
export const bytes = (description?: string): Schema => described({ type: 'string', format: 'byte' }, description);
export const time = (description?: string): Schema => refField(META + 'Time', description);
export const microTime = (description?: string): Schema => refField(META + 'MicroTime', description);
export const intOrString = (description?: string): Schema => refField(INT_OR_STRING, description);
export const quantity = (description?: string): Schema => refField(QUANTITY, description);
export const objectMeta = (description = 'Standard object metadata.'): Schema => refField(META + 'ObjectMeta', description);

/** An array; items may be a schema name (string) or an inline schema. */
export function list(items: string | Schema, description?: string, ext?: FieldExt): Schema {
  const itemSchema = typeof items === 'string' ? ref(items) : items;
  return withExt(described({ type: 'array', items: itemSchema }, description), ext);
}

/** A []string; kube marks most of them atomic. */
export function strings(description?: string, ext: FieldExt = { listType: 'atomic' }): Schema {
  return list({ type: 'string' }, description, ext);
}

/** A map[string]<value>. */
export function map(value: string | Schema, description?: string, ext?: FieldExt): Schema {
  const valueSchema = typeof value === 'string' ? ref(value) : value;
  return withExt(described({ type: 'object', additionalProperties: valueSchema }, description), ext);
}

export const stringMap = (description?: string, ext?: FieldExt): Schema => map({ type: 'string' }, description, ext);

export interface ObjectOptions {
  required?: string[];
  gvk?: { group: string; version: string; kind: string }[];
  /** x-kubernetes-map-type on the type itself (kube marks reference-like structs atomic). */
  mapType?: 'atomic' | 'granular';
}

export function obj(description: string | undefined, properties: Record<string, Schema>, opts: ObjectOptions = {}): Schema {
  const s: Schema = described({}, description);
  s.properties = properties;
  if (opts.required?.length) s.required = opts.required;
  s.type = 'object';
  if (opts.gvk) s['x-kubernetes-group-version-kind'] = opts.gvk;
  if (opts.mapType) s['x-kubernetes-map-type'] = opts.mapType;
  return s;
}

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.';

export function typeMetaProperties(): Record<string, Schema> {
  return { apiVersion: str(API_VERSION_DESCRIPTION), kind: str(KIND_DESCRIPTION) };
}

/** A top-level kind: apiVersion, kind, metadata plus the given properties, tagged with its GVK. */
export function kind(
  group: string,
  version: string,
  kindName: string,
  description: string,
  properties: Record<string, Schema>,
  opts: Omit<ObjectOptions, 'gvk'> = {},
): Schema {
  const { apiVersion, kind: kindProp } = typeMetaProperties();
  return obj(
    description,
    { apiVersion: apiVersion!, kind: kindProp!, metadata: objectMeta(), ...properties },
    { ...opts, gvk: [{ group, kind: kindName, version }] },
  );
}

/** The <Kind>List companion of a kind. */
export function kindList(group: string, version: string, kindName: string, itemSchemaName: string): Schema {
  const { apiVersion, kind: kindProp } = typeMetaProperties();
  return obj(
    `${kindName}List is a list of ${kindName} objects.`,
    {
      apiVersion: apiVersion!,
      items: list(itemSchemaName, `List of ${kindName} objects.`),
      kind: kindProp!,
      metadata: refField(META + 'ListMeta', 'Standard list metadata.'),
    },
    { required: ['items'], gvk: [{ group, kind: `${kindName}List`, version }] },
  );
}

/** Every `$ref` target named anywhere inside a schema. */
export function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF_PREFIX)) out.add(v.slice(SCHEMA_REF_PREFIX.length));
    else collectRefs(v, out);
  }
}
