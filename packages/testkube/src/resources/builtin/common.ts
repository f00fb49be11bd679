// Helpers shared by the built-in resource types: Go-like value rendering for field errors, the
// decoding checks kube-apiserver applies before any validation (time formats, int32 fields),
// printer-column building blocks and label/selector formatting as kube's printers do it.
import { field, type ApiError, type FieldCause } from '../../errors.js';
import type { KubeObject, PrinterColumn } from '../types.js';
import { humanDuration } from '../../crd/crd.js';
import {
  checkGoJsonType,
  decodeError as vDecodeError,
  goJsonKind,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidIPv4,
  isValidIPv6,
  maxLenError,
  parseIP,
  regexError,
  validateLabelValue,
  validateMicroTime,
  validateObjectMetaUpdate,
  validateQualifiedName,
  validateTime,
  type GoFieldLocation,
} from '../../validation.js';

// ------------------------------------------------------------------ printer columns

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
export const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

export function column(name: string, description: string, priority = 0, type: PrinterColumn['type'] = 'string'): PrinterColumn {
  return { name, type, format: '', description, priority };
}

export function nameColumn(priority = 0): PrinterColumn {
  return { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority };
}

export function ageColumn(): PrinterColumn {
  return column('Age', CREATION_TIMESTAMP_DESCRIPTION);
}

/** kube's translateTimestampSince: `<unknown>` for a missing time, else a human duration. */
export function since(ts: unknown, now: Date): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

export function age(obj: KubeObject, now: Date): string {
  return since(obj.metadata?.creationTimestamp, now);
}

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  if (!m || typeof m !== 'object') return '<none>';
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${String((m as Record<string, unknown>)[k])}`).join(',');
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key, set values sorted.
 * A nil selector selects nothing and prints as the empty string, like an empty one.
 */
export function labelSelectorString(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of s.matchExpressions ?? []) {
    const values = [...new Set(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, text: `${e.key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, text: `${e.key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        reqs.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, text: `!${e.key}` });
        break;
      default:
        break;
    }
  }
  // kube sorts requirements by key with a stable sort, so matchLabels come before expressions of the same key.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString but `<none>` for nil or empty. */
export function formatLabelSelector(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return '<none>';
  const s = labelSelectorString(sel);
  return s === '' ? '<none>' : s;
}

/** layoutContainerCells: comma-separated container names and images. */
export function containerCells(containers: unknown): [string, string] {
  const list = Array.isArray(containers) ? (containers as Array<Record<string, unknown>>) : [];
  return [list.map((c) => String(c?.name ?? '')).join(','), list.map((c) => String(c?.image ?? '')).join(',')];
}

// ------------------------------------------------------------------ Go value rendering

/** `%#v` of a map[string]string, as field.Invalid prints label maps. */
export function goStringMap(m: unknown): string {
  if (!m || typeof m !== 'object') return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String((m as Record<string, unknown>)[k]))}`);
  return `map[string]string{${entries.join(', ')}}`;
}

export function invalidRendered(path: string, rendered: string, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}: ${detail}`, field: path };
}

export function tooMany(path: string, actual: number, max: number): FieldCause {
  return { reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field: path };
}

export function tooLongBytes(path: string, max: number): FieldCause {
  return { reason: 'FieldValueTooLong', message: `Too long: must have at most ${max} bytes`, field: path };
}

// ------------------------------------------------------------------ decoding checks

/** The 400 kube answers when a body cannot be decoded into the Go type of `kind`. */
export function decodeError(kind: string, version: string, detail: string): ApiError {
  return vDecodeError({ kind, version }, detail);
}

/** `Struct.json.path` of a field, for Go's "into Go struct field S.f of type T" wording. */
function loc(goField: string): GoFieldLocation {
  const dot = goField.indexOf('.');
  return { struct: goField.slice(0, dot), path: goField.slice(dot + 1) };
}

/** metav1.Time as a decode/encode round trip leaves it: UTC, seconds; null when unset. */
export function normalizeTime(value: unknown, kind: string, version: string, goField: string): string | null {
  if (value === '') return null;
  return validateTime(value, { kind, version, loc: loc(goField) });
}

/** metav1.MicroTime: exactly six fractional digits in, UTC with six digits out; null when unset. */
export function normalizeMicroTime(value: unknown, kind: string, version: string, goField: string): string | null {
  if (value === '') return null;
  return validateMicroTime(value, { kind, version, loc: loc(goField) });
}

export function jsonTypeName(v: unknown): string {
  return goJsonKind(v);
}

function checkType(value: unknown, type: 'int32' | 'string', kind: string, version: string, goField: string): void {
  const problem = checkGoJsonType(value, type, loc(goField));
  if (problem) throw decodeError(kind, version, problem);
}

/** An int32 field as encoding/json checks it (strings, fractions and overflow are 400s). */
export function checkInt32(value: unknown, kind: string, version: string, goField: string): void {
  checkType(value, 'int32', kind, version, goField);
}

export function checkString(value: unknown, kind: string, version: string, goField: string): void {
  checkType(value, 'string', kind, version, goField);
}

// ------------------------------------------------------------------ object helpers

export function isObject(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Key-sorted JSON, for semantic equality that ignores key order. */
function stableJson(v: unknown): string {
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(canon);
    if (isObject(x)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) if (x[k] !== undefined) out[k] = canon(x[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(canon(v) ?? null);
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** Everything but metadata/status/apiVersion/kind, for generation bookkeeping. */
export function specPart(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

// ------------------------------------------------------------------ string validators

export { isDNS1123Label, isDNS1123Subdomain };
export const isQualifiedName = validateQualifiedName;
export const isValidLabelValue = validateLabelValue;

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';

/** IsConfigMapKey (ConfigMap and Secret data keys). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value, 'utf8') > 253) errs.push(maxLenError(253));
  if (!new RegExp(`^${CONFIG_MAP_KEY_FMT}$`).test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** field errors for each message, all on the same path (how kube wraps string validators). */
export function invalidEach(path: string, value: string, msgs: string[]): FieldCause[] {
  return msgs.map((m) => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${m}`, field: path }));
}

// ------------------------------------------------------------------ IP addresses

/** The IPv4 bytes of an address that Go's To4() accepts (IPv4 or IPv4-mapped IPv6). */
function v4Bytes(ip: number[]): number[] | undefined {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.slice(12) : undefined;
}

/** apivalidation.ValidateNonSpecialIP. */
export function validateNonSpecialIP(value: string, path: string): FieldCause[] {
  const ip = parseIP(value);
  if (!ip) return [field.invalid(path, value, 'must be a valid IP address')];
  const v4 = v4Bytes(ip);
  const causes: FieldCause[] = [];
  const add = (detail: string) => causes.push(field.invalid(path, value, detail));
  if (v4) {
    if (v4.every((b) => b === 0)) add(`may not be unspecified (${value})`);
    if (v4[0] === 127) add('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    if (v4[0] === 169 && v4[1] === 254) add('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    if (v4[0] === 224 && v4[1] === 0 && v4[2] === 0) add('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  } else {
    if (ip.every((b) => b === 0)) add(`may not be unspecified (${value})`);
    if (ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1) add('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    if (ip[0] === 0xfe && ((ip[1] ?? 0) & 0xc0) === 0x80) add('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    if (ip[0] === 0xff && ((ip[1] ?? 0) & 0x0f) === 0x02) add('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  }
  return causes;
}

export { isValidIPv4, isValidIPv6 };

// ------------------------------------------------------------------ label selectors (workloads)

/** `%#v` of a metav1.LabelSelector, as field errors print a selector value. */
export function goLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return 'null';
  const ml = isObject(sel.matchLabels) ? goStringMap(sel.matchLabels) : 'map[string]string(nil)';
  const exprs: any[] = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  const me = exprs.length
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map(
          (e) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(e?.key ?? ''))}, Operator:${JSON.stringify(String(e?.operator ?? ''))}, Values:${
              Array.isArray(e?.values) ? `[]string{${e.values.map((v: unknown) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)'
            }}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${ml}, MatchExpressions:${me}}`;
}

/** Whether a LabelSelector selects a label set (nil selects nothing, empty selects everything). */
export function selectorMatches(sel: unknown, labels: unknown): boolean {
  if (!isObject(sel)) return false;
  const l: Record<string, string> = isObject(labels) ? labels : {};
  for (const [k, v] of Object.entries(isObject(sel.matchLabels) ? sel.matchLabels : {})) if (l[k] !== v) return false;
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const has = Object.prototype.hasOwnProperty.call(l, e?.key);
    const values: unknown[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function selectorIsEmpty(sel: unknown): boolean {
  return (
    isObject(sel) &&
    Object.keys(isObject(sel.matchLabels) ? sel.matchLabels : {}).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0
  );
}

/** unversionedvalidation.ValidateLabelSelector (keys, values, operators). */
export function validateLabelSelector(sel: unknown, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!isObject(sel)) return causes;
  (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).forEach((e: any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values: unknown[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(field.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(field.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        break;
      default:
        causes.push(field.invalid(`${p}.operator`, String(e?.operator ?? ''), 'not a valid selector operator'));
    }
    causes.push(...invalidEach(`${p}.key`, String(e?.key ?? ''), isQualifiedName(String(e?.key ?? ''))));
  });
  for (const [k, v] of Object.entries(isObject(sel.matchLabels) ? sel.matchLabels : {})) {
    causes.push(...invalidEach(`${path}.matchLabels`, k, isQualifiedName(k)));
    causes.push(...invalidEach(`${path}.matchLabels`, String(v), isValidLabelValue(String(v))));
  }
  return causes;
}

// ------------------------------------------------------------------ metadata on update

/**
 * ValidateObjectMetaUpdate for a hook: the REST layer has already dropped the request's
 * resourceVersion after checking it, so the stored one stands in (kube validates the object
 * carrying the precondition it matched).
 */
export function validateMetaUpdate(obj: KubeObject, old: KubeObject): FieldCause[] {
  const meta = { ...(obj.metadata ?? {}), resourceVersion: obj.metadata?.resourceVersion || old.metadata?.resourceVersion || '0' };
  return validateObjectMetaUpdate(meta, old.metadata ?? {});
}
