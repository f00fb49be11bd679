// apps/v1 DaemonSets: stored with kube's defaults (RollingUpdate maxUnavailable 1 / maxSurge 0,
// revisionHistoryLimit 10, pod template defaults), the deprecated template-generation annotation
// apps/v1 exposes, and a status of Go zero values. No controller schedules daemon pods here.
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType } from '../types.js';
import {
  CONTAINERS_DESCRIPTION,
  IMAGES_DESCRIPTION,
  age,
  ageColumn,
  column,
  containerCells,
  formatLabelSelector,
  formatLabels,
  goLabelSelector,
  goStringMap,
  invalidRendered,
  isObject,
  nameColumn,
  selectorIsEmpty,
  selectorMatches,
  semanticEqual,
  validateLabelSelector,
} from './common.js';
import { defaultPodTemplate, validatePodSpec } from './pods.js';

export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function defaultDaemonSet(ds: KubeObject): void {
  const spec = (ds.spec = isObject(ds.spec) ? ds.spec : {});
  const us = (spec.updateStrategy = isObject(spec.updateStrategy) ? spec.updateStrategy : {});
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    const ru = (us.rollingUpdate = isObject(us.rollingUpdate) ? us.rollingUpdate : {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  spec.template = isObject(spec.template) ? spec.template : {};
  defaultPodTemplate(spec.template);
}

/** DaemonSetStatus: four int32 fields without omitempty. */
function normalizeStatus(ds: KubeObject): void {
  const s = (ds.status = isObject(ds.status) ? ds.status : {});
  for (const k of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) if (typeof s[k] !== 'number') s[k] = 0;
}

function templateGeneration(ds: KubeObject): number {
  const v = Number(ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(v) ? v : 0;
}

function setTemplateGeneration(ds: KubeObject, gen: number): void {
  const meta = (ds.metadata ??= {});
  meta.annotations = { ...(isObject(meta.annotations) ? meta.annotations : {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

function validateDaemonSet(ds: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ds.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  const spec = isObject(ds.spec) ? ds.spec : {};
  causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const template = isObject(spec.template) ? spec.template : {};
  const labels = template.metadata?.labels;
  if (!selectorMatches(spec.selector, labels)) {
    causes.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  if (isObject(spec.selector) && selectorIsEmpty(spec.selector)) {
    causes.push(invalidRendered('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
  }
  causes.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const restart = template.spec?.restartPolicy;
  if (restart !== 'Always') causes.push(field.notSupported('spec.template.spec.restartPolicy', restart ?? '', ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined && template.spec.activeDeadlineSeconds !== null) {
    causes.push(field.invalid('spec.template.spec.activeDeadlineSeconds', template.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  if (typeof spec.minReadySeconds === 'number' && spec.minReadySeconds < 0) {
    causes.push(field.invalid('spec.minReadySeconds', spec.minReadySeconds, 'must be greater than or equal to 0'));
  }
  const us = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
  if (us.type !== 'RollingUpdate' && us.type !== 'OnDelete') {
    causes.push(field.notSupported('spec.updateStrategy', us.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  if (typeof spec.revisionHistoryLimit === 'number' && spec.revisionHistoryLimit < 0) {
    causes.push(field.invalid('spec.revisionHistoryLimit', spec.revisionHistoryLimit, 'must be greater than or equal to 0'));
  }
  return causes;
}

export function daemonSetsResource(): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    resource: 'daemonsets',
    kind: 'DaemonSet',
    listKind: 'DaemonSetList',
    singular: 'daemonset',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['apps/DaemonSet'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: true,
    storageVersionHash: 'dd7pWHUlMKQ=',
    table: {
      columns: [
        nameColumn(),
        column(
          'Desired',
          'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
          0,
          'integer',
        ),
        column(
          'Current',
          'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/',
          0,
          'integer',
        ),
        column('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', 0, 'integer'),
        column('Up-to-date', 'The total number of nodes that are running updated daemon pod', 0, 'integer'),
        column(
          'Available',
          'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)',
          0,
          'integer',
        ),
        column(
          'Node Selector',
          "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/",
        ),
        ageColumn(),
        column('Containers', CONTAINERS_DESCRIPTION, 1),
        column('Images', IMAGES_DESCRIPTION, 1),
        column(
          'Selector',
          'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
          1,
        ),
      ],
      cells(ds, now) {
        const s = ds.status ?? {};
        const [containers, images] = containerCells(ds.spec?.template?.spec?.containers);
        return [
          ds.metadata?.name ?? '',
          s.desiredNumberScheduled ?? 0,
          s.currentNumberScheduled ?? 0,
          s.numberReady ?? 0,
          s.updatedNumberScheduled ?? 0,
          s.numberAvailable ?? 0,
          formatLabels(ds.spec?.template?.spec?.nodeSelector),
          age(ds, now),
          containers,
          images,
          formatLabelSelector(ds.spec?.selector),
        ];
      },
    },
    hooks: {
      prepareCreate(_ctx, ds) {
        defaultDaemonSet(ds);
        ds.status = {};
        normalizeStatus(ds);
        setTemplateGeneration(ds, 1);
      },
      validateCreate: (_ctx, ds) => validateDaemonSet(ds),
      prepareUpdate(_ctx, ds, old) {
        defaultDaemonSet(ds);
        const oldTg = templateGeneration(old);
        let tg = templateGeneration(ds);
        let changed: boolean;
        if (!semanticEqual(ds.spec?.template, old.spec?.template)) {
          tg = oldTg + 1;
          changed = true;
        } else {
          changed = !semanticEqual(ds.spec, old.spec) || tg !== oldTg;
        }
        setTemplateGeneration(ds, tg);
        ds.metadata!.generation = (old.metadata?.generation ?? 1) + (changed ? 1 : 0);
      },
      validateUpdate(_ctx, ds, old) {
        const causes = validateDaemonSet(ds);
        if (!semanticEqual(ds.spec?.selector ?? null, old.spec?.selector ?? null)) {
          causes.push(invalidRendered('spec.selector', goLabelSelector(ds.spec?.selector), 'field is immutable'));
        }
        return causes;
      },
      prepareStatusUpdate: (_ctx, ds) => normalizeStatus(ds),
    },
  };
}
