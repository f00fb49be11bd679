// /openapi/v2: the Swagger 2.0 document, derived from our OpenAPI v3 documents, as JSON and in the
// protobuf form (gnostic's openapi.v2.Document) that kubectl requests.
//
// kubectl 1.32 never asks for v2 when v3 is complete (recordings). It matters because the kubectl
// on this machine is a version dispatcher: against a server reporting v1.28 it runs kubectl 1.28,
// which loads /openapi/v2 (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf,
// protobuf only) for `apply`, `create -f` and `explain`, and fails when it is missing.

export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Schema keywords OpenAPI v2 lacks; kube drops them when publishing v2 as well. */
const V3_ONLY = new Set(['nullable', 'oneOf', 'anyOf', 'not']);

/** Converts a v3 schema to v2: refs point to #/definitions, `allOf: [ {$ref} ]` wrappers collapse. */
export function schemaToV2(s: Json): Json {
  if (!isObject(s)) return s;
  const out: JsonObject = {};
  const allOf = s.allOf;
  const collapse = Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0]) && typeof allOf[0].$ref === 'string';
  for (const [k, v] of Object.entries(s)) {
    if (V3_ONLY.has(k)) continue;
    if (k === 'allOf') {
      if (collapse) out.$ref = (allOf[0] as JsonObject).$ref!.toString().replace(V3_REF, V2_REF);
      else if (Array.isArray(v)) out.allOf = v.map(schemaToV2);
    } else if (k === '$ref' && typeof v === 'string') {
      out.$ref = v.replace(V3_REF, V2_REF);
    } else if ((k === 'properties' || k === 'patternProperties' || k === 'definitions') && isObject(v)) {
      const props: JsonObject = {};
      for (const [name, sub] of Object.entries(v)) props[name] = schemaToV2(sub);
      out[k] = props;
    } else if (k === 'items') {
      out.items = Array.isArray(v) ? v.map(schemaToV2) : schemaToV2(v);
    } else if (k === 'additionalProperties') {
      out.additionalProperties = typeof v === 'boolean' ? v : schemaToV2(v);
    } else {
      out[k] = v;
    }
  }
  // v2 readers reject a $ref next to a type (kube-openapi's proto parser does).
  if (out.$ref !== undefined) delete out.type;
  return out;
}

function convertOperation(op: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (op.description !== undefined) out.description = op.description;
  const requestBody = isObject(op.requestBody) ? op.requestBody : undefined;
  const requestContent = requestBody && isObject(requestBody.content) ? requestBody.content : undefined;
  out.consumes = requestContent ? Object.keys(requestContent) : ['*/*'];
  const produces = new Set<string>();
  const responses: JsonObject = {};
  for (const [code, r] of Object.entries(isObject(op.responses) ? op.responses : {})) {
    if (!isObject(r)) continue;
    const response: JsonObject = { description: r.description ?? '' };
    if (isObject(r.content)) {
      const entries = Object.entries(r.content);
      for (const [type] of entries) produces.add(type);
      const first = entries[0]?.[1];
      if (isObject(first) && first.schema !== undefined) response.schema = schemaToV2(first.schema);
    }
    responses[code] = response;
  }
  out.produces = [...produces];
  out.schemes = ['https'];
  out.tags = op.tags ?? [];
  if (op.operationId !== undefined) out.operationId = op.operationId;
  const parameters: Json[] = Array.isArray(op.parameters) ? op.parameters.map(convertParameter) : [];
  if (requestContent) {
    const first = Object.values(requestContent)[0];
    parameters.unshift({ name: 'body', in: 'body', required: true, schema: isObject(first) ? schemaToV2(first.schema ?? {}) : {} });
  }
  if (parameters.length) out.parameters = parameters;
  out.responses = responses;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function convertParameter(p: Json): Json {
  if (!isObject(p)) return p;
  const out: JsonObject = { name: p.name ?? '', in: p.in ?? 'query' };
  if (p.description !== undefined) out.description = p.description;
  if (p.required) out.required = true;
  const schema = isObject(p.schema) ? p.schema : {};
  out.type = schema.type ?? 'string';
  if (schema.uniqueItems) out.uniqueItems = true;
  return out;
}

/** Merges OpenAPI v3 documents into one Swagger 2.0 document (kube serves all APIs in one v2 doc). */
export function swaggerFromV3(docs: Record<string, unknown>[], version: string): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const definitions: Record<string, Json> = {};
  for (const doc of docs as JsonObject[]) {
    const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
    for (const [name, schema] of Object.entries(schemas)) definitions[name] ??= schemaToV2(schema);
    for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
      if (!isObject(item)) continue;
      const converted: JsonObject = {};
      for (const [k, v] of Object.entries(item)) {
        if (k === 'parameters' && Array.isArray(v)) converted.parameters = v.map(convertParameter);
        else if (isObject(v) && ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(k)) converted[k] = convertOperation(v);
      }
      paths[path] = converted;
    }
  }
  const sortedPaths: JsonObject = {};
  for (const k of Object.keys(paths).sort()) sortedPaths[k] = paths[k]!;
  const sortedDefinitions: JsonObject = {};
  for (const k of Object.keys(definitions).sort()) sortedDefinitions[k] = definitions[k]!;
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: sortedPaths,
    definitions: sortedDefinitions,
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}

// ------------------------------------------------------------------------ protobuf encoding

/** Minimal proto3 writer: fields are written only when set, sub-messages are length-delimited. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = Math.floor(value);
    while (v > 0x7f) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  string(field: number, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    const bytes = Buffer.from(value, 'utf8');
    this.key(field, 2);
    this.varint(bytes.length);
    this.push(bytes);
  }

  strings(field: number, values: unknown): void {
    if (!Array.isArray(values)) return;
    for (const v of values) if (typeof v === 'string') this.stringAlways(field, v);
  }

  /** A string even when empty (repeated fields and oneof members keep empty values). */
  stringAlways(field: number, value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    this.key(field, 2);
    this.varint(bytes.length);
    this.push(bytes);
  }

  bool(field: number, value: unknown, always = false): void {
    if (value !== true && !(always && value === false)) return;
    this.key(field, 0);
    this.varint(value ? 1 : 0);
  }

  int64(field: number, value: unknown): void {
    if (typeof value !== 'number' || value <= 0 || !Number.isFinite(value)) return;
    this.key(field, 0);
    this.varint(value);
  }

  double(field: number, value: unknown): void {
    if (typeof value !== 'number' || value === 0) return;
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.key(field, 1);
    this.push(b);
  }

  /** A sub-message; written even when empty, because presence matters (e.g. empty properties). */
  message(field: number, build: (w: ProtoWriter) => void): void {
    const sub = new ProtoWriter();
    build(sub);
    const bytes = sub.finish();
    this.key(field, 2);
    this.varint(bytes.length);
    this.push(bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

/** gnostic stores free-form values (defaults, enums, vendor extensions) as YAML text; JSON is valid YAML. */
function writeAny(w: ProtoWriter, field: number, value: Json): void {
  w.message(field, (a) => a.stringAlways(2, `${JSON.stringify(value)}\n`));
}

function writeExtensions(w: ProtoWriter, field: number, obj: JsonObject): void {
  for (const [k, v] of Object.entries(obj)) {
    if (!k.startsWith('x-')) continue;
    w.message(field, (n) => {
      n.stringAlways(1, k);
      writeAny(n, 2, v);
    });
  }
}

function writeSchema(w: ProtoWriter, s: Json): void {
  if (!isObject(s)) return;
  w.string(1, s.$ref);
  w.string(2, s.format);
  w.string(3, s.title);
  w.string(4, s.description);
  if (s.default !== undefined) writeAny(w, 5, s.default);
  w.double(6, s.multipleOf);
  w.double(7, s.maximum);
  w.bool(8, s.exclusiveMaximum);
  w.double(9, s.minimum);
  w.bool(10, s.exclusiveMinimum);
  w.int64(11, s.maxLength);
  w.int64(12, s.minLength);
  w.string(13, s.pattern);
  w.int64(14, s.maxItems);
  w.int64(15, s.minItems);
  w.bool(16, s.uniqueItems);
  w.int64(17, s.maxProperties);
  w.int64(18, s.minProperties);
  w.strings(19, s.required);
  if (Array.isArray(s.enum)) for (const e of s.enum) writeAny(w, 20, e);
  if (typeof s.additionalProperties === 'boolean') {
    const b = s.additionalProperties;
    w.message(21, (a) => a.bool(2, b, true));
  } else if (isObject(s.additionalProperties)) {
    const sub = s.additionalProperties;
    w.message(21, (a) => a.message(1, (x) => writeSchema(x, sub)));
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    w.message(22, (t) => t.strings(1, types));
  }
  if (s.items !== undefined) {
    const items = Array.isArray(s.items) ? s.items : [s.items];
    w.message(23, (it) => {
      for (const item of items) it.message(1, (x) => writeSchema(x, item));
    });
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) w.message(24, (x) => writeSchema(x, sub));
  if (isObject(s.properties)) {
    const props = s.properties;
    w.message(25, (p) => {
      for (const [name, sub] of Object.entries(props)) {
        p.message(1, (n) => {
          n.stringAlways(1, name);
          n.message(2, (x) => writeSchema(x, sub));
        });
      }
    });
  }
  w.bool(27, s.readOnly);
  if (s.example !== undefined) writeAny(w, 30, s.example);
  writeExtensions(w, 31, s);
}

function writeParameter(w: ProtoWriter, p: Json): void {
  if (!isObject(p)) return;
  // ParametersItem.parameter -> Parameter
  w.message(1, (param) => {
    if (p.in === 'body') {
      param.message(1, (b) => {
        b.string(1, p.description);
        b.string(2, p.name);
        b.string(3, p.in);
        b.bool(4, p.required);
        b.message(5, (x) => writeSchema(x, p.schema ?? {}));
      });
      return;
    }
    param.message(2, (nb) => {
      // NonBodyParameter oneof: 1 header, 2 formData, 3 query, 4 path; the field numbers of the
      // sub-schemas differ (query has allow_empty_value at 5, shifting the rest by one).
      const sub = p.in === 'path' ? 4 : p.in === 'header' ? 1 : p.in === 'formData' ? 2 : 3;
      const shifted = sub === 2 || sub === 3;
      nb.message(sub, (q) => {
        q.bool(1, p.required);
        q.string(2, p.in);
        q.string(3, p.description);
        q.string(4, p.name);
        q.string(shifted ? 6 : 5, p.type);
        q.bool(shifted ? 20 : 19, p.uniqueItems);
      });
    });
  });
}

function writeOperation(w: ProtoWriter, op: JsonObject): void {
  w.strings(1, op.tags);
  w.string(3, op.description);
  w.string(5, op.operationId);
  w.strings(6, op.produces);
  w.strings(7, op.consumes);
  if (Array.isArray(op.parameters)) for (const p of op.parameters) w.message(8, (x) => writeParameter(x, p));
  if (isObject(op.responses)) {
    const responses = op.responses;
    w.message(9, (rs) => {
      for (const [code, r] of Object.entries(responses)) {
        if (!isObject(r)) continue;
        rs.message(1, (named) => {
          named.stringAlways(1, code);
          named.message(2, (value) =>
            value.message(1, (resp) => {
              resp.stringAlways(1, typeof r.description === 'string' ? r.description : '');
              if (r.schema !== undefined) resp.message(2, (item) => item.message(1, (x) => writeSchema(x, r.schema!)));
            }),
          );
        });
      }
    });
  }
  w.strings(10, op.schemes);
  writeExtensions(w, 13, op);
}

const PATH_OPERATION_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** gnostic openapi.v2.Document bytes for a Swagger 2.0 document. */
export function encodeSwaggerProtobuf(doc: JsonObject): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, doc.swagger);
  if (isObject(doc.info)) {
    const info = doc.info;
    w.message(2, (i) => {
      i.string(1, info.title);
      i.string(2, info.version);
    });
  }
  if (isObject(doc.paths)) {
    const paths = doc.paths;
    w.message(8, (ps) => {
      for (const [path, item] of Object.entries(paths)) {
        if (!isObject(item)) continue;
        ps.message(2, (named) => {
          named.stringAlways(1, path);
          named.message(2, (pi) => {
            for (const [method, field] of Object.entries(PATH_OPERATION_FIELDS)) {
              const op = item[method];
              if (isObject(op)) pi.message(field, (x) => writeOperation(x, op));
            }
            if (Array.isArray(item.parameters)) for (const p of item.parameters) pi.message(9, (x) => writeParameter(x, p));
          });
        });
      }
    });
  }
  if (isObject(doc.definitions)) {
    const defs = doc.definitions;
    w.message(9, (d) => {
      for (const [name, schema] of Object.entries(defs)) {
        d.message(1, (named) => {
          named.stringAlways(1, name);
          named.message(2, (x) => writeSchema(x, schema));
        });
      }
    });
  }
  if (Array.isArray(doc.security)) {
    for (const req of doc.security) {
      if (!isObject(req)) continue;
      w.message(12, (r) => {
        for (const [name, scopes] of Object.entries(req)) {
          r.message(1, (n) => {
            n.stringAlways(1, name);
            n.message(2, (arr) => arr.strings(1, scopes));
          });
        }
      });
    }
  }
  if (isObject(doc.securityDefinitions)) {
    const defs = doc.securityDefinitions;
    w.message(13, (sd) => {
      for (const [name, def] of Object.entries(defs)) {
        if (!isObject(def)) continue;
        sd.message(1, (n) => {
          n.stringAlways(1, name);
          // SecurityDefinitionsItem.api_key_security = 2
          n.message(2, (item) =>
            item.message(2, (k) => {
              k.string(1, def.type);
              k.string(2, def.name);
              k.string(3, def.in);
              k.string(4, def.description);
            }),
          );
        });
      }
    });
  }
  return w.finish();
}
