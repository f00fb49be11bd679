// The Service strategy (defaulting, allocation, validation, Table) driven directly through its
// hooks with a fake StrategyContext whose store is a plain array. The 02-services-crud recording is
// replayed step by step: request bodies go in, the recorded responses must come out, with
// allocated clusterIPs / nodePorts learnt as substitutions (they are random on any server).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, alreadyExists, invalidError } from '../src/errors.js';
import type { KubeObject, ServerConfig, StrategyContext } from '../src/resources/types.js';
import { servicesResource, serviceTable } from '../src/resources/builtin/services.js';
import { formatIP, parseCIDR, parseIPSloppy } from '../src/resources/builtin/service-allocation.js';

const RECORDINGS_DIR = join(process.cwd(), '..', 'shared', 'kube-api-recordings');

interface Exchange {
  seq: number;
  method: string;
  path: string;
  query: Record<string, string>;
  requestHeaders: Record<string, string>;
  requestBody: any;
  status: number;
  responseBody: any;
  startedAt: string;
}

function load(file: string): Map<number, Exchange> {
  const out = new Map<number, Exchange>();
  for (const line of readFileSync(join(RECORDINGS_DIR, file), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const ex = JSON.parse(line) as Exchange;
    out.set(ex.seq, ex);
  }
  return out;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const SVC = servicesResource();
const hooks = SVC.hooks!;
const RECORDED_CONFIG: ServerConfig = { serviceCIDR: '10.96.0.0/16', nodePortRange: [30000, 32767] };

interface Result {
  status: number;
  body: KubeObject;
}

/**
 * The slice of the REST layer the hooks rely on: it stamps system metadata, keeps the stored status
 * on main-resource writes and the stored spec on /status writes, and turns causes into a 422.
 */
class FakeServer {
  readonly stored = new Map<string, KubeObject>();
  private rv = 1000;
  constructor(
    readonly config: ServerConfig = RECORDED_CONFIG,
    readonly namespace = 'rec-services',
  ) {}

  ctx(dryRun = false): StrategyContext {
    return {
      list: (t) => (t === SVC ? [...this.stored.values()].map(clone) : []),
      lookup: () => undefined,
      dryRun,
      config: this.config,
      now: () => new Date('2026-11-24T18:40:00Z'),
    };
  }

  private run(name: string, fn: () => KubeObject | ApiError): Result {
    try {
      const out = fn();
      if (out instanceof ApiError) return { status: out.code, body: out.toStatus() };
      return { status: 200, body: { kind: 'Service', apiVersion: 'v1', ...clone(out) } };
    } catch (e) {
      if (e instanceof ApiError) return { status: e.code, body: e.toStatus() };
      throw new Error(`${name}: ${String(e)}`);
    }
  }

  create(body: KubeObject, dryRun = false): Result {
    const obj = clone(body);
    const meta = (obj.metadata = obj.metadata ?? {});
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}x7k2q`;
    const name: string = meta.name;
    meta.namespace = this.namespace;
    meta.uid = `uid-${name}`;
    meta.creationTimestamp = '2026-11-24T18:33:49Z';
    delete meta.resourceVersion;
    delete obj.apiVersion;
    delete obj.kind;
    const r = this.run(name, () => {
      hooks.prepareCreate!(this.ctx(dryRun), obj);
      const causes = hooks.validateCreate!(this.ctx(dryRun), obj);
      if (causes.length) return invalidError('Service', name, causes);
      if (this.stored.has(name)) return alreadyExists('services', name);
      if (!dryRun) {
        obj.metadata!.resourceVersion = String(++this.rv);
        this.stored.set(name, clone(obj));
      }
      return obj;
    });
    return r.status === 200 ? { ...r, status: 201 } : r;
  }

  /** PUT or a patch already applied to the stored object (main resource). */
  update(name: string, incoming: KubeObject, dryRun = false): Result {
    const old = this.stored.get(name)!;
    const next = clone(incoming);
    delete next.apiVersion;
    delete next.kind;
    next.metadata = { ...(next.metadata ?? {}), name, namespace: this.namespace, uid: old.metadata!.uid };
    next.metadata.creationTimestamp = old.metadata!.creationTimestamp;
    delete next.metadata.resourceVersion;
    next.status = clone(old.status);
    return this.run(name, () => {
      hooks.prepareUpdate!(this.ctx(dryRun), next, clone(old));
      const causes = hooks.validateUpdate!(this.ctx(dryRun), next, clone(old));
      if (causes.length) return invalidError('Service', name, causes);
      if (!dryRun) {
        next.metadata!.resourceVersion = String(++this.rv);
        this.stored.set(name, clone(next));
      }
      return next;
    });
  }

  mergePatch(name: string, patch: any, dryRun = false): Result {
    return this.update(name, mergePatch(clone(this.stored.get(name)), patch), dryRun);
  }

  /** A /status write: only status and (for Services) labels/annotations are taken. */
  updateStatus(name: string, incoming: KubeObject): Result {
    const old = this.stored.get(name)!;
    const next = clone(old);
    next.status = clone(incoming.status);
    next.metadata = { ...next.metadata, labels: incoming.metadata?.labels, annotations: incoming.metadata?.annotations };
    if (next.metadata.labels === undefined) delete next.metadata.labels;
    if (next.metadata.annotations === undefined) delete next.metadata.annotations;
    return this.run(name, () => {
      const causes = hooks.validateStatusUpdate!(this.ctx(), next, clone(old));
      if (causes.length) return invalidError('Service', name, causes);
      this.stored.set(name, clone(next));
      return next;
    });
  }

  mergePatchStatus(name: string, patch: any): Result {
    return this.updateStatus(name, mergePatch(clone(this.stored.get(name)), patch));
  }
}

// ------------------------------------------------------------------ allocation substitutions

const ALLOC_KEYS = new Set(['clusterIP', 'clusterIPs', 'nodePort', 'healthCheckNodePort']);

function inUpperIPBand(ip: string): boolean {
  const p = parseIPSloppy(ip)!;
  const base = parseIPSloppy('10.96.0.1')!.value;
  return p.family === 'IPv4' && p.value - base >= 256n && p.value <= parseIPSloppy('10.96.255.254')!.value;
}

/** Learns recorded→ours for allocated values, so later requests and messages can be rewritten. */
class Substitutions {
  private readonly map = new Map<string, string | number>();
  private readonly taken = new Map<string, string>();

  private learn(kind: 'ip' | 'port', expected: string | number, actual: string | number): void {
    const key = `${kind}:${expected}`;
    const known = this.map.get(key);
    if (known !== undefined) {
      expect(actual).toBe(known);
      return;
    }
    const owner = this.taken.get(`${kind}:${actual}`);
    expect(owner ?? key).toBe(key); // two recorded values never collapse into one of ours
    if (kind === 'ip') expect(inUpperIPBand(String(actual))).toBe(true);
    else expect(Number(actual) >= 30086 && Number(actual) <= 32767).toBe(true);
    this.map.set(key, actual);
    this.taken.set(`${kind}:${actual}`, key);
  }

  /** Pairs the allocation fields of a recorded spec with ours (same positions). */
  learnSpec(expected: any, actual: any): void {
    if (!expected || !actual) return;
    if (typeof expected.clusterIP === 'string' && expected.clusterIP !== 'None') this.learn('ip', expected.clusterIP, actual.clusterIP);
    (expected.clusterIPs ?? []).forEach((ip: string, i: number) => {
      if (ip !== 'None') this.learn('ip', ip, actual.clusterIPs?.[i]);
    });
    (expected.ports ?? []).forEach((p: any, i: number) => {
      if (typeof p.nodePort === 'number') this.learn('port', p.nodePort, actual.ports?.[i]?.nodePort);
    });
    if (typeof expected.healthCheckNodePort === 'number') this.learn('port', expected.healthCheckNodePort, actual.healthCheckNodePort);
  }

  /** Rewrites recorded allocation values in a request body or expected response. */
  apply<T>(v: T, key?: string): T {
    if (Array.isArray(v)) return v.map((x) => this.apply(x, key)) as T;
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.apply(x, k);
      return out as T;
    }
    if (key && ALLOC_KEYS.has(key)) {
      const kind = typeof v === 'number' ? 'port' : 'ip';
      const m = this.map.get(`${kind}:${String(v)}`);
      if (m !== undefined) return m as T;
    }
    return v;
  }

  /** Rewrites allocation values inside error message text. */
  text(s: string): string {
    let out = s;
    for (const [k, v] of this.map) {
      const raw = k.slice(k.indexOf(':') + 1);
      out = out.split(raw).join(String(v));
    }
    return out;
  }
}

function comparable(body: any): any {
  if (body?.kind === 'Status') return body;
  return {
    kind: body.kind,
    apiVersion: body.apiVersion,
    name: body.metadata?.name,
    namespace: body.metadata?.namespace,
    labels: body.metadata?.labels,
    spec: body.spec,
    status: body.status,
  };
}

function substituteStatus(subs: Substitutions, status: any): any {
  const out = clone(status);
  out.message = subs.text(out.message);
  for (const c of out.details?.causes ?? []) c.message = subs.text(c.message);
  return out;
}

/** Replays one recorded exchange's expectations against our result. */
function expectRecorded(subs: Substitutions, ex: Exchange, res: Result, opts: { learn?: boolean } = {}): void {
  expect(res.status).toBe(ex.status);
  const expected = ex.responseBody;
  if (expected.kind === 'Status') {
    expect(res.body).toEqual(substituteStatus(subs, expected));
    return;
  }
  if (opts.learn !== false) subs.learnSpec(expected.spec, res.body.spec);
  expect(comparable(res.body)).toEqual(comparable(subs.apply(expected)));
  // Field order too: kubectl -o json shows what the server encodes.
  expect(Object.keys(res.body.spec)).toEqual(Object.keys(expected.spec));
}

// ------------------------------------------------------------------ the 02 replay

describe('02-services-crud replayed through the Service hooks', () => {
  const rec = load('02-services-crud.jsonl');
  const server = new FakeServer();
  const subs = new Substitutions();
  const ex = (seq: number): Exchange => rec.get(seq)!;
  const body = (seq: number): any => subs.apply(clone(ex(seq).requestBody));
  const nameOf = (seq: number): string => ex(seq).path.split('/').filter(Boolean)[5]!;

  const creates = [2, 3, 4, 5, 6, 7];
  it.each(creates)('create seq %i', (seq) => {
    expectRecorded(subs, ex(seq), server.create(body(seq)));
  });

  it('seq 8: dryRun=All create reports the fake allocations and stores nothing', () => {
    const res = server.create(body(8), true);
    expectRecorded(subs, ex(8), res, { learn: false });
    expect(res.body.spec.clusterIP).toBe('10.96.0.0');
    expect(res.body.spec.ports[0].nodePort).toBe(32769);
    expect(server.stored.has('lb-dryrun')).toBe(false);
  });

  it('seq 24/26: PUT keeps allocations, also when clusterIP and nodePort are left out', () => {
    expectRecorded(subs, ex(24), server.update('lb-local', body(24)));
    const put = body(26);
    expect(put.spec.clusterIP).toBeUndefined();
    expect(put.spec.ports[0].nodePort).toBeUndefined();
    expectRecorded(subs, ex(26), server.update('lb-local', put));
  });

  it('seq 28: changing clusterIP(s) is rejected with the clusterIPs[0] message', () => {
    expectRecorded(subs, ex(28), server.update('lb-local', body(28)));
  });

  it('seq 30/31/33: merge patches (annotations; ports list replaced, nodePorts kept by name)', () => {
    expect(server.mergePatch('lb-local', body(30)).status).toBe(200);
    expect(server.mergePatch('lb-local', body(31)).status).toBe(200);
    expectRecorded(subs, ex(33), server.mergePatch('lb-class', body(33)));
  });

  it('seq 43/44: strategic merge patch adds a port (new nodePort) and deletes it again', () => {
    // What the SMP engine hands the strategy: the new port merged in front, without nodePort.
    const current = clone(server.stored.get('lb-local')!);
    current.spec.ports = [{ name: 'https', port: 8443, targetPort: 9443, protocol: 'TCP' }, ...current.spec.ports];
    current.metadata!.annotations = { ...(current.metadata!.annotations ?? {}), 'purelb.io/smp': 'yes' };
    expectRecorded(subs, ex(43), server.update('lb-local', current));
    const after = clone(server.stored.get('lb-local')!);
    after.spec.ports = after.spec.ports.filter((p: any) => p.port !== 8443);
    expectRecorded(subs, ex(44), server.update('lb-local', after));
  });

  it('seq 49-60: /status writes validate ingress and keep spec; main writes keep status', () => {
    expectRecorded(subs, ex(49), server.mergePatchStatus('lb-local', body(49)));
    expectRecorded(subs, ex(51), server.update('lb-local', body(51)));
    expectRecorded(subs, ex(52), server.mergePatch('lb-local', body(52)));
    expectRecorded(subs, ex(54), server.updateStatus('lb-local', body(54)));
    expectRecorded(subs, ex(55), server.mergePatchStatus('lb-local', body(55)));
    const jsonPatched = clone(server.stored.get('lb-local')!);
    jsonPatched.status.loadBalancer.ingress[0].ip = '192.0.2.12';
    expectRecorded(subs, ex(56), server.updateStatus('lb-local', jsonPatched));
    expectRecorded(subs, ex(58), server.mergePatchStatus('lb-local', body(58)));
    expectRecorded(subs, ex(59), server.mergePatchStatus('lb-local', body(59)));
    expectRecorded(subs, ex(60), server.mergePatchStatus('lb-local', body(60)));
  });

  it('seq 61/62: loadBalancerClass may not change, nor be set later', () => {
    expectRecorded(subs, ex(61), server.mergePatch(nameOf(61), body(61)));
    expectRecorded(subs, ex(62), server.mergePatch(nameOf(62), body(62)));
  });

  it('seq 63-67: type changes clear and re-allocate type-dependent fields', () => {
    const before = server.stored.get('lb-local')!;
    expect(before.spec.healthCheckNodePort).toBeGreaterThan(0);
    expect(before.status.loadBalancer.ingress).toHaveLength(1);
    expectRecorded(subs, ex(63), server.mergePatch('lb-local', body(63)));
    expect(server.stored.get('lb-local')!.status).toEqual({ loadBalancer: {} });
    server.stored.get('lb-class')!.metadata!.annotations = { a: 'b' };
    expectRecorded(subs, ex(65), server.mergePatch('lb-class', body(65)));
    const res = server.mergePatch('lb-local', body(66));
    expectRecorded(subs, ex(66), res);
    // Back to LoadBalancer: a fresh nodePort, not the one released by the ClusterIP step.
    expect(res.body.spec.ports[0].nodePort).not.toBe(before.spec.ports[0].nodePort);
    expectRecorded(subs, ex(67), server.mergePatch('lb-local', body(67)));
  });

  it.each([74, 75, 76, 77, 78, 79])('seq %i: invalid Service → 422 with kube’s causes', (seq) => {
    expectRecorded(subs, ex(seq), server.create(body(seq)));
  });

  it('seq 80: duplicate ports share one nodePort, then both duplicates are reported (Go struct rendering)', () => {
    const res = server.create(body(80));
    expect(res.status).toBe(422);
    const expected = clone(ex(80).responseBody);
    const np = /Duplicate value: (\d+)/.exec(res.body.details.causes[0].message)![1]!;
    expect(Number(np)).toBeGreaterThanOrEqual(30086);
    const recordedNp = /Duplicate value: (\d+)/.exec(expected.details.causes[0].message)![1]!;
    expected.message = expected.message.replace(recordedNp, np);
    expected.details.causes[0].message = expected.details.causes[0].message.replace(recordedNp, np);
    expect(res.body).toEqual(expected);
  });

  it('seq 83: creating an existing name still reaches the AlreadyExists check', () => {
    expectRecorded(subs, ex(83), server.create(body(83)));
  });

  it('seq 85: requesting a nodePort held by another Service', () => {
    const req = body(85);
    expect(req.spec.ports[0].nodePort).toBe(server.stored.get('lb-local')!.spec.ports[0].nodePort);
    expectRecorded(subs, ex(85), server.create(req));
  });

  it('seq 86/87/98/107: more creates, generateName, finalizer patch', () => {
    expectRecorded(subs, ex(86), server.create(body(86)));
    expectRecorded(subs, ex(87), server.mergePatch('lb-finalizer', body(87)));
    expectRecorded(subs, ex(98), server.create(body(98)));
    const res = server.create(body(107));
    expect(res.body.metadata.name).toBe('gen-svc-x7k2q');
    subs.learnSpec(ex(107).responseBody.spec, res.body.spec);
    expect(res.body.spec).toEqual(subs.apply(ex(107).responseBody.spec));
  });

  it('seq 109: invalid generateName prefix (DNS-1035) reports both generateName and name', () => {
    const res = server.create(body(109));
    const expected = clone(ex(109).responseBody);
    const json = JSON.stringify(expected).split('Bad_Prefix-5df2x').join('Bad_Prefix-x7k2q');
    expect(res).toEqual({ status: 422, body: JSON.parse(json) });
  });

  it('allocations stay unique across every stored Service', () => {
    const ips = [...server.stored.values()].flatMap((s) => s.spec.clusterIPs as string[]);
    const ports = [...server.stored.values()].flatMap((s) => [
      ...s.spec.ports.map((p: any) => p.nodePort).filter(Boolean),
      ...(s.spec.healthCheckNodePort ? [s.spec.healthCheckNodePort] : []),
    ]);
    expect(new Set(ips).size).toBe(ips.length);
    expect(new Set(ports).size).toBe(ports.length);
  });
});

// ------------------------------------------------------------------ 08: kubectl flows

describe('08-kubectl-flows Service writes', () => {
  const rec = load('08-kubectl-flows.jsonl');
  const server = new FakeServer(RECORDED_CONFIG, 'rec-kubectl');
  const subs = new Substitutions();
  const ex = (seq: number): Exchange => rec.get(seq)!;
  const stripLastApplied = (o: any) => {
    delete o?.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
    return o;
  };

  it('apply create, re-apply (new port + ETP Local → healthCheckNodePort), dry-run revert drops it', () => {
    expectRecorded(subs, ex(12), server.create(stripLastApplied(subs.apply(clone(ex(12).requestBody)))));
    // seq 20 as the SMP engine produces it: label, annotation, ETP Local, metrics port appended.
    const v2 = clone(server.stored.get('web-svc')!);
    v2.metadata!.labels = { tier: 'frontend' };
    v2.spec.externalTrafficPolicy = 'Local';
    v2.spec.ports.push({ name: 'metrics', port: 9090, targetPort: 9090 });
    const res = server.update('web-svc', v2);
    expectRecorded(subs, ex(20), res);
    expect(res.body.spec.healthCheckNodePort).toBeGreaterThan(0);
    // seq 35 (dryRun): ETP removed (→ default Cluster), metrics port deleted.
    const v1 = clone(server.stored.get('web-svc')!);
    delete v1.metadata!.labels;
    delete v1.spec.externalTrafficPolicy;
    v1.spec.ports = v1.spec.ports.filter((p: any) => p.port !== 9090);
    const dry = server.update('web-svc', v1, true);
    expectRecorded(subs, ex(35), dry);
    expect(dry.body.spec.healthCheckNodePort).toBeUndefined();
    expect(server.stored.get('web-svc')!.spec.healthCheckNodePort).toBe(res.body.spec.healthCheckNodePort);
  });

  it('expose with loadBalancerIP: client status dropped; ETP Local patch allocates a healthCheckNodePort', () => {
    const req = clone(ex(39).requestBody);
    req.status = { loadBalancer: { ingress: [{ ip: '192.0.2.99' }] } };
    expectRecorded(subs, ex(39), server.create(req));
    expect(server.mergePatchStatus('web-lb', ex(40).requestBody).status).toBe(200);
    expect(server.mergePatch('web-lb', ex(75).requestBody).status).toBe(200);
    expectRecorded(subs, ex(79), server.mergePatch('web-lb', ex(79).requestBody));
  });
});

// ------------------------------------------------------------------ Table

describe('Service Table (kubectl get svc)', () => {
  const rec08 = load('08-kubectl-flows.jsonl');
  const rec01 = load('01-discovery.jsonl');

  it('has exactly the recorded column definitions', () => {
    const recorded = rec08.get(43)!.responseBody.columnDefinitions;
    expect(serviceTable.columns.map((c) => ({ ...c, format: c.format ?? '' }))).toEqual(recorded);
  });

  it('renders the recorded rows (pending LB, multiple ingress IPs, ClusterIP)', () => {
    const now = new Date('2026-11-24T18:35:38Z');
    const webLb = {
      metadata: { name: 'web-lb', creationTimestamp: '2026-11-24T18:35:36Z' },
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.128.40'], ports: [{ port: 8765, protocol: 'TCP', nodePort: 32280 }], selector: { app: 'web' } },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.51' }, { ip: '192.0.2.50' }] } },
    };
    const webSvc = {
      metadata: { name: 'web-svc', creationTimestamp: '2026-11-24T18:35:35Z' },
      spec: {
        type: 'LoadBalancer',
        clusterIPs: ['10.96.17.150'],
        ports: [
          { port: 8765, protocol: 'TCP', nodePort: 31714 },
          { port: 9090, protocol: 'TCP', nodePort: 31401 },
        ],
        selector: { app: 'web' },
      },
      status: { loadBalancer: {} },
    };
    const rows = rec08.get(86)!.responseBody.rows.map((r: any) => r.cells);
    expect(serviceTable.cells(webLb, now)).toEqual(['web-lb', 'LoadBalancer', '10.96.128.40', '192.0.2.50,192.0.2.51', '8765:32280/TCP', '2s', 'app=web']);
    expect(serviceTable.cells(webLb, now).filter((_, i) => i !== 5)).toEqual(rows[0].filter((_: unknown, i: number) => i !== 5));
    expect(serviceTable.cells(webSvc, now).filter((_, i) => i !== 5)).toEqual(rows[1].filter((_: unknown, i: number) => i !== 5));
    expect(serviceTable.cells(webSvc, now)[5]).toBe('3s');

    const kubernetes = {
      metadata: { name: 'kubernetes', creationTimestamp: '2026-11-24T18:10:00Z' },
      spec: { type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    };
    expect(serviceTable.cells(kubernetes, new Date('2026-11-24T18:33:30Z'))).toEqual(rec01.get(24)!.responseBody.rows[0].cells);
  });

  it('covers headless, ExternalName, NodePort with externalIPs, LB hostnames and missing times', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    const created = '2026-11-24T18:00:00Z';
    expect(serviceTable.cells({ metadata: { name: 'h', creationTimestamp: created }, spec: { type: 'ClusterIP', clusterIPs: ['None'], ports: [] } }, now)).toEqual([
      'h', 'ClusterIP', 'None', '<none>', '<none>', '120m', '<none>',
    ]);
    expect(serviceTable.cells({ metadata: { name: 'x' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }, now)).toEqual([
      'x', 'ExternalName', '<none>', 'db.example.com', '<none>', '<unknown>', '<none>',
    ]);
    const np = { metadata: { name: 'n', creationTimestamp: created }, spec: { type: 'NodePort', clusterIPs: ['10.96.3.3'], externalIPs: ['192.0.2.1', '192.0.2.2'], ports: [{ port: 53, protocol: 'UDP', nodePort: 30053 }], selector: { b: '2', a: '1' } } };
    expect(serviceTable.cells(np, now).slice(3)).toEqual(['192.0.2.1,192.0.2.2', '53:30053/UDP', '120m', 'a=1,b=2']);
    const lb = { metadata: { name: 'l' }, spec: { type: 'LoadBalancer', externalIPs: ['192.0.2.9'] }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }, { ip: '192.0.2.1' }] } } };
    expect(serviceTable.cells(lb, now)[3]).toBe('192.0.2.1,lb.example.com,192.0.2.9');
  });
});

// ------------------------------------------------------------------ behaviour beyond the recordings

const svc = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...extra },
  spec,
});
const port80 = [{ name: 'http', port: 80 }];
const causesOf = (r: Result): Array<[string, string]> => (r.body.details?.causes ?? []).map((c: any) => [c.field, c.message]);

describe('Service defaulting and allocation', () => {
  it('ClientIP affinity gets the default timeout; None drops a config; headless with selector stays single-stack', () => {
    const s = new FakeServer();
    const a = s.create(svc('a', { ports: port80, sessionAffinity: 'ClientIP', selector: { app: 'a' } }));
    expect(a.body.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    const h = s.create(svc('h', { ports: port80, clusterIP: 'None', selector: { app: 'h' } }));
    expect(h.body.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const t = s.create(svc('t', { ports: [{ port: 80, targetPort: 'http-alt' }], selector: { app: 't' } }));
    expect(t.body.spec.ports[0]).toEqual({ protocol: 'TCP', port: 80, targetPort: 'http-alt' });
  });

  it('headless and selectorless is RequireDualStack with both families even on a single-stack cluster', () => {
    const r = new FakeServer().create(svc('hl', { clusterIP: 'None', ports: port80 }));
    expect(r.status).toBe(201);
    expect(r.body.spec).toMatchObject({ clusterIPs: ['None'], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
  });

  it('ExternalName gets no clusterIP, families or nodePorts, and validates the name', () => {
    const s = new FakeServer();
    const ok = s.create(svc('ext', { type: 'ExternalName', externalName: 'db.example.com.' }));
    expect(ok.status).toBe(201);
    expect(ok.body.spec).toEqual({ type: 'ExternalName', sessionAffinity: 'None', externalName: 'db.example.com.' });
    const bad = s.create(svc('ext2', { type: 'ExternalName', externalName: 'Not_A_Host', clusterIP: '10.96.5.5', ipFamilyPolicy: 'SingleStack' }));
    expect(causesOf(bad)).toEqual([
      ['spec.clusterIPs', 'Forbidden: may not be set for ExternalName services'],
      ['spec.ipFamilyPolicy', 'Forbidden: may not be set for ExternalName services'],
      [
        'spec.externalName',
        "Invalid value: \"Not_A_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    ]);
  });

  it('a requested clusterIP is honoured once and then reported as allocated; deletion frees it', () => {
    const s = new FakeServer();
    expect(s.create(svc('one', { ports: port80, clusterIP: '10.96.0.10' })).body.spec.clusterIPs).toEqual(['10.96.0.10']);
    const clash = s.create(svc('two', { ports: port80, clusterIP: '10.96.0.10' }));
    expect(clash.body.message).toBe(
      'Service "two" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    );
    s.stored.delete('one');
    expect(s.create(svc('two', { ports: port80, clusterIP: '10.96.0.10' })).status).toBe(201);
  });

  it('network and broadcast addresses are outside the range', () => {
    const s = new FakeServer();
    for (const ip of ['10.96.0.0', '10.96.255.255']) {
      expect(s.create(svc('x', { ports: port80, clusterIP: ip })).body.details.causes[0].message).toContain(
        `the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/16`,
      );
    }
  });

  it('nodePorts: out of range, same port number shares one, explicit request honoured, dry-run numbering', () => {
    const s = new FakeServer();
    const out = s.create(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }));
    expect(causesOf(out)).toEqual([
      ['spec.ports[0].nodePort', 'Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
    ]);
    const dns = s.create(svc('dns', { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }));
    expect(dns.status).toBe(201);
    expect(dns.body.spec.ports[0].nodePort).toBe(dns.body.spec.ports[1].nodePort);
    const fixed = s.create(svc('fixed', { type: 'NodePort', ports: [{ name: 'a', port: 1, nodePort: 30001 }, { name: 'b', port: 2 }] }));
    expect(fixed.body.spec.ports[0].nodePort).toBe(30001);
    const dry = s.create(svc('dry', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'a', port: 1, nodePort: 30500 }, { name: 'b', port: 2 }] }), true);
    expect(dry.body.spec.ports.map((p: any) => p.nodePort)).toEqual([30500, 30501]);
    expect(dry.body.spec.healthCheckNodePort).toBe(30502);
    expect(dry.body.spec.clusterIPs).toEqual(['10.96.0.0']);
  });

  it('allocateLoadBalancerNodePorts=false still honours explicitly requested nodePorts', () => {
    const r = new FakeServer().create(svc('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ name: 'a', port: 1, nodePort: 30111 }, { name: 'b', port: 2 }] }));
    expect(r.body.spec.ports.map((p: any) => p.nodePort)).toEqual([30111, undefined]);
  });

  it('a full range answers 500 like kube (clusterIP and nodePort)', () => {
    const s = new FakeServer({ serviceCIDR: '10.0.0.0/30', nodePortRange: [30000, 30000] });
    expect(s.create(svc('a', { ports: port80 })).body.spec.clusterIP).toMatch(/^10\.0\.0\.[12]$/);
    expect(s.create(svc('b', { ports: port80 })).status).toBe(201);
    const full = s.create(svc('c', { ports: port80 }));
    expect(full.status).toBe(500);
    expect(full.body.message).toBe('Internal error occurred: failed to allocate a serviceIP: range is full');
    s.stored.delete('b');
    expect(s.create(svc('np1', { type: 'NodePort', ports: port80 })).body.spec.ports[0].nodePort).toBe(30000);
    s.stored.delete('a');
    expect(s.create(svc('np2', { type: 'NodePort', ports: port80 })).body.message).toBe(
      'Internal error occurred: failed to allocate a nodePort: range is full',
    );
  });

  it('ETP Local → Cluster releases the healthCheckNodePort; changing it while Local is forbidden', () => {
    const s = new FakeServer();
    const lb = s.create(svc('lb', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: port80, selector: { a: 'b' } }));
    const hc = lb.body.spec.healthCheckNodePort;
    expect(hc).toBeGreaterThanOrEqual(30086);
    expect(causesOf(s.mergePatch('lb', { spec: { healthCheckNodePort: hc === 30100 ? 30101 : 30100 } }))).toEqual([
      ['spec.healthCheckNodePort', 'Forbidden: field is immutable'],
    ]);
    const cluster = s.mergePatch('lb', { spec: { externalTrafficPolicy: 'Cluster' } });
    expect(cluster.status).toBe(200);
    expect(cluster.body.spec.healthCheckNodePort).toBeUndefined();
    // The released port is free again for anyone.
    expect(s.create(svc('np', { type: 'NodePort', ports: [{ port: 1, nodePort: hc }] })).status).toBe(201);
  });

  it('ClusterIP with a nodePort, and ETP on a ClusterIP Service, are rejected', () => {
    const r = new FakeServer().create(svc('c', { ports: [{ port: 80, nodePort: 30080 }], externalTrafficPolicy: 'Local' }));
    expect(causesOf(r)).toEqual([
      ['spec.ports[0].nodePort', "Forbidden: may not be used when `type` is 'ClusterIP'"],
      ['spec.externalTrafficPolicy', 'Invalid value: "Local": may only be set for externally-accessible services'],
    ]);
  });
});

describe('Service validation messages', () => {
  it('ports: names required when several, DNS labels, protocol enum, targetPort names, appProtocol', () => {
    const r = new FakeServer().create(
      svc('p', {
        ports: [
          { port: 80, protocol: 'ICMP' },
          { name: 'Web', port: 81, targetPort: 'x--y' },
          { name: 'Web', port: 82, appProtocol: 'bad proto' },
        ],
      }),
    );
    expect(causesOf(r)).toEqual([
      ['spec.ports[0].name', 'Required value'],
      ['spec.ports[0].protocol', 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
      [
        'spec.ports[1].name',
        "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
      ['spec.ports[1].targetPort', 'Invalid value: "x--y": must not contain consecutive hyphens'],
      [
        'spec.ports[2].name',
        "Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
      ['spec.ports[2].name', 'Duplicate value: "Web"'],
      [
        'spec.ports[2].appProtocol',
        "Invalid value: \"bad proto\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ]);
  });

  it('type and affinity enums, selector labels, externalIPs and source ranges', () => {
    const r = new FakeServer().create(
      svc('e', {
        type: 'Magic',
        sessionAffinity: 'Sticky',
        ports: port80,
        selector: { 'bad key': 'v' },
        externalIPs: ['127.0.0.1', 'nope'],
        loadBalancerSourceRanges: ['10.0.0.0/8', 'bogus'],
      }),
    );
    expect(causesOf(r)).toEqual([
      [
        'spec.selector',
        "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
      ['spec.sessionAffinity', 'Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
      ['spec.externalIPs[0]', 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8)'],
      ['spec.externalIPs[1]', 'Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
      ['spec.type', 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
      ['spec.LoadBalancerSourceRanges', "Forbidden: may only be used when `type` is 'LoadBalancer'"],
      ['spec.LoadBalancerSourceRanges', 'Invalid value: "[10.0.0.0/8 bogus]": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '],
    ]);
  });

  it('loadBalancerClass only for LoadBalancer; ipFamilies not configured; dual policy with one cluster family', () => {
    const s = new FakeServer();
    expect(causesOf(s.create(svc('c', { ports: port80, loadBalancerClass: 'purelb.io/purelb' })))).toEqual([
      ['spec.loadBalancerClass', "Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ]);
    expect(causesOf(s.create(svc('f', { ports: port80, ipFamilies: ['IPv6'] })))).toEqual([
      ['spec.ipFamilies[0]', 'Invalid value: "IPv6": not configured on this cluster'],
    ]);
    expect(causesOf(s.create(svc('g', { ports: port80, ipFamilyPolicy: 'SingleStack', clusterIPs: ['10.96.1.1', 'fd00::1'], clusterIP: '10.96.1.1' })))).toEqual([
      ['spec.ipFamilyPolicy', 'Invalid value: "SingleStack": must be \'RequireDualStack\' or \'PreferDualStack\' when multiple cluster IPs are specified'],
      ['spec.clusterIPs[1]', 'Invalid value: []string{"10.96.1.1", "fd00::1"}: IPv6 is not configured on this cluster'],
    ]);
    expect(causesOf(s.create(svc('h', { ports: port80, clusterIPs: ['10.96.1.1'] })))).toEqual([
      ['spec.clusterIPs', 'Invalid value: []string{"10.96.1.1"}: must be empty when `clusterIP` is not specified'],
    ]);
    expect(causesOf(s.create(svc('i', { ports: port80, clusterIP: 'not-an-ip' })))).toEqual([
      ['spec.clusterIPs[0]', 'Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ]);
  });

  it('status: ingress IP, hostname rules and ipMode', () => {
    const s = new FakeServer();
    s.create(svc('lb', { type: 'LoadBalancer', ports: port80 }));
    const r = s.mergePatchStatus('lb', {
      status: { loadBalancer: { ingress: [{ hostname: '192.0.2.1' }, { hostname: 'Bad_Host' }, { ip: '192.0.2.5', ipMode: 'Tunnel' }, { hostname: 'ok.example', ipMode: 'VIP' }] } },
    });
    expect(causesOf(r)).toEqual([
      ['status.loadBalancer.ingress[0].hostname', 'Invalid value: "192.0.2.1": must be a DNS name, not an IP address'],
      [
        'status.loadBalancer.ingress[1].hostname',
        "Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
      ['status.loadBalancer.ingress[2].ipMode', 'Unsupported value: "Tunnel": supported values: "Proxy", "VIP"'],
      ['status.loadBalancer.ingress[3].ipMode', 'Forbidden: may not be specified when `ip` is not set'],
    ]);
    const ok = s.mergePatchStatus('lb', { status: { loadBalancer: { ingress: [{ ip: '192.0.2.5', ipMode: 'Proxy' }] } } });
    expect(ok.status).toBe(200);
    const emptied = s.updateStatus('lb', { status: { loadBalancer: { ingress: [] } } });
    expect(emptied.body.status).toEqual({ loadBalancer: {} });
  });

  it('labels written through /status are validated', () => {
    const s = new FakeServer();
    s.create(svc('lb', { type: 'LoadBalancer', ports: port80 }));
    const r = s.updateStatus('lb', { metadata: { labels: { ok: 'no spaces allowed' } }, status: { loadBalancer: {} } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('metadata.labels');
  });
});

describe('dual-stack clusters (serviceCIDRv6 set)', () => {
  const dual: ServerConfig = { serviceCIDR: '10.96.0.0/16', serviceCIDRv6: 'fd00:10:96::/112', nodePortRange: [30000, 32767] };
  const v6 = parseCIDR('fd00:10:96::/112')!;
  const inV6 = (ip: string) => {
    const p = parseIPSloppy(ip);
    return p?.family === 'IPv6' && p.value >> 16n === v6.network >> 16n;
  };

  it('PreferDualStack and RequireDualStack get both families; the ipFamilies order is respected', () => {
    const s = new FakeServer(dual);
    const pref = s.create(svc('pref', { ports: port80, ipFamilyPolicy: 'PreferDualStack' }));
    expect(pref.body.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(pref.body.spec.clusterIP).toBe(pref.body.spec.clusterIPs[0]);
    expect(inV6(pref.body.spec.clusterIPs[1])).toBe(true);
    const req = s.create(svc('req', { ports: port80, ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'] }));
    expect(req.body.spec.ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(inV6(req.body.spec.clusterIP)).toBe(true);
    expect(parseIPSloppy(req.body.spec.clusterIPs[1])?.family).toBe('IPv4');
    const single = s.create(svc('single', { ports: port80 }));
    expect(single.body.spec).toMatchObject({ ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const dry = s.create(svc('dry', { ports: port80, ipFamilyPolicy: 'RequireDualStack' }), true);
    expect(dry.body.spec.clusterIPs).toEqual(['10.96.0.0', 'fd00:10:96::']);
  });

  it('upgrading to dual-stack allocates the second IP; downgrading to SingleStack drops it', () => {
    const s = new FakeServer(dual);
    const first = s.create(svc('web', { ports: port80, selector: { app: 'web' } })).body.spec.clusterIPs[0];
    const up = s.mergePatch('web', { spec: { ipFamilyPolicy: 'PreferDualStack' } });
    expect(up.status).toBe(200);
    expect(up.body.spec.ipFamilies).toEqual(['IPv4', 'IPv6']);
    expect(up.body.spec.clusterIPs[0]).toBe(first);
    expect(inV6(up.body.spec.clusterIPs[1])).toBe(true);
    // An unrelated change keeps a PreferDualStack Service as it is.
    expect(s.mergePatch('web', { metadata: { labels: { a: 'b' } } }).body.spec.clusterIPs).toEqual(up.body.spec.clusterIPs);
    const down = s.mergePatch('web', { spec: { ipFamilyPolicy: 'SingleStack' } });
    expect(down.status).toBe(200);
    expect(down.body.spec).toMatchObject({ clusterIPs: [first], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    // Removing the secondary IP without saying SingleStack is an error.
    s.mergePatch('web', { spec: { ipFamilyPolicy: 'RequireDualStack' } });
    const bad = s.mergePatch('web', { spec: { clusterIPs: [first] } });
    expect(causesOf(bad)).toEqual([
      ['spec.ipFamilyPolicy', 'Invalid value: "RequireDualStack": must be \'SingleStack\' to release the secondary cluster IP'],
    ]);
  });
});

describe('IP helpers', () => {
  it('parse like Go (sloppy IPv4, v4-mapped is IPv4) and print like net.IP.String()', () => {
    expect(parseIPSloppy('010.096.000.001')).toEqual({ family: 'IPv4', value: parseIPSloppy('10.96.0.1')!.value });
    expect(parseIPSloppy('::ffff:10.96.0.1')?.family).toBe('IPv4');
    expect(parseIPSloppy('1.2.3')).toBeUndefined();
    expect(parseIPSloppy('2001:db8::1::2')).toBeUndefined();
    expect(formatIP(parseIPSloppy('2001:0db8:0000:0000:0001:0000:0000:0001')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIP(parseIPSloppy('fd00::')!)).toBe('fd00::');
    expect(formatIP(parseIPSloppy('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(parseCIDR('10.96.7.7/16')?.network).toBe(parseIPSloppy('10.96.0.0')!.value);
    expect(parseCIDR('10.96.0.0/33')).toBeUndefined();
  });
});
