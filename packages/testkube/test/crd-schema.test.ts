// Structural-schema behaviour of custom resources: kube-openapi validation messages, pruning,
// defaulting, list types, CRD schema checks, printer columns and JSONPath, human durations.
import { describe, it, expect } from '@jest/globals';
import {
  applyDefaults,
  formatValid,
  normalizeSchema,
  prune,
  pruneAndDefault,
  strictDecodingError,
  unknownFieldsWarningHeader,
  unknownFieldWarnings,
  validateAgainstSchema,
  validateCRDSchema,
  validateListSetsAndMaps,
  validateStructuralSchema,
} from '../src/crd/schema.js';
import type { KubeObject, StrategyContext } from '../src/resources/types.js';
import { customResourceDefinitionHooks, crdTableConverter, humanDuration, sortJSONKeys, storageVersionHash, strictUnknownFieldsMessage, validateCRD, defaultCRD } from '../src/crd/crd.js';
import { customColumnText, findJsonPath, goFloatV, parseJsonPath } from '../src/crd/jsonpath.js';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });

describe('validateAgainstSchema (kube-openapi messages)', () => {
  it('type errors name the JSON type found, twice', () => {
    const s = obj({ spec: obj({ n: { type: 'integer' }, s: { type: 'string' }, l: { type: 'array', items: { type: 'string' } } }) });
    expect(validateAgainstSchema(s, { spec: { n: 1.5, s: true, l: { a: 1 } } })).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "number": spec.n in body must be of type integer: "number"', field: 'spec.n' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "boolean": spec.s in body must be of type string: "boolean"', field: 'spec.s' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "object": spec.l in body must be of type array: "object"', field: 'spec.l' },
    ]);
  });

  it('required fields are reported in the order of the required list', () => {
    const s = obj({ a: { type: 'string' }, b: { type: 'string' } }, { required: ['b', 'a'] });
    expect(validateAgainstSchema(s, {})).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'b' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'a' },
    ]);
  });

  it('enum, pattern, lengths, bounds, item counts', () => {
    const s = obj({
      mode: { type: 'string', enum: ['a', 'b'] },
      name: { type: 'string', pattern: '^[a-z]+$' },
      short: { type: 'string', minLength: 3 },
      long: { type: 'string', maxLength: 2 },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      ratio: { type: 'number', exclusiveMaximum: true, maximum: 1.5 },
      few: { type: 'array', items: { type: 'string' }, minItems: 2 },
      many: { type: 'array', items: { type: 'string' }, maxItems: 1 },
      odd: { type: 'integer', multipleOf: 2 },
    });
    expect(validateAgainstSchema(s, { mode: 'c', name: 'A1', short: 'x', long: 'xyz', port: 0, ratio: 1.5, few: ['a'], many: ['a', 'b'], odd: 3 })).toEqual([
      { reason: 'FieldValueNotSupported', message: 'Unsupported value: "c": supported values: "a", "b"', field: 'mode' },
      { reason: 'FieldValueInvalid', message: `Invalid value: "A1": name in body should match '^[a-z]+$'`, field: 'name' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "x": short in body should be at least 3 chars long', field: 'short' },
      { reason: 'FieldValueTooLong', message: 'Too long: may not be longer than 2', field: 'long' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 0: port in body should be greater than or equal to 1', field: 'port' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 1.5: ratio in body should be less than 1.5', field: 'ratio' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 1: few in body should have at least 2 items', field: 'few' },
      { reason: 'FieldValueTooMany', message: 'Too many: 2: must have at most 1 items', field: 'many' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 3: odd in body should be a multiple of 2', field: 'odd' },
    ]);
  });

  it('formats as kube validates them', () => {
    const s = obj({ ip: { type: 'string', format: 'ipv4' }, net: { type: 'string', format: 'cidr' }, when: { type: 'string', format: 'date-time' }, odd: { type: 'string', format: 'no-such-format' } });
    expect(validateAgainstSchema(s, { ip: '192.0.2.1', net: '192.0.2.0/24', when: '2026-11-24T18:35:22Z', odd: 'x' })).toEqual([]);
    expect(validateAgainstSchema(s, { ip: '192.0.2', net: '192.0.2.0/33', when: 'yesterday' })).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "192.0.2": ip in body must be of type ipv4: "192.0.2"', field: 'ip' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "192.0.2.0/33": net in body must be of type cidr: "192.0.2.0/33"', field: 'net' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "yesterday": when in body must be of type date-time: "yesterday"', field: 'when' },
    ]);
    expect(formatValid('ipv6', '2001:db8::1')).toBe(true);
    expect(formatValid('ipv6', '192.0.2.1')).toBe(false);
    expect(formatValid('ipv4', '010.1.1.1')).toBe(true);
    expect(formatValid('mac', '00:11:22:33:44:55')).toBe(true);
    expect(formatValid('uuid', 'a0b1c2d3-e4f5-6789-abcd-ef0123456789')).toBe(true);
    expect(formatValid('date', '2024-02-30')).toBe(false);
    expect(formatValid('duration', '1h30m')).toBe(true);
    expect(formatValid('byte', 'aGVsbG8=')).toBe(true);
    expect(formatValid('quantity', '10Gi')).toBe(true);
  });

  it('nullable, int-or-string, additionalProperties and status-relative paths', () => {
    const s = obj({
      maybe: { type: 'string', nullable: true },
      port: { 'x-kubernetes-int-or-string': true },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      list: { type: 'array', items: { type: 'string' } },
    });
    expect(validateAgainstSchema(s, { maybe: null, port: 'http', labels: { a: 'x' } })).toEqual([]);
    expect(validateAgainstSchema(s, { port: true, labels: { a: 1 }, list: [null] })).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "boolean": port in body must be of type integer,string: "boolean"', field: 'port' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "integer": labels.a in body must be of type string: "integer"', field: 'labels.a' },
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "null": list[0] in body must be of type string: "null"', field: 'list[0]' },
    ]);
    expect(validateAgainstSchema(obj({ allocated: { type: 'integer' } }), { allocated: 'x' }, 'status')[0]!.field).toBe('status.allocated');
  });
});

describe('pruning and defaulting', () => {
  const schema = obj({
    spec: obj({
      keep: { type: 'string' },
      free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { typed: obj({ x: { type: 'string' } }) } },
      list: { type: 'array', items: obj({ a: { type: 'string' } }) },
      mode: { type: 'string', default: 'auto' },
      nested: obj({ level: { type: 'integer', default: 3 } }, { default: {} }),
      gone: { type: 'string' },
    }),
  });

  it('drops unknown fields, keeps preserved ones, and reports sorted paths', () => {
    const o: Record<string, any> = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', bogus: 1, ownerReferences: [{ name: 'o', extra: true }] },
      zzz: 1,
      spec: { keep: 'k', drop: 1, free: { any: { deep: 1 }, typed: { x: 'y', y: 'z' } }, list: [{ a: 'b', c: 'd' }], gone: null },
    };
    const { unknownFields } = pruneAndDefault(schema, o);
    expect(unknownFields).toEqual(['metadata.bogus', 'metadata.ownerReferences[0].extra', 'spec.drop', 'spec.free.typed.y', 'spec.list[0].c', 'zzz']);
    expect(o).toEqual({
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', ownerReferences: [{ name: 'o' }] },
      spec: { keep: 'k', free: { any: { deep: 1 }, typed: { x: 'y' } }, list: [{ a: 'b' }], mode: 'auto', nested: { level: 3 } },
    });
  });

  it('applies defaults only where values are missing', () => {
    const o: Record<string, any> = { spec: { mode: 'manual', nested: { level: 7 } } };
    applyDefaults(schema, o);
    expect(o.spec).toEqual({ mode: 'manual', nested: { level: 7 } });
  });

  it('prunes everything but type and object meta without a schema', () => {
    const o = { apiVersion: 'a/v1', kind: 'K', metadata: {}, spec: {}, status: {} };
    expect(prune(undefined, o)).toEqual(['spec', 'status']);
  });

  it('builds warning headers and strict errors', () => {
    expect(unknownFieldWarnings(['a', 'spec.b'])).toEqual(['299 - "unknown field \\"a\\""', '299 - "unknown field \\"spec.b\\""']);
    expect(unknownFieldsWarningHeader(['a', 'spec.b'])).toBe('299 - "unknown field \\"a\\"", 299 - "unknown field \\"spec.b\\""');
    expect(strictDecodingError(['spec.a', 'spec.b'])).toBe('strict decoding error: unknown field "spec.a", unknown field "spec.b"');
    expect(strictUnknownFieldsMessage(['spec.a'], 'Widget', 'v1')).toBe('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.a"');
  });
});

describe('list types', () => {
  const schema = obj({
    tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    ports: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['port', 'protocol'],
      items: obj({ port: { type: 'integer' }, protocol: { type: 'string' } }, { required: ['port', 'protocol'] }),
    },
  });
  it('reports the second occurrence of duplicates', () => {
    expect(
      validateListSetsAndMaps(schema, {
        tags: ['a', 'b', 'a', 'a'],
        ports: [
          { port: 80, protocol: 'TCP' },
          { port: 80, protocol: 'UDP' },
          { port: 80, protocol: 'TCP' },
        ],
      }),
    ).toEqual([
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: "a"', field: 'tags[2]' },
      { reason: 'FieldValueDuplicate', message: 'Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}', field: 'ports[2]' },
    ]);
  });
});

describe('CRD schema checks', () => {
  it('structural errors are sorted by their text', () => {
    const s = obj({ spec: { properties: { x: {} } }, list: { type: 'array' } });
    expect(validateStructuralSchema(s, 'spec.validation.openAPIV3Schema').map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.validation.openAPIV3Schema.properties[list].items: Required value: must be specified',
      'spec.validation.openAPIV3Schema.properties[spec].properties[x].type: Required value: must not be empty for specified object fields',
      'spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    ]);
  });

  it('OpenAPI subset, list-type and default checks', () => {
    const s = obj({
      u: { type: 'array', uniqueItems: true, items: { type: 'string' } },
      m: { type: 'array', 'x-kubernetes-list-type': 'map', items: obj({ k: { type: 'string' } }) },
      d: { type: 'integer', default: 'x' },
      t: { type: 'thing' },
    });
    expect(validateCRDSchema(s, 'spec.validation', { statusEnabled: false }).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.validation.openAPIV3Schema.properties[d].default: Invalid value: "string":  in body must be of type integer: "string"',
      'spec.validation.openAPIV3Schema.properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      'spec.validation.openAPIV3Schema.properties[m].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map',
      'spec.validation.openAPIV3Schema.properties[t].type: Unsupported value: "thing": supported values: "array", "boolean", "integer", "number", "object", "string"',
    ]);
  });

  it('restricts the root schema when the status subresource is enabled', () => {
    expect(validateCRDSchema({ type: 'object', minProperties: 1, properties: {} }, 'spec.validation', { statusEnabled: true })[0]!.message).toMatch(
      /^Invalid value: "": only \[Description Type Format .* XValidations\] fields are allowed at the root of the schema if the status subresource is enabled$/,
    );
  });

  it('validateCRD checks names, versions, columns and scope', () => {
    const crd = {
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Global',
        names: { plural: 'things', kind: 'Thing', shortNames: ['T'] },
        versions: [
          { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [{ name: 'X', type: 'text', jsonPath: 'spec.x' }] },
        ],
      },
    };
    expect(validateCRD(crd).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      'spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil)}}: must have exactly one version marked as storage version',
      "spec.names.shortNames[0]: Invalid value: \"T\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
      'status.storedVersions: Invalid value: []string{}: must have at least one stored version',
    ]);
  });

  it('normalizes schemas into kube field order with sorted properties', () => {
    expect(JSON.stringify(normalizeSchema({ properties: { b: { type: 'string' }, a: { type: 'integer' } }, type: 'object', description: 'd', nullable: false }))).toBe(
      '{"description":"d","type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"}}}',
    );
  });

  it('defaultCRD fills names and conversion and the initial status', () => {
    const d = defaultCRD({ metadata: { name: 'ws.example.com' }, spec: { group: 'example.com', scope: 'Cluster', names: { plural: 'ws', kind: 'W' }, versions: [{ name: 'v2', served: true, storage: true }] } });
    expect(d.spec.names).toEqual({ plural: 'ws', singular: 'w', kind: 'W', listKind: 'WList' });
    expect(d.spec.conversion).toEqual({ strategy: 'None' });
    expect(d.status).toEqual({ conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: ['v2'] });
  });
});

describe('printer columns, JSONPath, durations', () => {
  it('defaults to Name + Age and types cells', () => {
    const conv = crdTableConverter([]);
    expect(conv.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
    expect(conv.cells({ metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' } }, new Date('2026-01-01T00:05:00Z'))).toEqual(['a', '5m']);
  });

  it('renders typed cells, first match for wildcards, JSON for objects', () => {
    const conv = crdTableConverter([
      { name: 'N', type: 'number', jsonPath: '.spec.n' },
      { name: 'B', type: 'boolean', jsonPath: '.spec.b' },
      { name: 'P', type: 'string', jsonPath: '.spec.ports[*].port' },
      { name: 'O', type: 'string', jsonPath: '.spec.o' },
      { name: 'W', type: 'date', jsonPath: '.spec.when' },
      { name: 'I', type: 'integer', jsonPath: '.spec.s' },
    ]);
    const o = { metadata: { name: 'x' }, spec: { n: 2, b: true, ports: [{ port: 80 }, { port: 443 }], o: { a: 1 }, when: 'not a time', s: '7' } };
    expect(conv.cells(o, new Date())).toEqual(['x', 2, true, '80', '{"a":1}', '<invalid>', null]);
  });

  it('evaluates the JSONPath subset', () => {
    const o = { a: { b: [{ c: 1 }, { c: 2 }, { c: 3 }], 'x.y': 'dotted' } };
    expect(findJsonPath(o, '.a.b[0].c')).toEqual([1]);
    expect(findJsonPath(o, '.a.b[*].c')).toEqual([1, 2, 3]);
    expect(findJsonPath(o, '.a.b[-1].c')).toEqual([3]);
    expect(findJsonPath(o, '.a.b[0:2].c')).toEqual([1, 2]);
    expect(findJsonPath(o, "{.a['x.y']}")).toEqual(['dotted']);
    expect(findJsonPath(o, '.a.missing.deep')).toEqual([]);
    expect(customColumnText(findJsonPath(o, '.a.b[*].c'))).toBe('1,2,3');
    expect(customColumnText([])).toBe('<none>');
    expect(() => parseJsonPath('.a[?(@.c==1)]')).toThrow(/filter expressions are not supported/);
  });

  it.each<[number, string]>([
    [-3000, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3600_000, '3h'],
    [3 * 3600_000 + 20 * 60_000, '3h20m'],
    [8 * 3600_000, '8h'],
    [47 * 3600_000, '47h'],
    [2 * 86400_000, '2d'],
    [2 * 86400_000 + 5 * 3600_000, '2d5h'],
    [8 * 86400_000, '8d'],
    [400 * 86400_000, '400d'],
    [730 * 86400_000, '2y'],
    [731 * 86400_000, '2y1d'],
    [8 * 365 * 86400_000, '8y'],
  ])('humanDuration(%i) = %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('formats floats like Go and hashes storage versions like kube', () => {
    expect(goFloatV(1.5)).toBe('1.5');
    expect(goFloatV(1e6)).toBe('1e+06');
    expect(goFloatV(0.00001)).toBe('1e-05');
    expect(storageVersionHash('purelb.io', 'v1', 'ServiceGroup')).toBe('CA0CM109syc=');
    expect(JSON.stringify(sortJSONKeys({ spec: { b: 1, a: [{ z: 1, y: 2 }] }, kind: 'K', apiVersion: 'v' }))).toBe('{"apiVersion":"v","kind":"K","spec":{"a":[{"y":2,"z":1}],"b":1}}');
  });
});

describe('customResourceDefinitionHooks', () => {
  const ctx = {} as StrategyContext;
  const base = (): KubeObject => ({
    metadata: { name: 'ws.example.com', uid: 'u', resourceVersion: '7', generation: 1 },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'ws', kind: 'W' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  });

  it('create defaults the CRD and validates it', () => {
    const obj = base();
    customResourceDefinitionHooks.prepareCreate!(ctx, obj);
    expect(obj.status).toEqual({ conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
    expect(customResourceDefinitionHooks.validateCreate!(ctx, obj)).toEqual([]);
  });

  it('update keeps status, bumps generation on spec changes, records new storage versions', () => {
    const old = base();
    customResourceDefinitionHooks.prepareCreate!(ctx, old);
    old.status.conditions = [{ type: 'Established', status: 'True' }];
    const obj = base();
    obj.spec.versions = [
      { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } },
    ];
    obj.spec.names.kind = 'Widget';
    customResourceDefinitionHooks.prepareUpdate!(ctx, obj, old);
    expect(obj.metadata?.generation).toBe(2);
    expect(obj.status.storedVersions).toEqual(['v1', 'v2']);
    expect(obj.status.conditions).toEqual([{ type: 'Established', status: 'True' }]);
    expect(customResourceDefinitionHooks.validateUpdate!(ctx, obj, old)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "Widget": field is immutable', field: 'spec.names.kind' },
    ]);
  });
});
