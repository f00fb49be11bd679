// OpenAPI documents: structure (every $ref resolves, kube's naming and extensions), the hash
// contract of the /openapi/v3 path list, the patch metadata kubectl uses for client-side apply
// (checked by walking manifests the way kubectl's strategic-merge code does), CRD documents, and
// the Swagger 2.0 / protobuf form served at /openapi/v2.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  BUILTIN_SCHEMAS,
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  crdDocument,
  openapiHash,
  openapiV2Document,
  openapiV2Protobuf,
  openapiV3Document,
  openapiV3Paths,
  openapiV3Root,
  schemaNameFor,
  serveOpenAPI,
} from '../src/openapi.js';
import type { ResourceType } from '../src/resources/types.js';
import { builtinResourceTypes } from '../src/resources/builtin/index.js';
import { startTestKube, type TestKube } from '../src/index.js';

const RECORDINGS_DIR = join(process.cwd(), '..', 'shared', 'kube-api-recordings');
const records = (file: string): any[] =>
  readFileSync(join(RECORDINGS_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function type(group: string, resource: string, kind: string, extra: Partial<ResourceType> = {}): ResourceType {
  return {
    group,
    version: 'v1',
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced: true,
    verbs: VERBS,
    subresources: [],
    deleteReturnsObject: false,
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    ...extra,
  };
}

/** The kinds the brief lists, shaped like the served built-ins. */
const TYPES: ResourceType[] = [
  type('', 'configmaps', 'ConfigMap'),
  type('', 'endpoints', 'Endpoints', { singular: 'endpoints' }),
  type('', 'events', 'Event'),
  type('', 'namespaces', 'Namespace', { namespaced: false, subresources: ['finalize', 'status'], deleteReturnsObject: true }),
  type('', 'nodes', 'Node', { namespaced: false, subresources: ['proxy', 'status'] }),
  type('', 'pods', 'Pod', { subresources: ['attach', 'binding', 'exec', 'log', 'status'] }),
  type('', 'secrets', 'Secret'),
  type('', 'serviceaccounts', 'ServiceAccount'),
  type('', 'services', 'Service', { subresources: ['proxy', 'status'], deleteReturnsObject: true }),
  type('apps', 'daemonsets', 'DaemonSet', { subresources: ['status'] }),
  type('apps', 'deployments', 'Deployment', { subresources: ['scale', 'status'] }),
  type('coordination.k8s.io', 'leases', 'Lease'),
  type('discovery.k8s.io', 'endpointslices', 'EndpointSlice'),
  type('events.k8s.io', 'events', 'Event'),
  type('apiextensions.k8s.io', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false,
    subresources: ['status'],
    deleteReturnsObject: true,
  }),
];

const CRD = records('04-crd.jsonl').find((e) => e.method === 'POST' && e.path.endsWith('/customresourcedefinitions')).requestBody;
const SG_TYPE = type('purelb.io', 'servicegroups', 'ServiceGroup', {
  subresources: ['status'],
  verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
});
const custom = (gv: string) => (gv === 'purelb.io/v1' ? crdDocument([CRD], gv) : undefined);
const ALL = [...TYPES, SG_TYPE];

const doc = (path: string): any => {
  const d = openapiV3Document(path, ALL, custom);
  if (!d) throw new Error(`no document for ${path}`);
  return d;
};

/** Every $ref inside a document, with the JSON path where it occurs. */
function refs(node: unknown, at = '', out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) node.forEach((n, i) => refs(n, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push([at, v]);
      else refs(v, `${at}.${k}`, out);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------ kubectl's view

const PREFIX = '#/components/schemas/';

/** strategicpatch.PatchMetaFromOpenAPIV3: the property's own extensions, then allOf[0] / $ref. */
function lookup(d: any, schema: any, key: string, slice: boolean): { schema: any; strategy?: string; mergeKey?: string } {
  const prop = schema?.properties?.[key];
  if (!prop) throw new Error(`unable to find api field "${key}"`);
  const meta = { strategy: prop['x-kubernetes-patch-strategy'] as string | undefined, mergeKey: prop['x-kubernetes-patch-merge-key'] as string | undefined };
  let next = prop;
  if (slice && next.items) next = next.items;
  if (next.allOf?.length) next = next.allOf[0];
  if (next.$ref) {
    const name = String(next.$ref).slice(PREFIX.length);
    next = d.components.schemas[name];
    if (!next) throw new Error(`unable to resolve ${prop.$ref}`);
  }
  return { schema: next, ...meta };
}

/** Performs every schema lookup kubectl's three-way strategic merge would do for `obj`. */
function walkLikeKubectl(d: any, schema: any, obj: Record<string, unknown>, path = ''): string[] {
  const visited: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sub = lookup(d, schema, k, false);
      visited.push(`${path}.${k}`);
      // Free-form maps (labels, selectors, data) have no properties to walk.
      if (sub.schema?.properties) visited.push(...walkLikeKubectl(d, sub.schema, v as Record<string, unknown>, `${path}.${k}`));
    } else if (Array.isArray(v)) {
      const sub = lookup(d, schema, k, true);
      visited.push(`${path}.${k}[]`);
      // Only merge-strategy lists are diffed element by element.
      if (sub.strategy?.split(',').includes('merge') && sub.mergeKey) {
        for (const item of v) if (item && typeof item === 'object') visited.push(...walkLikeKubectl(d, sub.schema, item as Record<string, unknown>, `${path}.${k}[]`));
      }
    }
  }
  return visited;
}

function kindSchema(d: any, group: string, kind: string): any {
  const found = Object.values(d.components.schemas).find((s: any) =>
    (s['x-kubernetes-group-version-kind'] ?? []).some((g: any) => g.group === group && g.kind === kind && g.version === 'v1'),
  );
  if (!found) throw new Error(`no schema for ${group}/${kind}`);
  return found;
}

function fieldAt(d: any, group: string, kind: string, path: string[]): { strategy?: string; mergeKey?: string; schema: any; prop: any } {
  let schema = kindSchema(d, group, kind);
  let last: any;
  let prop: any;
  for (const [i, key] of path.entries()) {
    const slice = key.endsWith('[]');
    const name = slice ? key.slice(0, -2) : key;
    prop = schema.properties[name];
    last = lookup(d, schema, name, slice);
    if (i < path.length - 1) schema = last.schema;
  }
  return { ...last, prop };
}

// The manifests of recording 08 (reconstructed from their last-applied annotations) plus the
// fields kube defaults on a Deployment, which show up in `current` during a re-apply.
const WEB_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { annotations: {}, labels: { app: 'web' }, name: 'web', namespace: 'rec-kubectl' },
  spec: {
    progressDeadlineSeconds: 600,
    replicas: 2,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [
          {
            args: ['netexec', '--http-port=9376'],
            env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            image: 'registry.k8s.io/e2e-test-images/agnhost:2.39',
            imagePullPolicy: 'IfNotPresent',
            livenessProbe: { httpGet: { path: '/', port: 9376, scheme: 'HTTP', httpHeaders: [{ name: 'x', value: 'y' }] } },
            name: 'web',
            ports: [{ containerPort: 9376, protocol: 'TCP' }],
            resources: { limits: { cpu: '1' }, requests: { memory: '64Mi' } },
            securityContext: { capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            volumeMounts: [{ mountPath: '/cfg', name: 'cfg' }],
          },
        ],
        dnsPolicy: 'ClusterFirst',
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
        tolerations: [{ key: 'k', operator: 'Exists' }],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } }],
      },
    },
  },
};

const WEB_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { annotations: { 'purelb.io/service-group': 'other-pool' }, labels: { tier: 'frontend' }, name: 'web-svc', namespace: 'rec-kubectl' },
  spec: {
    externalTrafficPolicy: 'Local',
    ports: [
      { name: 'http', port: 8765, targetPort: 9376 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ],
    selector: { app: 'web' },
    type: 'LoadBalancer',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } },
  },
  status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
};

// ------------------------------------------------------------------------------ tests

describe('/openapi/v3 path list', () => {
  it('lists every served group-version plus the group, api, apis and version documents, sorted', () => {
    expect(openapiV3Paths(ALL)).toEqual([
      'api',
      'api/v1',
      'apis',
      'apis/apiextensions.k8s.io',
      'apis/apiextensions.k8s.io/v1',
      'apis/apps',
      'apis/apps/v1',
      'apis/coordination.k8s.io',
      'apis/coordination.k8s.io/v1',
      'apis/discovery.k8s.io',
      'apis/discovery.k8s.io/v1',
      'apis/events.k8s.io',
      'apis/events.k8s.io/v1',
      'apis/purelb.io',
      'apis/purelb.io/v1',
      'version',
    ]);
  });

  it('has the recorded shape, with hash = upper-case SHA-512 of the served document', () => {
    const recorded = records('01-discovery.jsonl').find((e) => e.path === '/openapi/v3').responseBody;
    const root = openapiV3Root(ALL, custom);
    expect(Object.keys(root)).toEqual(Object.keys(recorded));
    for (const [path, entry] of Object.entries(root.paths)) {
      const expectedHash = createHash('sha512').update(JSON.stringify(openapiV3Document(path, ALL, custom))).digest('hex').toUpperCase();
      expect(entry.serverRelativeURL).toBe(`/openapi/v3/${path}?hash=${expectedHash}`);
      // Same URL form as the recorded list, and the recorded list has the same entries for what we serve.
      const form = new RegExp(`^/openapi/v3/${path.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`);
      expect(entry.serverRelativeURL).toMatch(form);
      if (path !== 'apis/purelb.io' && path !== 'apis/purelb.io/v1') expect(recorded.paths[path].serverRelativeURL).toMatch(form);
    }
  });

  it('is stable, and changes exactly for the documents whose content changes', () => {
    const before = openapiV3Root(ALL, custom).paths;
    expect(openapiV3Root(ALL, custom).paths).toEqual(before);
    const changedCrd = JSON.parse(JSON.stringify(CRD));
    changedCrd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.extra = { type: 'string' };
    const after = openapiV3Root(ALL, (gv) => (gv === 'purelb.io/v1' ? crdDocument([changedCrd], gv) : undefined)).paths;
    expect(after['apis/purelb.io/v1']).not.toEqual(before['apis/purelb.io/v1']);
    expect(after['api/v1']).toEqual(before['api/v1']);
    // A built-in document changes when its types do (here: services lose the status subresource).
    const fewer = ALL.map((t) => (t.resource === 'services' ? { ...t, subresources: ['proxy'] } : t));
    expect(openapiV3Root(fewer, custom).paths['api/v1']).not.toEqual(before['api/v1']);
  });

  it('answers undefined for documents we do not serve', () => {
    expect(openapiV3Document('apis/batch/v1', ALL, custom)).toBeUndefined();
    expect(openapiV3Document('apis/apps/v2', ALL, custom)).toBeUndefined();
    expect(openapiV3Document('logs', ALL, custom)).toBeUndefined();
  });
});

describe('OpenAPI v3 documents', () => {
  it.each(openapiV3Paths(ALL))('%s is an OpenAPI 3.0 document whose every $ref resolves', (path) => {
    const d = doc(path);
    expect(d.openapi).toBe('3.0.0');
    expect(d.info.title).toBe('Kubernetes');
    expect(Object.keys(d.paths).length).toBeGreaterThan(0);
    const unresolved = refs(d).filter(([, r]) => !r.startsWith(PREFIX) || !d.components.schemas[r.slice(PREFIX.length)]);
    expect(unresolved).toEqual([]);
    for (const [p, item] of Object.entries<any>(d.paths)) {
      expect(p.startsWith('/')).toBe(true);
      for (const [method, op] of Object.entries<any>(item)) {
        if (method === 'parameters') continue;
        expect(['get', 'put', 'post', 'patch', 'delete']).toContain(method);
        expect(typeof op.operationId).toBe('string');
        expect(op.responses['200'] ?? op.responses['201']).toBeDefined();
      }
    }
  });

  it('names schemas like kube and tags kinds with their GVK', () => {
    const core = doc('api/v1');
    expect(core.components.schemas['io.k8s.api.core.v1.Service']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Service', version: 'v1' }]);
    expect(core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toBeDefined();
    expect(core.components.schemas['io.k8s.api.core.v1.ServiceList'].required).toEqual(['items']);
    expect(doc('apis/apps/v1').components.schemas['io.k8s.api.core.v1.PodTemplateSpec']).toBeDefined();
    expect(kindSchema(doc('apis/events.k8s.io/v1'), 'events.k8s.io', 'Event')).toBe(BUILTIN_SCHEMAS['io.k8s.api.events.v1.Event']);
    expect(kindSchema(doc('apis/apiextensions.k8s.io/v1'), 'apiextensions.k8s.io', 'CustomResourceDefinition')).toBeDefined();
    expect(schemaNameFor('purelb.io', 'v1', 'ServiceGroup')).toBe('io.purelb.v1.ServiceGroup');
    // Only the kinds of the document's group-version (and what they reference) are included.
    expect(core.components.schemas['io.k8s.api.apps.v1.Deployment']).toBeUndefined();
  });

  it('has the PATCH operation kubectl checks before sending fieldValidation=Strict', () => {
    for (const [path, group, kind] of [
      ['api/v1', '', 'Service'],
      ['apis/apps/v1', 'apps', 'Deployment'],
      ['apis/coordination.k8s.io/v1', 'coordination.k8s.io', 'Lease'],
      ['apis/purelb.io/v1', 'purelb.io', 'ServiceGroup'],
    ] as const) {
      const d = doc(path);
      const patches = Object.values<any>(d.paths)
        .map((item) => item.patch)
        .filter((op) => op && op['x-kubernetes-group-version-kind'].kind === kind && op['x-kubernetes-group-version-kind'].group === group);
      expect(patches.length).toBeGreaterThan(0);
      for (const op of patches) {
        expect(op.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query')).toBe(true);
        const smp = 'application/strategic-merge-patch+json' in op.requestBody.content;
        // Custom resources refuse strategic merge patches, so kubectl falls back to a merge patch.
        expect(smp).toBe(group !== 'purelb.io');
      }
    }
  });

  it('points the scale subresource at autoscaling/v1 Scale', () => {
    const scale = doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale.get['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', kind: 'Scale', version: 'v1' });
    expect(scale.get.responses['200'].content['application/json'].schema.$ref).toBe(`${PREFIX}io.k8s.api.autoscaling.v1.Scale`);
  });

  it.each([
    ['', 'Service', ['spec', 'ports[]'], 'merge', 'port'],
    ['', 'Service', ['metadata', 'finalizers[]'], 'merge', undefined],
    ['', 'Service', ['metadata', 'ownerReferences[]'], 'merge', 'uid'],
    ['', 'Service', ['status', 'conditions[]'], 'merge', 'type'],
    ['', 'Node', ['status', 'addresses[]'], 'merge', 'type'],
    ['', 'Node', ['status', 'conditions[]'], 'merge', 'type'],
    ['', 'Node', ['spec', 'podCIDRs[]'], 'merge', undefined],
    ['', 'Namespace', ['status', 'conditions[]'], 'merge', 'type'],
    ['', 'ServiceAccount', ['secrets[]'], 'merge', 'name'],
    ['', 'Pod', ['spec', 'containers[]'], 'merge', 'name'],
    ['', 'Pod', ['spec', 'initContainers[]'], 'merge', 'name'],
    ['', 'Pod', ['spec', 'volumes[]'], 'merge,retainKeys', 'name'],
    ['', 'Pod', ['spec', 'imagePullSecrets[]'], 'merge', 'name'],
    ['', 'Pod', ['spec', 'containers[]', 'ports[]'], 'merge', 'containerPort'],
    ['', 'Pod', ['spec', 'containers[]', 'env[]'], 'merge', 'name'],
    ['', 'Pod', ['spec', 'containers[]', 'volumeMounts[]'], 'merge', 'mountPath'],
    ['', 'Pod', ['status', 'conditions[]'], 'merge', 'type'],
    ['apps', 'Deployment', ['spec', 'strategy'], 'retainKeys', undefined],
    ['apps', 'Deployment', ['spec', 'template', 'spec', 'containers[]'], 'merge', 'name'],
    ['apps', 'Deployment', ['status', 'conditions[]'], 'merge', 'type'],
    ['apps', 'DaemonSet', ['spec', 'template', 'spec', 'volumes[]'], 'merge,retainKeys', 'name'],
    ['apps', 'DaemonSet', ['status', 'conditions[]'], 'merge', 'type'],
  ])('carries kube patch metadata: %s %s %j', (group, kind, path, strategy, mergeKey) => {
    const d = doc(group === '' ? 'api/v1' : `apis/${group}/v1`);
    const f = fieldAt(d, group, kind, path);
    expect(f.strategy).toBe(strategy);
    expect(f.mergeKey).toBe(mergeKey);
  });

  it('marks atomic lists and list-map keys like kube', () => {
    const core = doc('api/v1');
    expect(fieldAt(core, '', 'Service', ['spec', 'ports[]']).prop['x-kubernetes-list-map-keys']).toEqual(['port', 'protocol']);
    expect(fieldAt(core, '', 'Service', ['spec', 'ports[]']).prop['x-kubernetes-list-type']).toBe('map');
    expect(fieldAt(core, '', 'Service', ['spec', 'clusterIPs[]']).prop['x-kubernetes-list-type']).toBe('atomic');
    expect(fieldAt(core, '', 'Service', ['spec', 'selector']).prop['x-kubernetes-map-type']).toBe('atomic');
    expect(fieldAt(core, '', 'Service', ['status', 'loadBalancer', 'ingress[]']).prop['x-kubernetes-list-type']).toBe('atomic');
    expect(fieldAt(core, '', 'Pod', ['spec', 'containers[]', 'ports[]']).prop['x-kubernetes-list-map-keys']).toEqual(['containerPort', 'protocol']);
    const eps = doc('apis/discovery.k8s.io/v1');
    expect(fieldAt(eps, 'discovery.k8s.io', 'EndpointSlice', ['endpoints[]']).prop['x-kubernetes-list-type']).toBe('atomic');
    expect(fieldAt(eps, 'discovery.k8s.io', 'EndpointSlice', ['endpoints[]', 'addresses[]']).prop['x-kubernetes-list-type']).toBe('set');
  });

  it('resolves every map and list field of realistic Deployment and Service manifests (no fallback warning in kubectl)', () => {
    const apps = doc('apis/apps/v1');
    const visited = walkLikeKubectl(apps, kindSchema(apps, 'apps', 'Deployment'), WEB_DEPLOYMENT);
    expect(visited).toEqual(
      expect.arrayContaining(['.spec.template.spec.containers[]', '.spec.template.spec.containers[].ports[]', '.spec.template.spec.containers[].livenessProbe.httpGet']),
    );
    const core = doc('api/v1');
    expect(walkLikeKubectl(core, kindSchema(core, '', 'Service'), WEB_SERVICE)).toEqual(
      expect.arrayContaining(['.spec.ports[]', '.spec.selector', '.status.loadBalancer.ingress[]', '.metadata.annotations']),
    );
  });

  it('also resolves the other built-in kinds kubectl may apply', () => {
    const objects: [string, string, string, Record<string, unknown>][] = [
      ['api/v1', '', 'ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' }, binaryData: { x: 'AA==' } }],
      ['api/v1', '', 'Secret', { metadata: { name: 's' }, stringData: { a: 'b' }, type: 'Opaque' }],
      ['api/v1', '', 'Namespace', { metadata: { name: 'n', labels: { a: 'b' } }, spec: { finalizers: ['kubernetes'] } }],
      ['api/v1', '', 'Node', { metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } }],
      ['api/v1', '', 'ServiceAccount', { metadata: { name: 'sa' }, secrets: [{ name: 'x' }], imagePullSecrets: [{ name: 'y' }] }],
      ['api/v1', '', 'Endpoints', { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] }],
      ['api/v1', '', 'Event', { metadata: { name: 'ev' }, involvedObject: { kind: 'Service', name: 'x' }, source: { component: 'c' }, series: { count: 2 } }],
      ['apis/apps/v1', 'apps', 'DaemonSet', { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, updateStrategy: { rollingUpdate: { maxUnavailable: 1 } }, template: WEB_DEPLOYMENT.spec.template } }],
      ['apis/coordination.k8s.io/v1', 'coordination.k8s.io', 'Lease', { metadata: { name: 'l' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }],
      ['apis/discovery.k8s.io/v1', 'discovery.k8s.io', 'EndpointSlice', { metadata: { name: 'es', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ port: 80 }] }],
      ['apis/events.k8s.io/v1', 'events.k8s.io', 'Event', { metadata: { name: 'ev' }, regarding: { kind: 'Service' }, series: { count: 2, lastObservedTime: '2024-01-01T00:00:00.000000Z' }, deprecatedSource: {} }],
      ['apis/apiextensions.k8s.io/v1', 'apiextensions.k8s.io', 'CustomResourceDefinition', CRD],
    ];
    for (const [path, group, kind, obj] of objects) {
      const d = doc(path);
      expect(() => walkLikeKubectl(d, kindSchema(d, group, kind), obj)).not.toThrow();
    }
  });
});

describe('documents for the built-in types testkube serves', () => {
  const builtins = builtinResourceTypes();

  it('have a hand-written schema for every served kind, and every $ref resolves', () => {
    for (const path of openapiV3Paths(builtins)) {
      const d = openapiV3Document(path, builtins) as any;
      expect(refs(d).filter(([, r]) => !d.components.schemas[r.slice(PREFIX.length)])).toEqual([]);
    }
    for (const t of builtins) {
      const name = schemaNameFor(t.group, t.version, t.kind);
      expect([name, BUILTIN_SCHEMAS[name] !== undefined]).toEqual([name, true]);
      const d = openapiV3Document(t.group ? `apis/${t.group}/${t.version}` : 'api/v1', builtins) as any;
      expect(d.components.schemas[name]['x-kubernetes-group-version-kind']).toEqual([{ group: t.group, kind: t.kind, version: t.version }]);
    }
  });

  it('resolve the manifests of recording 08 the way kubectl walks them', () => {
    const apps = openapiV3Document('apis/apps/v1', builtins) as any;
    expect(() => walkLikeKubectl(apps, kindSchema(apps, 'apps', 'Deployment'), WEB_DEPLOYMENT)).not.toThrow();
    const core = openapiV3Document('api/v1', builtins) as any;
    expect(() => walkLikeKubectl(core, kindSchema(core, '', 'Service'), WEB_SERVICE)).not.toThrow();
  });
});

describe('CRD documents', () => {
  const d = crdDocument([CRD], 'purelb.io/v1') as any;

  it('publishes the structural schema under the reversed-group name with apiVersion/kind/ObjectMeta', () => {
    const sg = d.components.schemas['io.purelb.v1.ServiceGroup'];
    expect(sg['x-kubernetes-group-version-kind']).toEqual([{ group: 'purelb.io', kind: 'ServiceGroup', version: 'v1' }]);
    expect(sg.properties.metadata.allOf[0].$ref).toBe(`${PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`);
    expect(sg.properties.spec).toEqual(CRD.spec.versions[0].schema.openAPIV3Schema.properties.spec);
    expect(sg.required).toEqual(['spec']);
    expect(d.components.schemas['io.purelb.v1.ServiceGroupList']['x-kubernetes-group-version-kind']).toEqual([{ group: 'purelb.io', kind: 'ServiceGroupList', version: 'v1' }]);
    expect(refs(d).filter(([, r]) => !d.components.schemas[r.slice(PREFIX.length)])).toEqual([]);
  });

  it('serves namespaced paths, the status subresource and no strategic merge patch', () => {
    expect(Object.keys(d.paths)).toEqual(
      expect.arrayContaining([
        '/apis/purelb.io/v1/namespaces/{namespace}/servicegroups',
        '/apis/purelb.io/v1/namespaces/{namespace}/servicegroups/{name}',
        '/apis/purelb.io/v1/namespaces/{namespace}/servicegroups/{name}/status',
        '/apis/purelb.io/v1/servicegroups',
      ]),
    );
    const patch = d.paths['/apis/purelb.io/v1/namespaces/{namespace}/servicegroups/{name}'].patch;
    expect(Object.keys(patch.requestBody.content).sort()).toEqual(['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
  });

  it('combines several CRDs of one group-version and ignores versions that are not served', () => {
    const other = JSON.parse(JSON.stringify(CRD));
    other.metadata.name = 'lbnodeagents.purelb.io';
    other.spec.names = { plural: 'lbnodeagents', singular: 'lbnodeagent', kind: 'LBNodeAgent', listKind: 'LBNodeAgentList' };
    other.spec.scope = 'Cluster';
    const both = crdDocument([CRD, other], 'purelb.io/v1') as any;
    expect(both.components.schemas['io.purelb.v1.LBNodeAgent']).toBeDefined();
    expect(both.paths['/apis/purelb.io/v1/lbnodeagents/{name}']).toBeDefined();
    const unserved = JSON.parse(JSON.stringify(CRD));
    unserved.spec.versions[0].served = false;
    expect(Object.keys((crdDocument([unserved], 'purelb.io/v1') as any).components.schemas)).not.toContain('io.purelb.v1.ServiceGroup');
  });

  it('falls back to an open schema when a served custom group-version has no callback', () => {
    const open = openapiV3Document('apis/purelb.io/v1', ALL) as any;
    expect(open.components.schemas['io.purelb.v1.ServiceGroup']['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });
});

// ------------------------------------------------------------------------------ /openapi/v2

/** Reads protobuf fields (enough to check the gnostic document's structure). */
function pbFields(buf: Uint8Array): { field: number; wire: number; value: Uint8Array | number }[] {
  const out: { field: number; wire: number; value: Uint8Array | number }[] = [];
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ field, wire, value: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) {
      out.push({ field, wire, value: buf.subarray(i, i + 8) });
      i += 8;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const text = (v: Uint8Array | number) => Buffer.from(v as Uint8Array).toString('utf8');
const sub = (fields: ReturnType<typeof pbFields>, n: number) => fields.filter((f) => f.field === n).map((f) => pbFields(f.value as Uint8Array));

describe('/openapi/v2', () => {
  const swagger = openapiV2Document(ALL, custom) as any;

  it('is one Swagger 2.0 document with every v3 definition and path, refs rewritten to #/definitions', () => {
    expect(swagger.swagger).toBe('2.0');
    for (const p of openapiV3Paths(ALL)) {
      const d = doc(p);
      for (const name of Object.keys(d.components.schemas)) expect(swagger.definitions[name]).toBeDefined();
      for (const path of Object.keys(d.paths)) expect(swagger.paths[path]).toBeDefined();
    }
    const dangling = refs(swagger).filter(([, r]) => !r.startsWith('#/definitions/') || !swagger.definitions[r.slice('#/definitions/'.length)]);
    expect(dangling).toEqual([]);
    expect(refs(swagger).some(([at]) => at.endsWith('.allOf[0]'))).toBe(false);
  });

  it('keeps patch metadata on the referring property and patch operations with consumes and fieldValidation', () => {
    const ports = swagger.definitions['io.k8s.api.core.v1.ServiceSpec'].properties.ports;
    expect(ports['x-kubernetes-patch-merge-key']).toBe('port');
    expect(ports.items.$ref).toBe('#/definitions/io.k8s.api.core.v1.ServicePort');
    const strategy = swagger.definitions['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
    expect(strategy).toMatchObject({ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy', 'x-kubernetes-patch-strategy': 'retainKeys' });
    const patch = swagger.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
    expect(patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query' && p.type === 'string')).toBe(true);
    expect(patch.parameters.find((p: any) => p.in === 'body').schema.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', kind: 'Service', version: 'v1' });
  });

  it('encodes as gnostic openapi.v2.Document protobuf', () => {
    const top = pbFields(openapiV2Protobuf(ALL, custom));
    expect(text(top.find((f) => f.field === 1)!.value)).toBe('2.0');
    // Definitions (9) -> NamedSchema (1) {name 1, Schema 2}
    const named = sub(top, 9)[0]!.filter((f) => f.field === 1).map((f) => pbFields(f.value as Uint8Array));
    expect(named.map((n) => text(n.find((f) => f.field === 1)!.value))).toEqual(Object.keys(swagger.definitions));
    const service = named.find((n) => text(n.find((f) => f.field === 1)!.value) === 'io.k8s.api.core.v1.Service')!;
    const schema = sub(service, 2)[0]!;
    // vendor_extension (31) -> NamedAny {name 1, Any 2 {yaml 2}}
    const ext = sub(schema, 31).map((e) => [text(e.find((f) => f.field === 1)!.value), text(sub(e, 2)[0]!.find((f) => f.field === 2)!.value)]);
    expect(ext).toEqual([['x-kubernetes-group-version-kind', '[{"group":"","kind":"Service","version":"v1"}]\n']]);
    // type (22) -> TypeItem {value 1}
    expect(text(sub(schema, 22)[0]![0]!.value)).toBe('object');
    // Paths (8) -> NamedPathItem (2)
    const paths = sub(top, 8)[0]!.filter((f) => f.field === 2).map((f) => pbFields(f.value as Uint8Array));
    expect(paths.map((p) => text(p.find((f) => f.field === 1)!.value))).toEqual(Object.keys(swagger.paths));
  });
});

describe('serveOpenAPI', () => {
  it('serves the path list as text/plain like kube', () => {
    const r = serveOpenAPI('/openapi/v3', {}, 'application/json, */*', ALL, custom)!;
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe(records('01-discovery.jsonl').find((e) => e.path === '/openapi/v3').responseHeaders['content-type']);
    expect(JSON.parse(r.body as string)).toEqual(openapiV3Root(ALL, custom));
  });

  it('serves a document whose bytes hash to the advertised value, cacheable when the hash matches', () => {
    const url = openapiV3Root(ALL, custom).paths['api/v1']!.serverRelativeURL;
    const hash = new URL(url, 'https://x').searchParams.get('hash');
    const r = serveOpenAPI('/openapi/v3/api/v1', { hash }, 'application/json', ALL, custom)!;
    expect(r.status).toBe(200);
    expect(r.headers['Content-Type']).toBe('application/json');
    expect(openapiHash(r.body as string)).toBe(hash);
    expect(r.headers['Cache-Control']).toBe('public, immutable');
    expect(r.headers.Etag).toBe(`"${hash}"`);
  });

  it('redirects a stale hash to the current document', () => {
    const r = serveOpenAPI('/openapi/v3/apis/apps/v1', { hash: 'ABC' }, 'application/json', ALL, custom)!;
    expect(r.status).toBe(301);
    expect(r.headers.Location).toBe(openapiV3Root(ALL, custom).paths['apis/apps/v1']!.serverRelativeURL);
  });

  it('serves /openapi/v2 as protobuf to kubectl and as JSON otherwise; 406 for the rest; undefined for unknown paths', () => {
    const pb = serveOpenAPI('/openapi/v2', {}, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, ALL, custom)!;
    expect(pb.headers['Content-Type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(pb.body).toBeInstanceOf(Uint8Array);
    const json = serveOpenAPI('/openapi/v2', {}, 'application/json', ALL, custom)!;
    expect(JSON.parse(json.body as string).swagger).toBe('2.0');
    expect(serveOpenAPI('/openapi/v2', {}, 'text/html', ALL, custom)!.status).toBe(406);
    expect(serveOpenAPI('/openapi/v3/apis/batch/v1', {}, 'application/json', ALL, custom)).toBeUndefined();
    expect(serveOpenAPI('/openapi/v4', {}, 'application/json', ALL, custom)).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------ real kubectl

// The manifests of recording 08 (web-v1.yaml, then web-v2.yaml with the Service changed).
const WEB_V1 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: oa-kubectl
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.39
        args: ["netexec", "--http-port=9376"]
        ports: [{containerPort: 9376}]
---
apiVersion: v1
kind: Service
metadata:
  name: web-svc
  namespace: oa-kubectl
  annotations: {purelb.io/service-group: default}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 8765, targetPort: 9376}
`;
const WEB_V2 = WEB_V1.replace('purelb.io/service-group: default}', 'purelb.io/service-group: other-pool}\n  labels: {tier: frontend}')
  .replace('  type: LoadBalancer\n', '  type: LoadBalancer\n  externalTrafficPolicy: Local\n')
  .replace('  - {name: http, port: 8765, targetPort: 9376}\n', '  - {name: http, port: 8765, targetPort: 9376}\n  - {name: metrics, port: 9090, targetPort: 9090}\n');

const KUBECTL_132 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

describe('real kubectl against testkube', () => {
  const exec = promisify(execFile);
  let kube: TestKube;
  let dir: string;
  const temporary: string[] = [];
  beforeAll(async () => {
    kube = await startTestKube();
    dir = mkdtempSync(join(tmpdir(), 'oa-kubectl-'));
    temporary.push(dir);
    writeFileSync(join(dir, 'web-v1.yaml'), WEB_V1);
    writeFileSync(join(dir, 'web-v2.yaml'), WEB_V2);
  });
  afterAll(async () => {
    await kube.stop();
    for (const d of temporary) rmSync(d, { recursive: true, force: true });
  });

  async function kubectl(bin: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
    // A fresh HOME: empty discovery and OpenAPI caches, so every run fetches the documents.
    const home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
    temporary.push(home);
    return exec(bin, ['--kubeconfig', kube.kubeconfigPath, ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 });
  }

  function get(path: string, accept: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = request(`${kube.url}${path}`, { ca: kube.caPem, headers: { accept } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  const bins = existsSync(KUBECTL_132) ? [KUBECTL_132, '/usr/bin/kubectl'] : ['/usr/bin/kubectl'];

  it('serves the v3 path list and documents with matching hashes', async () => {
    const root = await get('/openapi/v3', 'application/json, */*');
    expect(root.status).toBe(200);
    expect(root.type).toBe('text/plain; charset=utf-8');
    const paths = JSON.parse(root.body.toString()).paths as Record<string, { serverRelativeURL: string }>;
    const doc = await get(paths['api/v1']!.serverRelativeURL, 'application/json');
    expect(doc.status).toBe(200);
    expect(openapiHash(doc.body.toString())).toBe(new URL(paths['api/v1']!.serverRelativeURL, kube.url).searchParams.get('hash'));
  });

  // kubectl <= 1.29 (what /usr/bin/kubectl runs against a v1.28 server) needs this for apply,
  // create -f and explain: server.ts has to route /openapi/* through serveOpenAPI.
  it('serves /openapi/v2 as protobuf to kubectl', async () => {
    const v2 = await get('/openapi/v2', OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
    expect(v2.status).toBe(200);
    expect(v2.type).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(text(pbFields(v2.body).find((f) => f.field === 1)!.value)).toBe('2.0');
  });

  it.each(bins)('%s apply -f creates, patches only what changed, then finds nothing to do', async (bin) => {
    const ns = bin === KUBECTL_132 ? 'oa-kubectl' : 'oa-kubectl-dispatch';
    const file = (name: string) => {
      const p = join(dir, `${ns}-${name}`);
      writeFileSync(p, (name === 'v1' ? WEB_V1 : WEB_V2).replaceAll('namespace: oa-kubectl', `namespace: ${ns}`));
      return p;
    };
    await kubectl(bin, 'create', 'namespace', ns);
    const first = await kubectl(bin, 'apply', '-f', file('v1'));
    expect(first.stdout).toBe('deployment.apps/web created\nservice/web-svc created\n');
    expect(first.stderr).toBe('');
    // -v=6 logs each request: 1.32 computes the patch from OpenAPI v3 alone, like in recording 08.
    const second = await kubectl(bin, 'apply', '-f', file('v2'), '-v=6');
    expect(second.stdout).toBe('deployment.apps/web unchanged\nservice/web-svc configured\n');
    expect(second.stderr).not.toMatch(/warning/i);
    expect(second.stderr).toMatch(/PATCH https:\/\/[^ ]+\/api\/v1\/namespaces\/[a-z-]+\/services\/web-svc\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 200/);
    if (bin === KUBECTL_132) {
      expect(second.stderr).toMatch(/GET https:\/\/[^ ]+\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}&timeout=32s 200/);
      expect(second.stderr).not.toMatch(/openapi\/v2/);
    }
    const svc = JSON.parse((await kubectl(bin, 'get', 'svc', 'web-svc', '-n', ns, '-o', 'json')).stdout);
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['http', 8765],
      ['metrics', 9090],
    ]);
    expect(svc.spec.externalTrafficPolicy).toBe('Local');
    expect(svc.metadata.labels).toEqual({ tier: 'frontend' });
    expect(svc.metadata.annotations['purelb.io/service-group']).toBe('other-pool');
    const third = await kubectl(bin, 'apply', '-f', file('v2'));
    expect(third.stdout).toBe('deployment.apps/web unchanged\nservice/web-svc unchanged\n');
    const dry = await kubectl(bin, 'apply', '-f', file('v1'), '--dry-run=server');
    expect(dry.stdout).toBe('deployment.apps/web unchanged (server dry run)\nservice/web-svc configured (server dry run)\n');
    const after = JSON.parse((await kubectl(bin, 'get', 'svc', 'web-svc', '-n', ns, '-o', 'json')).stdout);
    expect(after.spec.ports).toHaveLength(2);
  });

  it.each(bins)('%s sees a CRD in discovery and OpenAPI once established, and applies its resources', async (bin) => {
    const suffix = bin === KUBECTL_132 ? '' : '-dispatch';
    const crd = JSON.parse(JSON.stringify(CRD));
    crd.spec.group = `purelb${suffix}.io`;
    crd.metadata.name = `servicegroups.${crd.spec.group}`;
    crd.spec.names.shortNames = [`sg${suffix.replace('-', '')}`];
    writeFileSync(join(dir, `crd${suffix}.json`), JSON.stringify(crd));
    expect((await kubectl(bin, 'apply', '-f', join(dir, `crd${suffix}.json`))).stdout).toBe(
      `customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name} created\n`,
    );
    let resources = '';
    for (let i = 0; i < 50 && !resources.includes('servicegroups'); i++) {
      resources = (await kubectl(bin, 'api-resources', `--api-group=${crd.spec.group}`)).stdout;
      if (!resources.includes('servicegroups')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(resources).toMatch(new RegExp(`^servicegroups\\s+${crd.spec.names.shortNames[0]}\\s+${crd.spec.group.replace('.', '\\.')}/v1\\s+true\\s+ServiceGroup$`, 'm'));
    const explained = (await kubectl(bin, 'explain', `servicegroups.${crd.spec.group}.spec.local.v4pools`)).stdout;
    expect(explained).toContain(`GROUP:      ${crd.spec.group}`);
    expect(explained).toMatch(/^ {2}aggregation\t<string> -required-$/m);
    const ns = `oa-crd${suffix}`;
    await kubectl(bin, 'create', 'namespace', ns);
    const sg = (aggregation: string) => `apiVersion: ${crd.spec.group}/v1
kind: ServiceGroup
metadata: {name: sg-default, namespace: ${ns}}
spec:
  local:
    v4pools:
    - {subnet: 192.0.2.0/24, pool: 192.0.2.10-192.0.2.50, aggregation: ${aggregation}}
`;
    writeFileSync(join(dir, `sg${suffix}-1.yaml`), sg('/32'));
    writeFileSync(join(dir, `sg${suffix}-2.yaml`), sg('/24'));
    expect((await kubectl(bin, 'apply', '-f', join(dir, `sg${suffix}-1.yaml`))).stdout).toBe(`servicegroup.${crd.spec.group}/sg-default created\n`);
    // Custom resources get a JSON merge patch (their PATCH operation offers no strategic merge).
    const changed = await kubectl(bin, 'apply', '-f', join(dir, `sg${suffix}-2.yaml`), '-v=6');
    expect(changed.stdout).toBe(`servicegroup.${crd.spec.group}/sg-default configured\n`);
    expect(changed.stderr).toMatch(/PATCH https:\/\/[^ ]+\/servicegroups\/sg-default\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 200/);
    const got = JSON.parse((await kubectl(bin, 'get', `servicegroups.${crd.spec.group}`, 'sg-default', '-n', ns, '-o', 'json')).stdout);
    expect(got.spec.local.v4pools[0].aggregation).toBe('/24');
  });

  it.each(bins)('%s explain service.spec renders our schema', async (bin) => {
    const { stdout } = await kubectl(bin, 'explain', 'service.spec');
    expect(stdout).toMatch(/^KIND:\s+Service\nVERSION:\s+v1\n/);
    expect(stdout).toMatch(/FIELD: spec <ServiceSpec>/);
    expect(stdout).toMatch(/^ {2}ports\t<\[\]ServicePort>$/m);
    expect(stdout).toMatch(/^ {2}type\t<string>$/m);
    const lbClass = await kubectl(bin, 'explain', 'service.spec.loadBalancerClass');
    expect(lbClass.stdout).toContain('FIELD: loadBalancerClass <string>');
  });
});
