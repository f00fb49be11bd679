// The built-in type registry against the recorded discovery documents of 01: every type's
// resource list entry (kind, scope, verbs, shortNames, categories, storageVersionHash,
// subresources) must be what kube-apiserver v1.28 reported, plus the DELETE answer per type.
import { describe, expect, it } from '@jest/globals';
import { builtinResourceTypes } from '../src/resources/builtin/index.js';
import { customResourceDefinitionsResource } from '../src/resources/builtin/crds.js';
import { FakeRegistry, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const discovery = recording('01-discovery.jsonl');
const LISTS: Record<string, any> = {};
for (const seq of [3, 5, 6, 7, 8, 9]) {
  const ex = exchange(discovery, seq);
  LISTS[ex.responseBody.groupVersion] = ex.responseBody;
}

const types = builtinResourceTypes();

describe('builtinResourceTypes', () => {
  it('serves each group/version/resource once, Services included', () => {
    const keys = types.map((t) => `${t.group}/${t.version}/${t.resource}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(
      expect.arrayContaining([
        '/v1/configmaps',
        '/v1/endpoints',
        '/v1/events',
        '/v1/namespaces',
        '/v1/nodes',
        '/v1/pods',
        '/v1/secrets',
        '/v1/serviceaccounts',
        '/v1/services',
        'apps/v1/daemonsets',
        'apps/v1/deployments',
        'coordination.k8s.io/v1/leases',
        'discovery.k8s.io/v1/endpointslices',
        'events.k8s.io/v1/events',
        'apiextensions.k8s.io/v1/customresourcedefinitions',
      ]),
    );
  });

  it.each(types.filter((t) => t.resource !== 'services').map((t) => [`${t.group || 'core'}/${t.resource}`, t] as const))(
    'matches the recorded discovery entry of %s',
    (_name, t) => {
      const list = LISTS[t.group ? `${t.group}/${t.version}` : t.version];
      const entry = list.resources.find((r: any) => r.name === t.resource);
      expect({
        name: t.resource,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs,
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        ...(t.categories ? { categories: t.categories } : {}),
        storageVersionHash: t.storageVersionHash,
      }).toEqual(entry);
      const subs = list.resources.filter((r: any) => r.name.startsWith(`${t.resource}/`)).map((r: any) => r.name.slice(t.resource.length + 1));
      expect([...t.subresources].sort()).toEqual(subs.sort());
      expect(t.hasStatusSubresource).toBe(subs.includes('status'));
      expect(t.listKind).toBe(`${t.kind}List`);
    },
  );

  it('answers DELETE with the object only for Namespaces, Services and CRDs (README #5)', () => {
    const returning = types.filter((t) => t.deleteReturnsObject).map((t) => t.resource).sort();
    expect(returning).toEqual(['customresourcedefinitions', 'namespaces', 'services']);
  });

  it('gives every built-in type strategic merge metadata and Table printers except CRDs', () => {
    for (const t of types) expect(t.strategicSchema).toBeDefined();
    expect(types.filter((t) => !t.table).map((t) => t.resource)).toEqual(['customresourcedefinitions']);
  });
});

describe('customresourcedefinitions', () => {
  const CRD = customResourceDefinitionsResource();
  const rec = recording('04-crd.jsonl');

  it('creates the recorded CRD with its initial status (04 seq 2)', () => {
    const ex = exchange(rec, 2);
    const reg = new FakeRegistry(fakeCtx());
    expect(reg.create(CRD, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it.each([62, 63])('rejects the recorded invalid CRD (04 seq %i)', (seq) => {
    const ex = exchange(rec, seq);
    const reg = new FakeRegistry(fakeCtx());
    expect(reg.create(CRD, ex.requestBody)).toEqual({ status: 422, body: ex.responseBody });
  });

  it('keeps metadata out of /status writes and tracks generation', () => {
    expect(CRD.statusWriteKeepsMetadata).toBe(false);
    expect(CRD.tracksGeneration).toBe(true);
    expect(CRD.namespaced).toBe(false);
  });
});
