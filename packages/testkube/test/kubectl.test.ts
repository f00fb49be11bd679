// The real kubectl binary against testkube: every flow a user of this product runs.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestKube, type TestKube } from '../src/index.js';
import { kubectlBinary } from './support/kubectl.js';

const run = promisify(execFile);
let kube: TestKube;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlBinary(), ['--kubeconfig', kube.kubeconfigPath, ...args], {
    env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
    timeout: 30_000,
  });
  return stdout;
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded but was expected to fail`);
}

function manifest(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const SERVICE_V1 = `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: kc
  labels: {app: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kc}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{containerPort: 8080}]}
`;

const SERVICE_V2 = SERVICE_V1.replace('  - {name: http, port: 80, targetPort: 8080}', '  - {name: http, port: 80, targetPort: 8080}\n  - {name: metrics, port: 9090}');

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string}
          status:
            type: object
            properties:
              ready: {type: boolean}
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubectl-test-'));
  kube = await startTestKube();
  await kubectl('create', 'namespace', 'kc');
}, 30_000);

afterAll(async () => {
  await kube?.stop();
});

describe('kubectl against testkube', () => {
  it('create namespace (protobuf body) shows up in get', async () => {
    const out = await kubectl('get', 'namespace', 'kc', '-o', 'jsonpath={.metadata.labels}');
    expect(out).toContain('"kubernetes.io/metadata.name":"kc"');
  });

  it('apply -f creates, re-apply with a change patches, same file again changes nothing', async () => {
    const v1 = manifest('v1.yaml', SERVICE_V1);
    const created = await kubectl('apply', '-f', v1);
    expect(created).toContain('service/web created');
    expect(created).toContain('deployment.apps/web created');
    const v2 = manifest('v2.yaml', SERVICE_V2);
    const changed = await kubectl('apply', '-f', v2);
    expect(changed).toContain('service/web configured');
    expect(changed).toContain('deployment.apps/web unchanged');
    const ports = await kubectl('get', 'svc', 'web', '-n', 'kc', '-o', 'jsonpath={.spec.ports[*].port}');
    expect(ports).toBe('80 9090');
    const again = await kubectl('apply', '-f', v2);
    expect(again).toContain('service/web unchanged');
  });

  it('get svc -o wide prints the Service columns', async () => {
    const out = await kubectl('get', 'svc', '-n', 'kc', '-o', 'wide');
    const [header, row] = out.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR$/);
    expect(row).toMatch(/^web\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+<pending>\s+80:3\d{4}\/TCP,9090:3\d{4}\/TCP\s+\S+\s+app=web$/);
  });

  it('annotate, patch --type=merge and patch --subresource=status', async () => {
    await kubectl('annotate', 'svc', 'web', '-n', 'kc', 'purelb.io/service-group=default');
    await kubectl('patch', 'svc', 'web', '-n', 'kc', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"frontend"}}}');
    await kubectl('patch', 'svc', 'web', '-n', 'kc', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10","ipMode":"VIP"}]}}}');
    const out = await kubectl('get', 'svc', 'web', '-n', 'kc', '-o', 'json');
    const svc = JSON.parse(out);
    expect(svc.metadata.annotations['purelb.io/service-group']).toBe('default');
    expect(svc.metadata.labels.tier).toBe('frontend');
    expect(svc.status.loadBalancer.ingress).toEqual([{ ip: '192.0.2.10', ipMode: 'VIP' }]);
    const wide = await kubectl('get', 'svc', 'web', '-n', 'kc');
    expect(wide).toContain('192.0.2.10');
    const err = await kubectlFails('annotate', 'svc', 'web', '-n', 'kc', 'purelb.io/service-group=other');
    expect(err).toContain("--overwrite is false but found the following declared annotation(s): 'purelb.io/service-group' already has a value (default)");
  });

  it('describe svc lists annotations, ingress and events', async () => {
    const uid = JSON.parse(await kubectl('get', 'svc', 'web', '-n', 'kc', '-o', 'json')).metadata.uid;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'kc' },
      involvedObject: { kind: 'Service', namespace: 'kc', name: 'web', uid, apiVersion: 'v1' },
      reason: 'IPAllocated',
      message: 'Assigned IP 192.0.2.10 from pool default',
      type: 'Normal',
      source: { component: 'purelb-allocator' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 2,
    };
    await kubectl('create', '-f', manifest('event.json', JSON.stringify(event)));
    const out = await kubectl('describe', 'svc', 'web', '-n', 'kc');
    expect(out).toMatch(/Annotations:\s+purelb\.io\/service-group: default/);
    expect(out).toMatch(/LoadBalancer Ingress:\s+192\.0\.2\.10 \(VIP\)/);
    expect(out).toMatch(/Normal\s+IPAllocated\s+\S+ \(x2 over \S+\)\s+purelb-allocator\s+Assigned IP 192\.0\.2\.10 from pool default/);
  });

  it('get svc -w sees a later change', async () => {
    const child = spawn(kubectlBinary(), ['--kubeconfig', kube.kubeconfigPath, 'get', 'svc', '-n', 'kc', '-w', '--output-watch-events'], {
      env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await waitFor(() => output.includes('ADDED'), 10_000);
      await kubectl('patch', 'svc', 'web', '-n', 'kc', '--subresource=status', '--type=merge', '-p', '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.11"}]}}}');
      await waitFor(() => /MODIFIED\s+web\s+LoadBalancer\s+\S+\s+192\.0\.2\.11/.test(output), 10_000);
    } finally {
      child.kill();
    }
    expect(output).toMatch(/MODIFIED\s+web\s+LoadBalancer\s+\S+\s+192\.0\.2\.11/);
  });

  it('delete waits for a finalizer and completes when it is removed', async () => {
    await kubectl('patch', 'svc', 'web', '-n', 'kc', '--type=merge', '-p', '{"metadata":{"finalizers":["service.kubernetes.io/load-balancer-cleanup"]}}');
    const out = await kubectl('delete', 'svc', 'web', '-n', 'kc', '--wait=false');
    expect(out).toContain('service "web" deleted');
    const still = JSON.parse(await kubectl('get', 'svc', 'web', '-n', 'kc', '-o', 'json'));
    expect(still.metadata.deletionTimestamp).toBeDefined();
    const deleting = kubectl('delete', 'svc', 'web', '-n', 'kc', '--timeout=20s');
    await new Promise((r) => setTimeout(r, 500));
    await kubectl('patch', 'svc', 'web', '-n', 'kc', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
    await deleting;
    const err = await kubectlFails('get', 'svc', 'web', '-n', 'kc');
    expect(err).toContain('services "web" not found');
  });

  it('create -f a CRD, then get its custom resources with printer columns', async () => {
    await kubectl('create', '-f', manifest('crd.yaml', CRD));
    await waitForAsync(async () => (await kubectl('api-resources', '--api-group=example.com')).includes('widgets'), 10_000);
    await kubectl('apply', '-f', manifest('w.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: kc}\nspec: {size: 3, color: blue}\n'));
    const out = await kubectl('get', 'widgets', '-n', 'kc');
    const [header, row] = out.trim().split('\n');
    expect(header).toMatch(/^NAME\s+SIZE\s+COLOR\s+AGE$/);
    expect(row).toMatch(/^w1\s+3\s+blue\s+\S+$/);
    const short = await kubectl('get', 'wd', '-n', 'kc', '-o', 'name');
    expect(short.trim()).toBe('widget.example.com/w1');
    const invalid = await kubectlFails('apply', '-f', manifest('bad.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: kc}\nspec: {size: 0}\n'));
    expect(invalid).toContain('spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1');
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForAsync(cond: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
