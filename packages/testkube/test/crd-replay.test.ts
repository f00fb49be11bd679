// Replays the CRD and custom-resource exchanges of 04-crd.jsonl through the pure CRD functions
// (defaulting, validation, pruning, table conversion) and compares with what kube-apiserver
// answered. Volatile fields (uid, resourceVersion, timestamps, managedFields) are ignored.
import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { invalidError } from '../src/errors.js';
import { cannotBeHandledMessage, duplicateFieldText, findDuplicateJsonFields, pruneAndDefault, strictDecodingError } from '../src/crd/schema.js';
import {
  crdOpenAPIv3,
  crdResourceType,
  defaultCRD,
  pruneUnknownFields,
  strictUnknownFieldsMessage,
  unknownFieldsWarning,
  validateCRD,
} from '../src/crd/crd.js';
import type { KubeObject, StrategyContext } from '../src/resources/types.js';

interface Exchange {
  seq: number;
  step: string;
  method: string;
  path: string;
  rawQuery?: string;
  requestBody: any;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: any;
}

const RECORDING = '/work/shared/kube-api-recordings/04-crd.jsonl';
const exchanges: Exchange[] = readFileSync(RECORDING, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Exchange);
const bySeq = (n: number): Exchange => exchanges.find((e) => e.seq === n)!;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const ctx = {} as StrategyContext;
const crd = defaultCRD(bySeq(2).requestBody);
const type = crdResourceType(crd, 'v1');

function withoutVolatileMeta(o: KubeObject): KubeObject {
  const c = clone(o);
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete c.metadata?.[k];
  return c;
}

/** What the server would answer for a CR POST: pruning, hooks, then 201 body or 422 Status. */
function createCR(body: KubeObject, fieldValidation?: string) {
  const obj = clone(body);
  const unknown = pruneUnknownFields(crd, 'v1', obj);
  if (unknown.length && fieldValidation === 'Strict') {
    return { status: 400, message: strictUnknownFieldsMessage(unknown, type.kind, type.version), warnings: [] as string[] };
  }
  const warnings = unknown.length && fieldValidation !== 'Ignore' ? unknownFieldsWarning(unknown) : [];
  obj.metadata = { ...obj.metadata, namespace: 'rec-crd' };
  type.hooks!.prepareCreate!(ctx, obj);
  const causes = type.hooks!.validateCreate!(ctx, obj);
  if (causes.length) {
    return { status: 422, body: invalidError(type.kind, obj.metadata?.name ?? '', causes, type.group).toStatus(), warnings };
  }
  return { status: 201, body: obj, warnings };
}

describe('04-crd: the CRD itself', () => {
  it('defaultCRD produces the recorded 201 body (same keys, same order)', () => {
    const recorded = withoutVolatileMeta(bySeq(2).responseBody);
    const mine = withoutVolatileMeta({ kind: 'CustomResourceDefinition', apiVersion: 'apiextensions.k8s.io/v1', ...defaultCRD(bySeq(2).requestBody) });
    expect(JSON.stringify(mine)).toBe(JSON.stringify(recorded));
  });

  it('accepts the valid CRD', () => {
    expect(validateCRD(bySeq(2).requestBody)).toEqual([]);
  });

  it.each([62, 63])('rejects the invalid CRD of seq %i with the recorded Status', (seq) => {
    const ex = bySeq(seq);
    const causes = validateCRD(ex.requestBody);
    const status = invalidError('CustomResourceDefinition', ex.requestBody.metadata.name, causes, 'apiextensions.k8s.io').toStatus();
    expect(status).toEqual(ex.responseBody);
  });
});

describe('04-crd: custom resource creates', () => {
  const creates = exchanges.filter((e) => e.method === 'POST' && e.path.endsWith('/servicegroups') && e.requestBody?.apiVersion === 'purelb.io/v1' && e.seq !== 20);
  it.each(creates.map((e) => [e.seq, e.step] as const))('seq %i: %s', (seq) => {
    const ex = bySeq(seq);
    const fv = /fieldValidation=(\w+)/.exec(ex.rawQuery ?? '')?.[1];
    const res = createCR(ex.requestBody, fv);
    expect(res.status).toBe(ex.status);
    const warning = ex.responseHeaders.warning;
    expect(res.warnings.length ? res.warnings.join(', ') : undefined).toBe(warning);
    if (res.status === 400) {
      expect(res.message).toBe(ex.responseBody.message);
    } else if (res.status === 422) {
      expect(res.body).toEqual(ex.responseBody);
    } else {
      const recorded = withoutVolatileMeta(ex.responseBody);
      const mine = withoutVolatileMeta({ apiVersion: 'purelb.io/v1', kind: 'ServiceGroup', ...res.body });
      expect(mine).toEqual(recorded);
    }
  });
});

describe('04-crd: other decoding outcomes', () => {
  it('seq 20: a duplicated key is found in the raw JSON body', () => {
    const raw = '{"apiVersion":"purelb.io/v1","kind":"ServiceGroup","metadata":{"name":"sg-dup","name":"sg-dup2"},"spec":{}}';
    const dups = findDuplicateJsonFields(raw);
    expect(dups).toEqual(['metadata.name']);
    const msg = cannotBeHandledMessage('ServiceGroup', 'v1', strictDecodingError([], dups.map(duplicateFieldText)));
    expect(msg).toBe(bySeq(20).responseBody.message);
  });

  it('seq 21: a body for an unserved version is pruned down to type and object meta', () => {
    const obj = clone(bySeq(21).requestBody);
    const unknown = pruneAndDefault(undefined, obj).unknownFields;
    expect(unknownFieldsWarning(unknown).join(', ')).toBe(bySeq(21).responseHeaders.warning);
  });
});

describe('04-crd: updates and the status subresource', () => {
  it('seq 23: a main-resource PUT ignores status and bumps generation on spec change', () => {
    const old = clone(bySeq(22).responseBody);
    const obj = clone(bySeq(23).requestBody);
    type.hooks!.prepareUpdate!(ctx, obj, old);
    expect(type.hooks!.validateUpdate!(ctx, obj, old)).toEqual([]);
    expect(obj.status).toBeUndefined();
    expect(obj.metadata?.generation).toBe(2);
    expect(obj.spec).toEqual(bySeq(23).responseBody.spec);
  });

  it('seq 28: a metadata-only change keeps the generation', () => {
    const old = clone(bySeq(26).responseBody);
    const obj = clone(old);
    obj.metadata!.annotations = { note: 'metadata only' };
    type.hooks!.prepareUpdate!(ctx, obj, old);
    expect(obj.metadata?.generation).toBe(bySeq(28).responseBody.metadata.generation);
    expect(obj.status).toEqual(old.status);
  });

  it('seq 26: a valid /status write passes', () => {
    const old = clone(bySeq(25).responseBody);
    const obj = clone(old);
    obj.status = { allocated: 4, message: 'put' };
    expect(type.hooks!.validateStatusUpdate!(ctx, obj, old)).toEqual([]);
  });

  it('seq 27: an invalid /status write reports the path relative to status', () => {
    const old = clone(bySeq(26).responseBody);
    const obj = clone(old);
    obj.status.allocated = 'many';
    const causes = type.hooks!.validateStatusUpdate!(ctx, obj, old);
    expect(invalidError(type.kind, 'sg-default', causes, type.group).toStatus()).toEqual(bySeq(27).responseBody);
  });

  it('seq 29: a JSON patch removing a required field is refused', () => {
    const old = clone(bySeq(28).responseBody);
    const obj = clone(old);
    delete obj.spec.local.v4pools[0].pool;
    type.hooks!.prepareUpdate!(ctx, obj, old);
    const causes = type.hooks!.validateUpdate!(ctx, obj, old);
    expect(invalidError(type.kind, 'sg-default', causes, type.group).toStatus()).toEqual(bySeq(29).responseBody);
  });
});

describe('04-crd: discovery data and tables', () => {
  it('matches the APIResourceList entry of seq 5', () => {
    const res = bySeq(5).responseBody.resources[0];
    expect(type.resource).toBe(res.name);
    expect(type.singular).toBe(res.singularName);
    expect(type.namespaced).toBe(res.namespaced);
    expect(type.kind).toBe(res.kind);
    expect(type.verbs).toEqual(res.verbs);
    expect(type.shortNames).toEqual(res.shortNames);
    expect(type.categories).toEqual(res.categories);
    expect(type.storageVersionHash).toBe(res.storageVersionHash);
    expect(type.subresources).toEqual(['status']);
    expect(type.deleteReturnsObject).toBe(false);
    expect(type.statusWriteKeepsMetadata).toBe(false);
    expect(type.tracksGeneration).toBe(true);
    expect(type.strategicSchema).toBeUndefined();
  });

  it.each([36, 38, 44])('seq %i: column definitions and cells', (seq) => {
    const table = bySeq(seq).responseBody;
    const conv = type.table!;
    expect(conv.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(table.columnDefinitions);
    for (const row of table.rows) {
      const name = row.object.metadata.name;
      const full = bySeq(38).responseBody.rows.find((r: any) => r.object.metadata.name === name).object;
      const now = new Date(Date.parse(full.metadata.creationTimestamp));
      expect(conv.cells(full, now)).toEqual(row.cells);
    }
  });
});

describe('04-crd: OpenAPI v3 document for the group-version', () => {
  it('names the kind schema like kube and keeps strategic merge patch out of PATCH', () => {
    const doc = crdOpenAPIv3(crd, 'v1') as any;
    const schema = doc.components.schemas['io.purelb.v1.ServiceGroup'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([{ group: 'purelb.io', kind: 'ServiceGroup', version: 'v1' }]);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata', 'spec', 'status']));
    const item = doc.paths['/apis/purelb.io/v1/namespaces/{namespace}/servicegroups/{name}'];
    expect(Object.keys(item.patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
  });
});
