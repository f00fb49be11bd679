// Deployment, DaemonSet and Pod hooks: the defaults kube applies (compared with the recorded
// Deployment POST of `kubectl apply` in 08), generation bookkeeping, validation and printers.
import { describe, expect, it } from '@jest/globals';
import { daemonSetsResource } from '../src/resources/builtin/daemonsets.js';
import { deploymentsResource } from '../src/resources/builtin/deployments.js';
import { podsResource } from '../src/resources/builtin/pods.js';
import { FakeRegistry, clone, exchange, fakeCtx, recording, withoutManagedFields } from './builtin-harness.js';

const DEPLOY = deploymentsResource();
const DS = daemonSetsResource();
const POD = podsResource();
const rec = recording('08-kubectl-flows.jsonl');

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'registry.k8s.io/e2e-test-images/agnhost:2.39' }] },
};

describe('deployments', () => {
  it('defaults a created Deployment exactly as recorded (08 seq 9)', () => {
    const ex = exchange(rec, 9);
    const reg = new FakeRegistry(fakeCtx(), 'rec-kubectl');
    expect(reg.create(DEPLOY, ex.requestBody, ex.responseBody)).toEqual({ status: 201, body: withoutManagedFields(ex.responseBody) });
  });

  it('bumps the generation for spec and annotation changes only, after defaulting', () => {
    const ex = exchange(rec, 9);
    const reg = new FakeRegistry(fakeCtx(), 'rec-kubectl');
    reg.create(DEPLOY, ex.requestBody, ex.responseBody);
    // Re-sending the original body (defaults missing) is no spec change.
    expect(reg.update(DEPLOY, 'web', ex.requestBody).body.metadata.generation).toBe(1);
    expect(reg.patch(DEPLOY, 'web', 'merge', { metadata: { labels: { tier: 'x' } } }).body.metadata.generation).toBe(1);
    expect(reg.patch(DEPLOY, 'web', 'merge', { metadata: { annotations: { note: 'x' } } }).body.metadata.generation).toBe(2);
    expect(reg.patch(DEPLOY, 'web', 'merge', { spec: { replicas: 3 } }).body.metadata.generation).toBe(3);
    expect(reg.patch(DEPLOY, 'web', 'merge', { status: { replicas: 3 } }).body.status).toEqual({});
  });

  it('keeps labels on /status writes and applies the status', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    reg.create(DEPLOY, { metadata: { name: 'd', labels: { app: 'web' } }, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    const res = reg.update(DEPLOY, 'd', { metadata: { name: 'd', labels: { other: 'x' }, annotations: { a: 'b' } }, status: { readyReplicas: 1 } }, 'status');
    expect(res.body.metadata.labels).toEqual({ app: 'web' });
    expect(res.body.metadata.annotations).toEqual({ a: 'b' });
    expect(res.body.status).toEqual({ readyReplicas: 1 });
  });

  it('validates selector, template labels, restart policy and containers', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(DEPLOY, {
      metadata: { name: 'd' },
      spec: { replicas: -1, selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } } },
    });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
        field: 'spec.template.metadata.labels',
      },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' },
      { reason: 'FieldValueNotSupported', message: 'Unsupported value: "Never": supported values: "Always"', field: 'spec.template.spec.restartPolicy' },
    ]);
    const noSelector = reg.create(DEPLOY, { metadata: { name: 'e' }, spec: { template } });
    expect(noSelector.body.details.causes.map((c: any) => c.field)).toEqual(['spec.selector', 'spec.template.metadata.labels']);
  });

  it('refuses a selector change', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    reg.create(DEPLOY, { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    const res = reg.patch(DEPLOY, 'd', 'merge', { spec: { selector: { matchLabels: { app: 'web', x: 'y' } }, template: { metadata: { labels: { x: 'y' } } } } });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "x":"y"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
        field: 'spec.selector',
      },
    ]);
  });

  it('prints kube printDeployment cells', () => {
    const ex = exchange(rec, 9);
    const d = withoutManagedFields(ex.responseBody);
    d.status = { readyReplicas: 1, updatedReplicas: 2 };
    d.spec.selector = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] };
    const now = new Date(Date.parse(d.metadata.creationTimestamp) + 90_000);
    expect(DEPLOY.table!.cells(d, now)).toEqual(['web', '1/2', 2, 0, '90s', 'web', 'registry.k8s.io/e2e-test-images/agnhost:2.39', 'app=web,tier in (a,b)']);
    expect(DEPLOY.table!.columns.map((c) => c.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector']);
  });
});

describe('daemonsets', () => {
  it('defaults update strategy, template, status and the template generation annotation', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(DS, { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template: clone(template) } });
    expect(res.status).toBe(201);
    expect(res.body.metadata.generation).toBe(1);
    expect(res.body.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    expect(res.body.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(res.body.spec.revisionHistoryLimit).toBe(10);
    expect(res.body.spec.template.metadata.creationTimestamp).toBeNull();
    expect(res.body.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(res.body.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });

  it('bumps template generation only for template changes', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    reg.create(DS, { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template: clone(template) } });
    const same = reg.patch(DS, 'agent', 'merge', { spec: { minReadySeconds: 5 } });
    expect([same.body.metadata.generation, same.body.metadata.annotations['deprecated.daemonset.template.generation']]).toEqual([2, '1']);
    const changed = reg.patch(DS, 'agent', 'merge', { spec: { template: { metadata: { annotations: { x: 'y' } } } } });
    expect([changed.body.metadata.generation, changed.body.metadata.annotations['deprecated.daemonset.template.generation']]).toEqual([3, '2']);
  });

  it('requires the selector to match the template and prints kube printDaemonSet cells', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const bad = reg.create(DS, { metadata: { name: 'x' }, spec: { template: clone(template) } });
    expect(bad.body.details.causes.map((c: any) => c.field)).toEqual(['spec.template.metadata.labels']);
    const ok = reg.create(DS, {
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { ...clone(template), spec: { ...clone(template.spec), nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
    });
    const now = new Date(Date.parse(ok.body.metadata.creationTimestamp) + 5_000);
    expect(DS.table!.cells(ok.body, now)).toEqual(['agent', 0, 0, 0, 0, 0, 'kubernetes.io/os=linux', '5s', 'web', 'registry.k8s.io/e2e-test-images/agnhost:2.39', 'app=web']);
  });
});

describe('pods', () => {
  it('applies pod defaults, admission defaults and a Pending status', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(POD, {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
      status: { phase: 'Running' },
    });
    expect(res.status).toBe(201);
    const spec = res.body.spec;
    expect(spec.containers[0]).toEqual({
      name: 'c',
      image: 'busybox',
      resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
    expect(spec.enableServiceLinks).toBe(true);
    expect(spec.priority).toBe(0);
    expect(spec.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(res.body.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
  });

  it('selects by spec.nodeName and status.phase and prints kube printPod cells', () => {
    const pod = {
      metadata: { name: 'p', creationTimestamp: '2026-11-24T18:39:00Z' },
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Running', podIP: '10.244.1.5', containerStatuses: [{ ready: true, restartCount: 2 }, { ready: false, restartCount: 1 }] },
    };
    expect(POD.fieldSelectors!['spec.nodeName']!(pod)).toBe('n1');
    expect(POD.fieldSelectors!['status.phase']!(pod)).toBe('Running');
    expect(POD.table!.cells(pod, new Date('2026-11-24T18:40:00Z'))).toEqual(['p', '1/2', 'Running', '3', '60s', '10.244.1.5', 'n1', '<none>', '<none>']);
  });

  it('requires containers with names and images', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    expect(reg.create(POD, { metadata: { name: 'p' }, spec: {} }).body.details.causes).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' },
    ]);
  });
});
