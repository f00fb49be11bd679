// apps/v1 Deployments: stored with the defaults kube applies (replicas, strategy,
// revisionHistoryLimit, progressDeadlineSeconds and the pod template defaults, compare the
// recorded POST in 08), status reset on create. No controller runs: no ReplicaSets, no status.
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
  goLabelSelector,
  goStringMap,
  invalidRendered,
  isObject,
  labelSelectorString,
  nameColumn,
  selectorIsEmpty,
  selectorMatches,
  semanticEqual,
  validateLabelSelector,
} from './common.js';
import { defaultPodTemplate, validatePodSpec } from './pods.js';

function defaultDeployment(d: KubeObject): void {
  const spec = (d.spec = isObject(d.spec) ? d.spec : {});
  spec.replicas ??= 1;
  const strategy = (spec.strategy = isObject(spec.strategy) ? spec.strategy : {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {});
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template = isObject(spec.template) ? spec.template : {};
  defaultPodTemplate(spec.template);
}

/** ValidatePodTemplateSpecForReplicaSet, shared with DaemonSets through the kind word. */
export function validateWorkloadTemplate(spec: Record<string, any>, path: string, kindWord: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const template = isObject(spec.template) ? spec.template : {};
  const labels = template.metadata?.labels;
  // A nil selector selects nothing (so nothing matches); an empty one is skipped.
  if (!(isObject(spec.selector) && selectorIsEmpty(spec.selector)) && !selectorMatches(spec.selector, labels)) {
    causes.push(invalidRendered(`${path}.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodSpec(template.spec, `${path}.spec`));
  const restart = template.spec?.restartPolicy;
  if (restart !== 'Always') causes.push(field.notSupported(`${path}.spec.restartPolicy`, restart ?? '', ['Always']));
  if (template.spec?.activeDeadlineSeconds !== undefined && template.spec.activeDeadlineSeconds !== null) {
    causes.push(field.invalid(`${path}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, `activeDeadlineSeconds in ${kindWord} is not Supported`));
  }
  return causes;
}

function nonNegative(v: unknown, path: string): FieldCause[] {
  return typeof v === 'number' && v < 0 ? [field.invalid(path, v, 'must be greater than or equal to 0')] : [];
}

function validateDeployment(d: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(d.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  const spec = isObject(d.spec) ? d.spec : {};
  causes.push(...nonNegative(spec.replicas, 'spec.replicas'));
  if (!isObject(spec.selector)) {
    causes.push(field.required('spec.selector'));
  } else {
    causes.push(...validateLabelSelector(spec.selector, 'spec.selector'));
    if (selectorIsEmpty(spec.selector)) causes.push(invalidRendered('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for deployment'));
  }
  causes.push(...validateWorkloadTemplate(spec, 'spec.template', 'ReplicaSet'));
  const strategy = isObject(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
      causes.push(field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    }
  } else if (strategy.type !== 'RollingUpdate') {
    causes.push(field.notSupported('spec.strategy', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  causes.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    causes.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      causes.push(field.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return causes;
}

export function deploymentsResource(): ResourceType {
  return {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    listKind: 'DeploymentList',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    // As discovered; scale has no semantics here.
    subresources: ['scale', 'status'],
    deleteReturnsObject: false,
    strategicSchema: builtinStrategicSchemas['apps/Deployment'],
    hasStatusSubresource: true,
    statusWriteKeepsMetadata: true,
    tracksGeneration: true,
    storageVersionHash: '8aSe+NMegvE=',
    table: {
      columns: [
        nameColumn(),
        column('Ready', 'Number of the pod with ready state'),
        column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
        column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
        ageColumn(),
        column('Containers', CONTAINERS_DESCRIPTION, 1),
        column('Images', IMAGES_DESCRIPTION, 1),
        column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', 1),
      ],
      cells(d, now) {
        const [containers, images] = containerCells(d.spec?.template?.spec?.containers);
        return [
          d.metadata?.name ?? '',
          `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
          d.status?.updatedReplicas ?? 0,
          d.status?.availableReplicas ?? 0,
          age(d, now),
          containers,
          images,
          labelSelectorString(d.spec?.selector),
        ];
      },
    },
    hooks: {
      prepareCreate(_ctx, d) {
        defaultDeployment(d);
        d.status = {};
      },
      validateCreate: (_ctx, d) => validateDeployment(d),
      prepareUpdate(_ctx, d, old) {
        defaultDeployment(d);
        // Spec changes and annotation changes (copied to ReplicaSets) bump the generation;
        // compared after defaulting so that re-sent defaults are no change.
        const changed = !semanticEqual(d.spec, old.spec) || !semanticEqual(d.metadata?.annotations ?? {}, old.metadata?.annotations ?? {});
        d.metadata = d.metadata ?? {};
        d.metadata.generation = (old.metadata?.generation ?? 1) + (changed ? 1 : 0);
      },
      validateUpdate(_ctx, d, old) {
        const causes = validateDeployment(d);
        if (!semanticEqual(d.spec?.selector ?? null, old.spec?.selector ?? null)) {
          causes.push(invalidRendered('spec.selector', goLabelSelector(d.spec?.selector), 'field is immutable'));
        }
        return causes;
      },
      prepareStatusUpdate(_ctx, d, old) {
        // deployments/status keeps the labels (annotations may change).
        d.metadata = d.metadata ?? {};
        if (old.metadata?.labels === undefined) delete d.metadata.labels;
        else d.metadata.labels = structuredClone(old.metadata.labels);
        if (!isObject(d.status)) d.status = {};
      },
    },
  };
}
