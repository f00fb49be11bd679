// CustomResourceDefinitions (apiextensions.k8s.io/v1): validation and defaulting of the CRD
// objects themselves, and the ResourceType a served CRD version turns into (discovery data, table
// converter from additionalPrinterColumns, and the hooks that prune, default and validate custom
// resources against the version's structural schema and CEL rules).
import { createHash } from 'node:crypto';
import type { FieldCause } from '../errors.js';
import type { KubeObject, PrinterColumn, ResourceHooks, ResourceType, StrategyContext, TableConverter } from '../resources/types.js';
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  nameValidators,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../validation.js';
import * as openapi from '../openapi.js';
import { findJsonPath, jsonPathText, parseJsonPath } from './jsonpath.js';
import {
  CEL_SKIPPED_CAUSE,
  applyDefaults,
  cannotBeHandledMessage,
  goErrorValue,
  goQuote,
  hasBlockingError,
  jsonEqual,
  normalizeSchema,
  prune,
  pruneAndDefault,
  pruneNonNullableNulls,
  pruneObjectMeta,
  statusSchemaOf,
  strictDecodingError,
  unknownFieldWarnings,
  validateAgainstSchema,
  validateCRDSchema,
  validateCelRules,
  validateEmbeddedResources,
  validateListSetsAndMaps,
  validateCustomResource,
  schemaHasRules,
  embeddedMetaValidator,
  type CustomResourceValidationOptions,
  type JSONSchemaProps,
} from './schema.js';

// ------------------------------------------------------------------------------ small helpers

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<V>(v: V): V {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as V);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function invalid(path: string, value: unknown, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${goErrorValue(value)}: ${detail}`, field: path };
}

function invalidRaw(path: string, rendered: string, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field: path };
}

function required(path: string, detail = ''): FieldCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field: path };
}

function forbidden(path: string, detail: string): FieldCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field: path };
}

function notSupported(path: string, value: unknown, supported: string[]): FieldCause {
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${goErrorValue(value)}: supported values: ${supported.map((s) => goQuote(s)).join(', ')}`,
    field: path,
  };
}

// --------------------------------------------------------------------------- human durations

/**
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration: `0s`, `90s`, `5m`, `5m30s`, `3h`, `3h20m`,
 * `2d`, `2d5h`, `400d`, `3y`, ... with ~2-3 significant figures, as kubectl's AGE column shows.
 * Slightly negative durations (clock skew up to 2s) print `0s`, more negative ones `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60000);
  if (minutes < 10) {
    const s = Math.trunc(ms / 1000) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3600000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** discovery's storageVersionHash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

// ------------------------------------------------------------------------ CRD normalization

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

function normalizeNames(n: unknown): Record<string, unknown> {
  const names = isObj(n) ? n : {};
  const out: Record<string, unknown> = { plural: str(names.plural) };
  if (str(names.singular)) out.singular = names.singular;
  if (Array.isArray(names.shortNames) && names.shortNames.length) out.shortNames = names.shortNames;
  out.kind = str(names.kind);
  if (str(names.listKind)) out.listKind = names.listKind;
  if (Array.isArray(names.categories) && names.categories.length) out.categories = names.categories;
  return out;
}

function normalizeColumn(c: unknown): Record<string, unknown> {
  const col = isObj(c) ? c : {};
  const out: Record<string, unknown> = { name: str(col.name), type: str(col.type) };
  if (str(col.format)) out.format = col.format;
  if (str(col.description)) out.description = col.description;
  if (typeof col.priority === 'number' && col.priority !== 0) out.priority = col.priority;
  out.jsonPath = str(col.jsonPath);
  return out;
}

function normalizeSubresources(s: unknown): Record<string, unknown> | undefined {
  if (!isObj(s)) return undefined;
  const out: Record<string, unknown> = {};
  if (s.status !== undefined && s.status !== null) out.status = {};
  if (isObj(s.scale)) {
    const sc: Record<string, unknown> = { specReplicasPath: str(s.scale.specReplicasPath), statusReplicasPath: str(s.scale.statusReplicasPath) };
    if (str(s.scale.labelSelectorPath)) sc.labelSelectorPath = s.scale.labelSelectorPath;
    out.scale = sc;
  }
  return out;
}

function normalizeVersion(v: unknown): Record<string, unknown> {
  const ver = isObj(v) ? v : {};
  const out: Record<string, unknown> = { name: str(ver.name), served: ver.served === true, storage: ver.storage === true };
  if (ver.deprecated === true) out.deprecated = true;
  if (typeof ver.deprecationWarning === 'string') out.deprecationWarning = ver.deprecationWarning;
  if (isObj(ver.schema)) {
    const schema: Record<string, unknown> = {};
    if (isObj(ver.schema.openAPIV3Schema)) schema.openAPIV3Schema = normalizeSchema(ver.schema.openAPIV3Schema);
    out.schema = schema;
  }
  const sub = normalizeSubresources(ver.subresources);
  if (sub) out.subresources = sub;
  if (Array.isArray(ver.additionalPrinterColumns) && ver.additionalPrinterColumns.length) {
    out.additionalPrinterColumns = ver.additionalPrinterColumns.map(normalizeColumn);
  }
  return out;
}

function normalizeConversion(c: unknown): Record<string, unknown> {
  if (!isObj(c)) return { strategy: 'None' };
  const out: Record<string, unknown> = { strategy: str(c.strategy) };
  if (isObj(c.webhook)) {
    const wh: Record<string, unknown> = {};
    if (isObj(c.webhook.clientConfig)) {
      const cc = c.webhook.clientConfig;
      const o: Record<string, unknown> = {};
      if (str(cc.url)) o.url = cc.url;
      if (isObj(cc.service)) {
        const svc: Record<string, unknown> = { namespace: str(cc.service.namespace), name: str(cc.service.name) };
        if (str(cc.service.path)) svc.path = cc.service.path;
        svc.port = typeof cc.service.port === 'number' ? cc.service.port : 443;
        o.service = svc;
      }
      if (str(cc.caBundle)) o.caBundle = cc.caBundle;
      wh.clientConfig = o;
    }
    wh.conversionReviewVersions = Array.isArray(c.webhook.conversionReviewVersions) ? c.webhook.conversionReviewVersions : null;
    out.webhook = wh;
  }
  return out;
}

/**
 * SetDefaults for a v1 CRD (singular, listKind, conversion strategy None, webhook port 443) and
 * kube's serialization order for spec. Status is left as it is.
 */
export function normalizeCRD(crd: KubeObject): KubeObject {
  const spec: Record<string, any> = isObj(crd.spec) ? crd.spec : {};
  const names = normalizeNames(spec.names);
  if (!names.singular && names.kind) names.singular = String(names.kind).toLowerCase();
  if (!names.listKind && names.kind) names.listKind = `${String(names.kind)}List`;
  const orderedNames: Record<string, unknown> = { plural: names.plural };
  if (names.singular) orderedNames.singular = names.singular;
  if (names.shortNames) orderedNames.shortNames = names.shortNames;
  orderedNames.kind = names.kind;
  if (names.listKind) orderedNames.listKind = names.listKind;
  if (names.categories) orderedNames.categories = names.categories;
  const outSpec: Record<string, unknown> = {
    group: str(spec.group),
    names: orderedNames,
    scope: str(spec.scope),
    versions: Array.isArray(spec.versions) ? spec.versions.map(normalizeVersion) : null,
    conversion: normalizeConversion(spec.conversion),
  };
  if (spec.preserveUnknownFields === true) outSpec.preserveUnknownFields = true;
  const out: KubeObject = {};
  if (crd.kind !== undefined) out.kind = crd.kind;
  if (crd.apiVersion !== undefined) out.apiVersion = crd.apiVersion;
  out.metadata = clone(crd.metadata ?? {});
  out.spec = outSpec;
  if (crd.status !== undefined) out.status = clone(crd.status);
  return out;
}

function storageVersionName(crd: KubeObject): string | undefined {
  const versions: unknown[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
  for (const v of versions) if (isObj(v) && v.storage === true) return str(v.name);
  return undefined;
}

/**
 * What a CRD POST stores and returns (modulo uid/resourceVersion/timestamps/managedFields): spec
 * defaults and ordering, generation 1 and the initial status
 * `{conditions: null, acceptedNames: {plural: "", kind: ""}, storedVersions: [<storage version>]}`.
 */
export function defaultCRD(crd: KubeObject): KubeObject {
  const out = normalizeCRD(crd);
  out.metadata = { ...(out.metadata ?? {}), generation: 1 };
  const stored = storageVersionName(out);
  out.status = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: stored ? [stored] : [] };
  return out;
}

/**
 * CRD update strategy: spec defaults, status kept from the stored object, generation bumped on
 * spec changes, a new storage version appended to status.storedVersions.
 */
export function prepareCRDUpdate(crd: KubeObject, old: KubeObject): KubeObject {
  const out = normalizeCRD(crd);
  out.status = clone(old.status ?? { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: [] });
  const oldNorm = normalizeCRD(old);
  const gen = typeof old.metadata?.generation === 'number' ? old.metadata.generation : 1;
  out.metadata = { ...(out.metadata ?? {}), generation: jsonEqual(out.spec, oldNorm.spec) ? gen : gen + 1 };
  const stored = storageVersionName(out);
  const storedVersions: string[] = Array.isArray(out.status.storedVersions) ? out.status.storedVersions : [];
  if (stored && !storedVersions.includes(stored)) out.status.storedVersions = [...storedVersions, stored];
  return out;
}

// ------------------------------------------------------------------------------ CRD validation

interface InternalVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  schema?: JSONSchemaProps;
  subresources?: Record<string, any>;
  columns?: Record<string, any>[];
}

/** The internal (apiextensions) form: per-version fields identical across versions move to the top. */
interface InternalSpec {
  versions: InternalVersion[];
  validation?: JSONSchemaProps;
  subresources?: Record<string, any>;
  columns?: Record<string, any>[];
}

function toInternal(spec: Record<string, any>): InternalSpec {
  const raw: Record<string, any>[] = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const versions: InternalVersion[] = raw.map((v) => {
    const iv: InternalVersion = { name: str(v.name), served: v.served === true, storage: v.storage === true, deprecated: v.deprecated === true };
    if (typeof v.deprecationWarning === 'string') iv.deprecationWarning = v.deprecationWarning;
    if (isObj(v.schema)) iv.schema = v.schema;
    if (isObj(v.subresources)) iv.subresources = v.subresources;
    if (Array.isArray(v.additionalPrinterColumns) && v.additionalPrinterColumns.length) iv.columns = v.additionalPrinterColumns;
    return iv;
  });
  const out: InternalSpec = { versions };
  if (versions.length > 0) {
    const first = versions[0]!;
    if (versions.every((v) => jsonEqual(v.schema, first.schema))) {
      if (first.schema) out.validation = first.schema;
      for (const v of versions) delete v.schema;
    }
    if (versions.every((v) => jsonEqual(v.subresources, first.subresources))) {
      if (first.subresources) out.subresources = first.subresources;
      for (const v of versions) delete v.subresources;
    }
    if (versions.every((v) => jsonEqual(v.columns ?? [], first.columns ?? []))) {
      if (first.columns) out.columns = first.columns;
      for (const v of versions) delete v.columns;
    }
  }
  return out;
}

const PTR = '0xc000a1b2c0';

/** Go's %#v of the internal versions slice, as kube prints it in spec.versions errors. */
function goVersions(versions: InternalVersion[]): string {
  const cols = (c?: Record<string, any>[]) =>
    c && c.length
      ? `[]apiextensions.CustomResourceColumnDefinition{${c
          .map(
            (x) =>
              `apiextensions.CustomResourceColumnDefinition{Name:${goQuote(str(x.name))}, Type:${goQuote(str(x.type))}, Format:${goQuote(str(x.format))}, Description:${goQuote(str(x.description))}, Priority:${typeof x.priority === 'number' ? x.priority : 0}, JSONPath:${goQuote(str(x.jsonPath))}}`,
          )
          .join(', ')}}`
      : '[]apiextensions.CustomResourceColumnDefinition(nil)';
  const items = versions.map(
    (v) =>
      `apiextensions.CustomResourceDefinitionVersion{Name:${goQuote(v.name)}, Served:${v.served}, Storage:${v.storage}, Deprecated:${v.deprecated}, DeprecationWarning:(*string)(${v.deprecationWarning !== undefined ? PTR : 'nil'}), Schema:(*apiextensions.CustomResourceValidation)(${v.schema ? PTR : 'nil'}), Subresources:(*apiextensions.CustomResourceSubresources)(${v.subresources ? PTR : 'nil'}), AdditionalPrinterColumns:${cols(v.columns)}}`,
  );
  return versions.length ? `[]apiextensions.CustomResourceDefinitionVersion{${items.join(', ')}}` : '[]apiextensions.CustomResourceDefinitionVersion{}';
}

function validateSimpleJSONPath(s: string, path: string): FieldCause[] {
  if (s.length === 0) return [invalid(path, s, 'must not be empty')];
  if (s[0] !== '.') return [invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

/** ValidateCustomResourceColumnDefinition. */
function validateColumn(col: Record<string, any>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(col.name)) errs.push(required(`${path}.name`));
  const type = str(col.type);
  if (!type) errs.push(required(`${path}.type`, `must be one of ${COLUMN_TYPES.join(',')}`));
  else if (!COLUMN_TYPES.includes(type)) errs.push(invalid(`${path}.type`, type, `must be one of ${COLUMN_TYPES.join(',')}`));
  const format = str(col.format);
  if (format && !COLUMN_FORMATS.includes(format)) errs.push(invalid(`${path}.format`, format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  const jp = str(col.jsonPath);
  if (!jp) errs.push(required(`${path}.JSONPath`));
  else {
    const simple = validateSimpleJSONPath(jp, `${path}.JSONPath`);
    if (simple.length) errs.push(...simple);
    else {
      try {
        parseJsonPath(jp);
      } catch (e) {
        // kube accepts the CRD and silently falls back to default printing; testkube refuses
        // paths its JSONPath subset cannot evaluate so that a column never stays empty unnoticed.
        errs.push(invalid(`${path}.JSONPath`, jp, `unsupported by testkube's JSONPath subset: ${(e as Error).message}`));
      }
    }
  }
  return errs;
}

function validateSubresources(sub: Record<string, any> | undefined, path: string): FieldCause[] {
  if (!sub || !isObj(sub.scale)) return [];
  const errs: FieldCause[] = [];
  const sc = sub.scale;
  const check = (value: unknown, name: string, prefixes: string[], what: string, requiredField: boolean) => {
    const p = `${path}.scale.${name}`;
    const v = str(value);
    if (!v) {
      if (requiredField) errs.push(required(p));
      return;
    }
    const simple = validateSimpleJSONPath(v, p);
    if (simple.length) errs.push(...simple);
    else if (!prefixes.some((x) => v.startsWith(x))) errs.push(invalid(p, v, what));
  };
  check(sc.specReplicasPath, 'specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  check(sc.statusReplicasPath, 'statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  check(sc.labelSelectorPath, 'labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return errs;
}

function validateNames(names: Record<string, any>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const label = (v: string) => isDNS1035Label(v);
  const plural = str(names.plural);
  const singular = str(names.singular);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  if (plural && label(plural).length) errs.push(invalid(`${path}.plural`, plural, label(plural).join(',')));
  if (singular && label(singular).length) errs.push(invalid(`${path}.singular`, singular, label(singular).join(',')));
  if (kind && label(kind.toLowerCase()).length) {
    errs.push(invalid(`${path}.kind`, kind, 'may have mixed case, but should otherwise match: ' + label(kind.toLowerCase()).join(',')));
  }
  if (listKind && label(listKind.toLowerCase()).length) {
    errs.push(invalid(`${path}.listKind`, listKind, 'may have mixed case, but should otherwise match: ' + label(listKind.toLowerCase()).join(',')));
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s: unknown, i: number) => {
    const m = label(str(s));
    if (m.length) errs.push(invalid(`${path}.shortNames[${i}]`, s, m.join(',')));
  });
  if (kind && kind === listKind) errs.push(invalid(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c: unknown, i: number) => {
    const m = label(str(c));
    if (m.length) errs.push(invalid(`${path}.categories[${i}]`, c, m.join(',')));
  });
  return errs;
}

function validateDeprecationWarning(v: InternalVersion, path: string): FieldCause[] {
  const msgs: string[] = [];
  if (!v.deprecated && v.deprecationWarning !== undefined) msgs.push('can only be set for deprecated versions');
  else if (v.deprecationWarning !== undefined) {
    const w = v.deprecationWarning;
    if (w.length > 256) msgs.push('must be <= 256 characters long');
    if (w.length === 0) msgs.push('must not be an empty string');
    // eslint-disable-next-line no-control-regex
    const bad = /[\x00-\x1f\x7f]/.exec(w);
    if (bad) msgs.push(`must only contain printable UTF-8 characters; non-printable character found at index ${bad.index}`);
  }
  return msgs.map((m) => invalid(`${path}.deprecationWarning`, v.deprecationWarning ?? null, m));
}

const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];

function validateConversion(conv: Record<string, any>, preserveUnknownFields: boolean): FieldCause[] {
  const errs: FieldCause[] = [];
  const path = 'spec.conversion';
  const strategy = str(conv.strategy);
  if (strategy !== 'None' && preserveUnknownFields) errs.push(invalid(`${path}.strategy`, strategy, 'must be None if spec.preserveUnknownFields is true'));
  if (!strategy) errs.push(required(`${path}.strategy`));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(notSupported(`${path}.strategy`, strategy, ['None', 'Webhook']));
  const wh = isObj(conv.webhook) ? conv.webhook : undefined;
  const cc = wh && isObj(wh.clientConfig) ? wh.clientConfig : undefined;
  const reviews: unknown[] | undefined = wh && Array.isArray(wh.conversionReviewVersions) ? wh.conversionReviewVersions : undefined;
  if (strategy === 'Webhook') {
    if (!cc) errs.push(required(`${path}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else if ((cc.url === undefined) === (cc.service === undefined)) errs.push(required(`${path}.webhookClientConfig`, 'exactly one of url or service is required'));
    if (!reviews || reviews.length === 0) errs.push(required(`${path}.conversionReviewVersions`));
    else {
      const seen = new Set<string>();
      reviews.forEach((v, i) => {
        const s = str(v);
        if (seen.has(s)) errs.push(invalid(`${path}.conversionReviewVersions[${i}]`, s, 'duplicate version'));
        seen.add(s);
        for (const m of isDNS1035Label(s)) errs.push(invalid(`${path}.conversionReviewVersions[${i}]`, s, m));
      });
      if (!reviews.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(str(v)))) {
        errs.push(invalidRaw(`${path}.conversionReviewVersions`, `[]string{${reviews.map((v) => goQuote(str(v))).join(', ')}}`, `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`));
      }
    }
  } else {
    if (cc) errs.push(forbidden(`${path}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (reviews && reviews.length) errs.push(forbidden(`${path}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

function crdNameValidator(crd: KubeObject): (name: string, prefix: boolean) => string[] {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const requiredName = `${str(spec.names?.plural)}.${str(spec.group)}`;
  return (name, prefix) => {
    const msgs = [...nameValidators.DNS1123Subdomain(name, prefix)];
    if (name !== requiredName) msgs.push('must be spec.names.plural+"."+spec.group');
    return msgs;
  };
}

/**
 * Field errors kube-apiserver v1.28 reports for a CRD create (old undefined) or update, in its
 * order. The CRD should already be defaulted (defaultCRD / prepareCRDUpdate); this function
 * defaults a copy itself so that missing singular/listKind/conversion never show up as errors.
 */
export function validateCRD(crd: KubeObject, old?: KubeObject): FieldCause[] {
  const c = normalizeCRD(crd);
  if (!c.status) c.status = defaultCRD(c).status;
  const spec: Record<string, any> = c.spec;
  const errs: FieldCause[] = [];
  if (old) {
    const meta = { ...(c.metadata ?? {}), resourceVersion: c.metadata?.resourceVersion || old.metadata?.resourceVersion || '0' };
    errs.push(...validateObjectMetaUpdate(meta, old.metadata ?? {}, { kubeFinalizerNames: false }));
  } else {
    errs.push(...validateObjectMeta(c.metadata ?? {}, { namespaced: false, nameValidator: crdNameValidator(c), kubeFinalizerNames: false }));
  }

  // validateCustomResourceDefinitionSpec
  const group = str(spec.group);
  if (!group) errs.push(required('spec.group'));
  else if (isDNS1123Subdomain(group).length) errs.push(invalid('spec.group', group, isDNS1123Subdomain(group).join(',')));
  else if (group.split('.').length < 2) errs.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  const scope = str(spec.scope);
  if (!scope) errs.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const internal = toInternal(spec);
  if (!internal.validation?.openAPIV3Schema) {
    internal.versions.forEach((v, i) => {
      if (!v.schema?.openAPIV3Schema) errs.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    });
  }
  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  internal.versions.forEach((v, i) => {
    if (v.storage) storageCount++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const m = isDNS1035Label(v.name);
    if (m.length) errs.push(invalid(`spec.versions[${i}].name`, v.name, m.join(',')));
    const vpath = `spec.versions[${i}]`;
    const subresources = internal.subresources ?? v.subresources;
    errs.push(...validateDeprecationWarning(v, vpath));
    if (v.schema) errs.push(...validateCRDSchema(v.schema.openAPIV3Schema, `${vpath}.schema`, { statusEnabled: isObj(subresources?.status) }));
    errs.push(...validateSubresources(v.subresources, `${vpath}.subresources`));
    (v.columns ?? []).forEach((col, j) => errs.push(...validateColumn(col, `${vpath}.additionalPrinterColumns[${j}]`)));
  });
  if (!unique) errs.push(invalidRaw('spec.versions', goVersions(internal.versions), 'must contain unique version names'));
  if (storageCount !== 1) errs.push(invalidRaw('spec.versions', goVersions(internal.versions), 'must have exactly one version marked as storage version'));
  const names: Record<string, any> = spec.names ?? {};
  if (!str(names.plural)) errs.push(required('spec.names.plural'));
  if (!str(names.singular)) errs.push(required('spec.names.singular'));
  if (!str(names.kind)) errs.push(required('spec.names.kind'));
  if (!str(names.listKind)) errs.push(required('spec.names.listKind'));
  errs.push(...validateNames(names, 'spec.names'));
  if (internal.validation) {
    const anyStatus = isObj(internal.subresources?.status) || internal.versions.some((v) => isObj(v.subresources?.status));
    errs.push(...validateCRDSchema(internal.validation.openAPIV3Schema, 'spec.validation', { statusEnabled: anyStatus }));
  }
  errs.push(...validateSubresources(internal.subresources, 'spec.subresources'));
  (internal.columns ?? []).forEach((col, j) => errs.push(...validateColumn(col, `spec.additionalPrinterColumns[${j}]`)));
  errs.push(...validateConversion(isObj(spec.conversion) ? spec.conversion : {}, spec.preserveUnknownFields === true));

  if (old) {
    const os = normalizeCRD(old).spec as Record<string, any>;
    const established = Array.isArray(old.status?.conditions) && old.status.conditions.some((x: any) => x?.type === 'Established' && x?.status === 'True');
    const immutable = (path: string, a: unknown, b: unknown) => {
      if (a !== b) errs.push(invalid(path, a, 'field is immutable'));
    };
    if (established) {
      immutable('spec.scope', spec.scope, os.scope);
      immutable('spec.names.kind', spec.names?.kind, os.names?.kind);
    }
    immutable('spec.group', spec.group, os.group);
    immutable('spec.names.plural', spec.names?.plural, os.names?.plural);
  }

  // ValidateCustomResourceDefinitionStatus + StoredVersions
  const status: Record<string, any> = isObj(c.status) ? c.status : {};
  errs.push(...validateNames(isObj(status.acceptedNames) ? status.acceptedNames : {}, 'status.acceptedNames'));
  const stored: string[] = Array.isArray(status.storedVersions) ? status.storedVersions : [];
  if (stored.length === 0) errs.push(invalidRaw('status.storedVersions', '[]string{}', 'must have at least one stored version'));
  else {
    const remaining = new Map(stored.map((v, i) => [v, i]));
    for (const v of internal.versions) {
      if (v.storage && !remaining.has(v.name)) {
        errs.push(invalidRaw('status.storedVersions', `[]string{${stored.map(goQuote).join(', ')}}`, `must have the storage version ${v.name}`));
      }
      remaining.delete(v.name);
    }
    for (const [v, i] of remaining) {
      errs.push(
        invalid(
          `status.storedVersions[${i}]`,
          v,
          `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
        ),
      );
    }
  }

  // validateAPIApproval: protected groups need the approval annotation.
  if (group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io') || group === 'k8s.io' || group === 'kubernetes.io') {
    const ann = c.metadata?.annotations?.['api-approved.kubernetes.io'];
    if (ann === undefined) {
      errs.push(required('metadata.annotations[api-approved.kubernetes.io]', 'protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'));
    }
  }
  // validatePreserveUnknownFields (v1 forbids true on create).
  if (spec.preserveUnknownFields === true && (!old || old.spec?.preserveUnknownFields !== true)) {
    errs.push(invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in openAPIV3Schema instead'));
  }
  return errs;
}

/** Hooks for the customresourcedefinitions resource itself (create/update/status strategies). */
export const customResourceDefinitionHooks: ResourceHooks = {
  prepareCreate(_ctx, obj) {
    const d = defaultCRD(obj);
    replaceContents(obj, d);
  },
  validateCreate(_ctx, obj) {
    return validateCRD(obj);
  },
  prepareUpdate(_ctx, obj, old) {
    replaceContents(obj, prepareCRDUpdate(obj, old));
  },
  validateUpdate(_ctx, obj, old) {
    return validateCRD(obj, old);
  },
  validateStatusUpdate(_ctx, obj, old) {
    const meta = { ...(obj.metadata ?? {}), resourceVersion: obj.metadata?.resourceVersion || old.metadata?.resourceVersion || '0' };
    const errs = validateObjectMetaUpdate(meta, old.metadata ?? {}, { kubeFinalizerNames: false });
    errs.push(...validateNames(isObj(obj.status?.acceptedNames) ? obj.status.acceptedNames : {}, 'status.acceptedNames'));
    return errs;
  },
};

function replaceContents(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}

// --------------------------------------------------------------------- custom resource types

export interface CRDVersionInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  schema?: JSONSchemaProps;
  hasStatus: boolean;
  columns: Record<string, any>[];
}

/** The served version used when none is named: the storage version if served, else the first served. */
export function defaultServedVersion(crd: KubeObject): string | undefined {
  const versions: Record<string, any>[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions.filter(isObj) : [];
  const storage = versions.find((v) => v.storage === true && v.served === true);
  return str((storage ?? versions.find((v) => v.served === true))?.name) || undefined;
}

export function crdVersionInfo(crd: KubeObject, version?: string): CRDVersionInfo {
  const spec: Record<string, any> = isObj(crd.spec) ? crd.spec : {};
  const name = version ?? defaultServedVersion(crd) ?? '';
  const versions: Record<string, any>[] = Array.isArray(spec.versions) ? spec.versions.filter(isObj) : [];
  const v = versions.find((x) => x.name === name) ?? {};
  const info: CRDVersionInfo = {
    group: str(spec.group),
    version: name,
    kind: str(spec.names?.kind),
    plural: str(spec.names?.plural),
    namespaced: spec.scope !== 'Cluster',
    hasStatus: isObj(v.subresources) && v.subresources.status !== undefined && v.subresources.status !== null,
    columns: Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns.filter(isObj) : [],
  };
  if (isObj(v.schema?.openAPIV3Schema)) info.schema = v.schema.openAPIV3Schema;
  return info;
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** What kube serves when a version declares no printer columns: an Age column (Name is always first). */
const DEFAULT_COLUMNS: Record<string, any>[] = [{ name: 'Age', type: 'date', description: CREATION_TIMESTAMP_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' }];

/** metav1.Time's parsing of an RFC 3339 timestamp; undefined when it does not parse. */
function parseKubeTime(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function cellForJSONValue(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = parseKubeTime(value);
      if (t === undefined) return '<invalid>';
      if (t === Date.parse('0001-01-01T00:00:00Z')) return '<unknown>';
      return humanDuration(now.getTime() - t);
    }
  }
  return null;
}

/**
 * Table converter from additionalPrinterColumns (kube's tableconvertor): Name first, then the
 * columns with descriptions defaulting to `Custom resource definition column (in JSONPath format):
 * <path>`. Cells are typed; missing values are null; a path matching several values uses the first,
 * and string columns print non-strings as jsonpath would (numbers as text, objects as JSON).
 */
export function crdTableConverter(columns: Record<string, any>[]): TableConverter {
  const cols = columns.length ? columns : DEFAULT_COLUMNS;
  const defs: PrinterColumn[] = [{ name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 }];
  const paths: ({ steps: ReturnType<typeof parseJsonPath> } | undefined)[] = [];
  for (const c of cols) {
    const jsonPath = str(c.jsonPath);
    defs.push({
      name: str(c.name),
      type: (str(c.type) || 'string') as PrinterColumn['type'],
      format: str(c.format),
      description: str(c.description) || `Custom resource definition column (in JSONPath format): ${jsonPath}`,
      priority: typeof c.priority === 'number' ? c.priority : 0,
    });
    try {
      paths.push({ steps: parseJsonPath(jsonPath) });
    } catch {
      paths.push(undefined);
    }
  }
  return {
    columns: defs,
    cells(obj: KubeObject, now: Date): unknown[] {
      const cells: unknown[] = [obj.metadata?.name ?? ''];
      cols.forEach((c, i) => {
        const p = paths[i];
        const results = p ? findJsonPath(obj, p.steps) : [];
        if (results.length === 0) {
          cells.push(null);
          return;
        }
        const value = results[0];
        const type = str(c.type);
        if (type === 'string') cells.push(value === null || value === undefined ? null : jsonPathText(value));
        else cells.push(cellForJSONValue(type, value, now));
      });
      return cells;
    },
  };
}

function metaValidatorFor(namespaced: boolean) {
  return (meta: Record<string, unknown>, path: string): FieldCause[] =>
    validateObjectMeta(meta, { namespaced, nameValidator: 'DNS1123Subdomain', path, kubeFinalizerNames: false });
}

export interface CustomResourceOptions {
  /** ObjectMeta validation for create; defaults to validation.ts' validateObjectMeta with DNS-1123 subdomain names. */
  validateMeta?: (meta: Record<string, unknown>, path: string) => FieldCause[];
}

/** Hooks that make a custom resource behave like kube's customResourceStrategy. */
export function customResourceHooks(info: CRDVersionInfo, opts: CustomResourceOptions = {}): ResourceHooks {
  const schema = info.schema;
  const statusSchema = statusSchemaOf(schema);
  const withCel = schemaHasRules(schema);
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const validateMeta = opts.validateMeta ?? metaValidatorFor(info.namespaced);
  const full = (obj: KubeObject): KubeObject => ({ ...obj, apiVersion, kind: info.kind });

  const decode = (obj: KubeObject) => {
    // Objects reaching the hooks were decoded by kube (pruned, nulls dropped, defaulted); doing it
    // here again is idempotent and covers paths that skipped the request decoder (patches, tests).
    pruneObjectMeta(obj.metadata);
    prune(schema, obj, true);
    pruneNonNullableNulls(schema, obj);
    applyDefaults(schema, obj);
  };

  const schemaAndRules = (obj: KubeObject, old: KubeObject | undefined, head: FieldCause[]): FieldCause[] => {
    const opts: CustomResourceValidationOptions = { precedingErrors: head };
    if (old) opts.old = full(old);
    return validateCustomResource(schema, full(obj), opts);
  };

  const metaUpdate = (obj: KubeObject, old: KubeObject) => {
    const meta = { ...(obj.metadata ?? {}), resourceVersion: obj.metadata?.resourceVersion || old.metadata?.resourceVersion || '0' };
    return validateObjectMetaUpdate(meta, old.metadata ?? {}, { kubeFinalizerNames: false });
  };

  return {
    prepareCreate(_ctx: StrategyContext, obj: KubeObject) {
      decode(obj);
      if (info.hasStatus) delete obj.status;
      obj.metadata = { ...(obj.metadata ?? {}), generation: 1 };
    },
    validateCreate(_ctx: StrategyContext, obj: KubeObject) {
      return schemaAndRules(obj, undefined, validateMeta(obj.metadata ?? {}, 'metadata'));
    },
    prepareUpdate(_ctx: StrategyContext, obj: KubeObject, old: KubeObject) {
      decode(obj);
      if (info.hasStatus) {
        if (old.status !== undefined) obj.status = clone(old.status);
        else delete obj.status;
      }
      // Any change outside metadata bumps the generation (not only spec changes).
      const strip = (o: KubeObject) => {
        const c: Record<string, unknown> = { ...o };
        delete c.metadata;
        delete c.apiVersion;
        delete c.kind;
        return c;
      };
      const gen = typeof old.metadata?.generation === 'number' ? old.metadata.generation : 0;
      obj.metadata = { ...(obj.metadata ?? {}), generation: jsonEqual(strip(obj), strip(old)) ? gen : gen + 1 };
    },
    validateUpdate(_ctx: StrategyContext, obj: KubeObject, old: KubeObject) {
      return schemaAndRules(obj, old, metaUpdate(obj, old));
    },
    validateStatusUpdate(_ctx: StrategyContext, obj: KubeObject, old: KubeObject) {
      // There is no prepare hook for /status writes; kube's decoder would have pruned and
      // defaulted the body, so do it here before anything is checked or stored.
      decode(obj);
      const errs = metaUpdate(obj, old);
      if (obj.status !== undefined) errs.push(...validateAgainstSchema(statusSchema, obj.status));
      const f = full(obj);
      errs.push(...validateEmbeddedResources(schema, f, embeddedMetaValidator));
      errs.push(...validateListSetsAndMaps(schema, f));
      if (withCel) {
        if (hasBlockingError(errs)) errs.push(CEL_SKIPPED_CAUSE);
        else errs.push(...validateCelRules(schema, f, full(old)));
      }
      return errs;
    },
  };
}

/**
 * The ResourceType a CRD version is served as. `version` defaults to the storage version (or the
 * first served one). Custom resources: DELETE answers a Status, /status ignores everything but
 * status, generation is tracked, strategic merge patch is refused (no strategicSchema).
 */
export function crdResourceType(crd: KubeObject, version?: string, opts: CustomResourceOptions = {}): ResourceType {
  const spec: Record<string, any> = isObj(crd.spec) ? crd.spec : {};
  const info = crdVersionInfo(crd, version);
  const names: Record<string, any> = isObj(spec.names) ? spec.names : {};
  const storageVersion = storageVersionName(crd) ?? info.version;
  const type: ResourceType = {
    group: info.group,
    version: info.version,
    resource: info.plural,
    kind: info.kind,
    listKind: str(names.listKind) || `${info.kind}List`,
    singular: str(names.singular) || info.kind.toLowerCase(),
    namespaced: info.namespaced,
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    subresources: info.hasStatus ? ['status'] : [],
    deleteReturnsObject: false,
    hasStatusSubresource: info.hasStatus,
    statusWriteKeepsMetadata: false,
    tracksGeneration: true,
    storageVersionHash: storageVersionHash(info.group, storageVersion, info.kind),
    table: crdTableConverter(info.columns),
    hooks: customResourceHooks(info, opts),
  };
  if (Array.isArray(names.shortNames) && names.shortNames.length) type.shortNames = [...names.shortNames];
  if (Array.isArray(names.categories) && names.categories.length) type.categories = [...names.categories];
  return type;
}

/** One ResourceType per served version. */
export function crdResourceTypes(crd: KubeObject, opts: CustomResourceOptions = {}): ResourceType[] {
  const versions: Record<string, any>[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions.filter(isObj) : [];
  return versions.filter((v) => v.served === true).map((v) => crdResourceType(crd, str(v.name), opts));
}

// ------------------------------------------------------------------- request decoding helpers

/**
 * kube's CR request decoding, in place: unknown ObjectMeta fields dropped, the body pruned
 * against the version schema, non-nullable nulls removed, defaults applied. Returns the unknown
 * field paths in kube's order (for Warning headers or the Strict 400).
 */
export function pruneUnknownFields(crd: KubeObject, version: string, obj: KubeObject): string[] {
  return pruneAndDefault(crdVersionInfo(crd, version).schema, obj).unknownFields;
}

/** One `Warning` header value per unknown field: `299 - "unknown field \"spec.x\""`. */
export function unknownFieldsWarning(paths: string[]): string[] {
  return unknownFieldWarnings(paths);
}

/**
 * The 400 message for fieldValidation=Strict. With kind and version it is the full kube text
 * (`ServiceGroup in version "v1" cannot be handled as a ServiceGroup: strict decoding error:
 * unknown field "spec.topExtra"`); without them just the `strict decoding error: ...` part.
 */
export function strictUnknownFieldsMessage(paths: string[], kind?: string, version?: string, otherErrors: string[] = []): string {
  const detail = strictDecodingError(paths, otherErrors);
  return kind && version ? cannotBeHandledMessage(kind, version, detail) : detail;
}

// ----------------------------------------------------------------------------------- OpenAPI

/**
 * The OpenAPI v3 document of `/openapi/v3/apis/<group>/<version>` for this CRD (schemas named
 * like kube's, e.g. `io.purelb.v1.ServiceGroup`, with x-kubernetes-group-version-kind). Pass all
 * CRDs of the group as `others` when several contribute kinds to the same group-version.
 */
export function crdOpenAPIv3(crd: KubeObject, version: string, others: KubeObject[] = []): Record<string, unknown> {
  const group = str(crd.spec?.group);
  return openapi.crdDocument([crd, ...others.filter((o) => o !== crd)], `${group}/${version}`);
}

/**
 * Custom resources are served from unstructured maps, which Go's encoder writes with keys in
 * sorted order (04-crd: `apiVersion, kind, metadata, spec`, `aggregation, pool, subnet`).
 */
export function sortJSONKeys<V>(v: V): V {
  if (Array.isArray(v)) return v.map((x) => sortJSONKeys(x)) as V;
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortJSONKeys(v[k]);
    return out as V;
  }
  return v;
}
