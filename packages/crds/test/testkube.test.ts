// The generated CRD files, read from the chart exactly as it ships them, loaded into testkube (an API
// server implementing kube-apiserver's CRD validation: structural schemas, patterns, CEL rules):
// they must be accepted and become Established, a good ServiceGroup must be created, and the
// mistakes the schema is meant to catch must come back as 422s whose message says what is wrong.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import https from 'node:https';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { startTestKube, type TestKube } from '@purelb/testkube';
import { CRD_OUTPUT_DIR, renderCrdFiles } from '../src/index.js';
import { bad, good } from './support/servicegroup-cases.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const NS = 'purelb';

let kube: TestKube;
let custom: CustomObjectsApi;

async function waitEstablished(ext: ApiextensionsV1Api, name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const crd = await ext.readCustomResourceDefinition({ name });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} never became Established`);
}

beforeAll(async () => {
  kube = await startTestKube();
  const ext = kube.kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const { file } of renderCrdFiles()) {
    // loadYaml, not a plain YAML parse: client-node serialises through its typed models and would
    // silently drop `x-kubernetes-validations` from an object that was not deserialised into them.
    const body = loadYaml<V1CustomResourceDefinition>(readFileSync(join(repoRoot, CRD_OUTPUT_DIR, file), 'utf8'));
    await ext.createCustomResourceDefinition({ body });
    await waitEstablished(ext, body.metadata!.name!);
  }
  await kube.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  custom = kube.kubeConfig.makeApiClient(CustomObjectsApi);
});
afterAll(() => kube.stop());

let seq = 0;

async function create(plural: string, kind: string, spec: unknown): Promise<{ status: number; message?: string; object?: any }> {
  const body = { apiVersion: 'purelb.io/v1', kind, metadata: { name: `obj-${++seq}` }, spec };
  try {
    const object = await custom.createNamespacedCustomObject({ group: 'purelb.io', version: 'v1', namespace: NS, plural, body });
    return { status: 201, object };
  } catch (e: any) {
    const parsed = typeof e.body === 'string' ? JSON.parse(e.body) : e.body;
    return { status: e.code, message: parsed?.message };
  }
}

const sg = (spec: unknown) => create('servicegroups', 'ServiceGroup', spec);
const lbna = (spec: unknown) => create('lbnodeagents', 'LBNodeAgent', spec);

describe('ServiceGroup CRD in an API server', () => {
  it('creates the SPEC §3.1 example unchanged', async () => {
    const spec = {
      local: {
        v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250', aggregation: 'default' },
        v6pool: { subnet: 'fd53:9ef0:8683::/120', pool: 'fd53:9ef0:8683::-fd53:9ef0:8683::3', aggregation: 'default' },
        v4pools: [{ subnet: '172.31.1.0/24', pool: '172.31.1.0/24', aggregation: '/32' }],
        v6pools: [],
      },
      namespaces: ['team-a'],
      priority: 10,
      avoidBuggyIPs: false,
    };
    const r = await sg(spec);
    expect(r.status).toBe(201);
    expect(r.object.spec).toEqual(spec);
  });

  it('rejects aggregation /99 in a v4pool, naming the field and the IPv4 bound', async () => {
    const r = await sg({ local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.250', aggregation: '/99' } } });
    expect(r.status).toBe(422);
    expect(r.message).toBe(
      `ServiceGroup.purelb.io "obj-${seq}" is invalid: spec.local.v4pool.aggregation: Invalid value: "string": aggregation /99 is out of range for IPv4 (at most /32)`,
    );
  });

  it('rejects an IPv6 subnet in a v4pool and says where it belongs', async () => {
    const r = await sg({ local: { v4pool: { subnet: 'fd53:9ef0:8683::/120', pool: '192.168.1.240-192.168.1.250' } } });
    expect(r.status).toBe(422);
    expect(r.message).toBe(
      `ServiceGroup.purelb.io "obj-${seq}" is invalid: spec.local.v4pool.subnet: Invalid value: "string": fd53:9ef0:8683::/120 is an IPv6 subnet; IPv4 pools need an IPv4 subnet (IPv6 pools go in v6pool or v6pools)`,
    );
  });

  it('reports each mistake once: an IPv6 subnet with aggregation /99 in a v4pool gives two messages, not three', async () => {
    // The "shorter than the subnet" rule must stay quiet when the subnet is of the wrong family.
    const r = await sg({ local: { v4pool: { subnet: 'fd53:9ef0:8683::/120', pool: '192.168.1.240-192.168.1.250', aggregation: '/99' } } });
    expect(r.status).toBe(422);
    expect(r.message).toBe(
      `ServiceGroup.purelb.io "obj-${seq}" is invalid: [` +
        'spec.local.v4pool.subnet: Invalid value: "string": fd53:9ef0:8683::/120 is an IPv6 subnet; IPv4 pools need an IPv4 subnet (IPv6 pools go in v6pool or v6pools), ' +
        'spec.local.v4pool.aggregation: Invalid value: "string": aggregation /99 is out of range for IPv4 (at most /32)]',
    );
  });

  it('rejects a mixed-family range in v6pools[0]', async () => {
    const r = await sg({ local: { v6pools: [{ subnet: 'fd00::/64', pool: '10.0.0.1-fd00::5' }] } });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.local.v6pools[0].pool: Invalid value: "string": 10.0.0.1-fd00::5 mixes IPv4 and IPv6 addresses');
  });

  it('rejects an aggregation shorter than the subnet, reported on the aggregation field', async () => {
    const r = await sg({ local: { v4pools: [{ subnet: '172.31.1.0/24', pool: '172.31.1.0/24', aggregation: '/16' }] } });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.local.v4pools[0].aggregation: Invalid value: "object": aggregation /16 is shorter than the prefix of subnet 172.31.1.0/24');
  });

  it('rejects an IPv4 octet above 255 and an aggregation that is neither default nor /N', async () => {
    const r = await sg({ local: { v4pool: { subnet: '192.168.1.0/24', pool: '192.168.1.240-192.168.1.256', aggregation: '32' } } });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.local.v4pool.pool: Invalid value: "string": 192.168.1.240-192.168.1.256 is not an IPv4 range (a.b.c.d-e.f.g.h) or CIDR (a.b.c.d/N)');
    expect(r.message).toContain(`spec.local.v4pool.aggregation: Invalid value: "32": spec.local.v4pool.aggregation in body should match '^(default|/\\d{1,3})$'`);
  });

  it('rejects a group without any pool', async () => {
    const r = await sg({ local: { v6pools: [] } });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.local: Invalid value: "object": at least one of v4pool, v6pool, v4pools or v6pools must be given');
  });

  it('rejects duplicate namespaces (list type set)', async () => {
    const r = await sg({ local: { v4pool: { subnet: '10.0.0.0/24', pool: '10.0.0.0/24' } }, namespaces: ['a', 'a'] });
    expect(r.status).toBe(422);
    expect(r.message).toContain('spec.namespaces[1]: Duplicate value: "a"');
  });

  it('leaves to the parser what a schema cannot see (a pool outside its subnet is accepted here)', async () => {
    // Containment needs address arithmetic; parseServiceGroup reports it (see servicegroup.table.test.ts).
    const r = await sg({ local: { v4pool: { subnet: '10.0.0.0/24', pool: '10.0.1.0/24' } } });
    expect(r.status).toBe(201);
  });

  it('serves the printer columns and the status subresource', async () => {
    const created = await sg({ local: { v4pool: { subnet: '10.1.0.0/24', pool: '10.1.0.10-10.1.0.19' } } });
    const name = created.object.metadata.name as string;
    await custom.patchNamespacedCustomObjectStatus({
      group: 'purelb.io',
      version: 'v1',
      namespace: NS,
      plural: 'servicegroups',
      name,
      body: [
        {
          op: 'add',
          path: '/status',
          value: { allocatedIPv4: 2, allocatedIPv6: 0, availableIPv4: 8, availableIPv6: 0, conditions: [{ type: 'Valid', status: 'True', reason: 'Parsed', message: 'ok' }] },
        },
      ],
    });
    const table = await getTable(`/apis/purelb.io/v1/namespaces/${NS}/servicegroups/${name}`);
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Allocated-V4', 'Allocated-V6', 'Available-V4', 'Available-V6', 'Valid', 'Age']);
    expect(table.rows[0].cells.slice(0, 6)).toEqual([name, 2, 0, 8, 0, 'True']);
  });
});

// The parser's table through the schema: every spec the parser accepts must also pass `kubectl apply`
// (a schema stricter than the parser would lock users out), and every case marked `rejects` must be
// stopped at apply time.
describe('ServiceGroup schema agrees with the parser table', () => {
  it.each(good.map((c) => [c.name, c] as const))('accepts good case: %s', async (_name, c) => {
    expect(await sg(c.sg.spec)).toMatchObject({ status: 201 });
  });

  const sendable = bad.filter((c) => c.schema !== 'unsendable');
  it.each(sendable.map((c) => [c.schema, c.name, c] as const))('%s bad case: %s', async (_schema, _name, c) => {
    const r = await sg((c.sg as { spec?: unknown }).spec);
    expect(r.status).toBe(c.schema === 'rejects' ? 422 : 201);
  });
});

describe('LBNodeAgent CRD in an API server', () => {
  it('creates the SPEC §3.2 example', async () => {
    const spec = { nodeSelector: {}, local: { localint: 'default', extlbint: 'kube-lb0', sendgarp: true, garp: { count: 3, intervalMs: 500 } } };
    const r = await lbna(spec);
    expect(r.status).toBe(201);
    expect(r.object.spec).toEqual(spec);
  });

  it('rejects a too-long interface name and out-of-range garp settings in one answer', async () => {
    const r = await lbna({ local: { extlbint: 'kube-lb0-much-too-long', garp: { count: 0, intervalMs: 120000 } } });
    expect(r.status).toBe(422);
    expect(r.message).toBe(
      `LBNodeAgent.purelb.io "obj-${seq}" is invalid: [spec.local.extlbint: Too long: may not be longer than 15, ` +
        'spec.local.garp.count: Invalid value: 0: spec.local.garp.count in body should be greater than or equal to 1, ' +
        'spec.local.garp.intervalMs: Invalid value: 120000: spec.local.garp.intervalMs in body should be less than or equal to 60000, ' +
        '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    );
  });

  it('rejects interface names the kernel refuses (":" and "..")', async () => {
    const colon = await lbna({ local: { extlbint: 'eth0:1' } });
    expect(colon.status).toBe(422);
    expect(colon.message).toContain(`spec.local.extlbint: Invalid value: "eth0:1": spec.local.extlbint in body should match '^[^/:\\s]{1,15}$'`);
    const dots = await lbna({ local: { extlbint: '..' } });
    expect(dots.status).toBe(422);
    expect(dots.message).toContain('spec.local.extlbint: Invalid value: "string": extlbint must be an interface name, not "." or ".."');
  });
});

/** GET as a meta.k8s.io Table (what `kubectl get` asks for). */
function getTable(path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, kube.url), {
      method: 'GET',
      ca: kube.caPem,
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io', authorization: 'Bearer test' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
    });
    req.on('error', reject);
    req.end();
  });
}
