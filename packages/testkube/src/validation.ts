// Generic object validation with kube-apiserver v1.28's exact wording: name formats, ObjectMeta,
// IP addresses, metav1.Time / MicroTime decoding and the 400s a Go JSON decoder produces.
// Messages are the ones of k8s.io/apimachinery (util/validation, api/validation) and of Go's
// encoding/json and time packages, because clients print them verbatim and the recordings in
// kube-api-recordings compare them.
import { ApiError, badRequest, field, goValue, type FieldCause } from './errors.js';

// Go measures string lengths in bytes.
function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Message builders (apimachinery util/validation).

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

export function emptyError(): string {
  return 'must be non-empty';
}

/** `msg (e.g. 'a',  or 'b', regex used for validation is 're')` – the double space is kube's. */
export function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((example, i) => {
    if (i > 0) out += ' or ';
    out += `'${example}', `;
  });
  return `${out}regex used for validation is '${re}')`;
}

export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

// ---------------------------------------------------------------------------------------------
// Names.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QNAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QNAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QNAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

const dns1123LabelRe = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const dns1123SubdomainRe = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const dns1035LabelRe = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const qnameRe = new RegExp(`^${QNAME_FMT}$`);
const labelValueRe = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const LABEL_VALUE_MAX_LENGTH = 63;
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** apimachinery's IsDNS1123Label: empty list when valid. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRe.test(value)) {
    // A valid subdomain that is no label can only be one with dots (length was checked above).
    if (dns1123SubdomainRe.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRe.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRe.test(value)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

/** IsQualifiedName: label keys, annotation keys (lower-cased first) and finalizers. */
export function validateQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      `a qualified name ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!qnameRe.test(name)) errs.push(`name part ${regexError(QNAME_MSG, QNAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue. */
export function validateLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRe.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** IsValidPathSegmentName / IsValidPathSegmentPrefix: the weakest name rule (every object). */
export function validatePathSegmentName(name: string, prefix: boolean): string[] {
  if (!prefix) {
    for (const banned of ['.', '..']) if (name === banned) return [`may not be '${banned}'`];
  }
  const errs: string[] = [];
  for (const banned of ['/', '%']) if (name.includes(banned)) errs.push(`may not contain '${banned}'`);
  return errs;
}

// A generateName prefix is checked as if a valid suffix followed it. kube replaces the LAST TWO
// characters by "a" (not just the dash); reproduced so the same prefixes pass and fail.
function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return `${name.slice(0, -2)}a`;
  return name;
}

export type NameValidatorName = 'DNS1123Subdomain' | 'DNS1123Label' | 'DNS1035Label' | 'path-segment';
/** (name, isGenerateNamePrefix) → messages. */
export type NameValidatorFn = (name: string, prefix: boolean) => string[];

export const nameValidators: Record<NameValidatorName, NameValidatorFn> = {
  DNS1123Subdomain: (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name),
  DNS1123Label: (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name),
  DNS1035Label: (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name),
  'path-segment': validatePathSegmentName,
};

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/**
 * kube's SimpleNameGenerator: prefix cut to 58 characters plus five characters from an alphabet
 * without vowels (so no words appear).
 */
export function generateName(base: string, random: () => number = Math.random): string {
  const prefix = base.length > 58 ? base.slice(0, 58) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += GENERATE_NAME_ALPHABET[Math.floor(random() * GENERATE_NAME_ALPHABET.length)] ?? 'x';
  }
  return prefix + suffix;
}

// ---------------------------------------------------------------------------------------------
// ObjectMeta.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringEntries(value: unknown): [string, string][] {
  if (!isPlainObject(value)) return [];
  return Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : String(v ?? '')]);
}

/** ValidateLabels: every key a qualified name, every value a label value; all at `path`. */
export function validateLabels(labels: unknown, path = 'metadata.labels'): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [k, v] of stringEntries(labels)) {
    for (const msg of validateQualifiedName(k)) causes.push(field.invalid(path, k, msg));
    for (const msg of validateLabelValue(v)) causes.push(field.invalid(path, v, msg));
  }
  return causes;
}

/** ValidateAnnotations: keys are qualified names ignoring case; keys+values ≤ 256 KiB in total. */
export function validateAnnotations(annotations: unknown, path = 'metadata.annotations'): FieldCause[] {
  const causes: FieldCause[] = [];
  let total = 0;
  for (const [k, v] of stringEntries(annotations)) {
    for (const msg of validateQualifiedName(k.toLowerCase())) causes.push(field.invalid(path, k, msg));
    total += byteLength(k) + byteLength(v);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    // field.TooLong in 1.28 says "must have at most N bytes" (field.tooLong in errors.ts has the
    // CRD schema wording), and the value is never shown.
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
      field: path,
    });
  }
  return causes;
}

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
const STANDARD_FINALIZERS = new Set(['kubernetes', FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);

/** ValidateFinalizers (apimachinery): qualified names, not both orphan and foregroundDeletion. */
export function validateFinalizers(finalizers: unknown, path = 'metadata.finalizers'): FieldCause[] {
  if (!Array.isArray(finalizers)) return [];
  const list = finalizers.map((f) => (typeof f === 'string' ? f : String(f)));
  const causes: FieldCause[] = [];
  for (const f of list) for (const msg of validateQualifiedName(f)) causes.push(field.invalid(path, f, msg));
  if (list.includes(FINALIZER_ORPHAN) && list.includes(FINALIZER_FOREGROUND)) {
    causes.push(field.invalid(path, list, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  return causes;
}

/**
 * The extra rule built-in (core-validated) types add: a finalizer without a '/' must be one of
 * the standard names. Custom resources do not get it.
 */
export function validateKubeFinalizerNames(finalizers: unknown, path = 'metadata.finalizers'): FieldCause[] {
  if (!Array.isArray(finalizers)) return [];
  const causes: FieldCause[] = [];
  finalizers.forEach((f, i) => {
    const name = typeof f === 'string' ? f : String(f);
    if (name.split('/').length === 1 && !STANDARD_FINALIZERS.has(name)) {
      causes.push(field.invalid(`${path}[${i}]`, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return causes;
}

/** Go's %#v of a metav1.OwnerReference (pointer fields print as addresses; volatile in kube too). */
function goOwnerReference(ref: Record<string, unknown>): string {
  const str = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  const ptr = (v: unknown) => (typeof v === 'boolean' ? '(*bool)(0xc000000001)' : '(*bool)(nil)');
  return (
    `v1.OwnerReference{APIVersion:${str(ref.apiVersion)}, Kind:${str(ref.kind)}, Name:${str(ref.name)}, ` +
    `UID:${str(ref.uid)}, Controller:${ptr(ref.controller)}, BlockOwnerDeletion:${ptr(ref.blockOwnerDeletion)}}`
  );
}

/** ValidateOwnerReferences. kube reports them at the list path, without an index. */
export function validateOwnerReferences(refs: unknown, path = 'metadata.ownerReferences'): FieldCause[] {
  if (!Array.isArray(refs)) return [];
  const causes: FieldCause[] = [];
  let firstController = '';
  for (const raw of refs) {
    const ref = isPlainObject(raw) ? raw : {};
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const kind = typeof ref.kind === 'string' ? ref.kind : '';
    const name = typeof ref.name === 'string' ? ref.name : '';
    const uid = typeof ref.uid === 'string' ? ref.uid : '';
    // schema.FromAPIVersionAndKind: an apiVersion with more than one '/' yields no group/version.
    const slashes = apiVersion.split('/').length - 1;
    let group = '';
    let version = '';
    if (slashes === 0) version = apiVersion;
    else if (slashes === 1) [group, version] = apiVersion.split('/') as [string, string];
    if (version.length === 0) causes.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (kind.length === 0) causes.push(field.invalid(`${path}.kind`, kind, 'kind must not be empty'));
    if (name.length === 0) causes.push(field.invalid(`${path}.name`, name, 'name must not be empty'));
    if (uid.length === 0) causes.push(field.invalid(`${path}.uid`, uid, 'uid must not be empty'));
    if (group === '' && version === 'v1' && kind === 'Event') {
      causes.push(field.invalidRaw(path, goOwnerReference(ref), `${group}/${version}, Kind=${kind} is disallowed from being an owner`));
    }
    if (ref.controller === true) {
      const current = `${kind}/${name}`;
      if (firstController !== '') {
        const all = `[]v1.OwnerReference{${refs.map((r) => goOwnerReference(isPlainObject(r) ? r : {})).join(', ')}}`;
        causes.push(
          field.invalidRaw(
            path,
            all,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else {
        firstController = current;
      }
    }
  }
  return causes;
}

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameValidator: NameValidatorName | NameValidatorFn;
  /** Field path of the metadata; `metadata` unless the object is embedded. */
  path?: string;
  /**
   * Apply the built-in types' extra finalizer-name rule (validateKubeFinalizerNames). Default
   * true; custom resources pass false.
   */
  kubeFinalizerNames?: boolean;
}

/**
 * ValidateObjectMeta for create, in kube's order: generateName, name, namespace, generation,
 * labels, annotations, ownerReferences, finalizers. Expects the name to be generated already
 * (kube validates both generateName and the generated name, see 02-services-crud seq 109).
 */
export function validateObjectMeta(meta: unknown, opts: ObjectMetaOptions): FieldCause[] {
  const m = isPlainObject(meta) ? meta : {};
  const path = opts.path ?? 'metadata';
  const nameFn = typeof opts.nameValidator === 'function' ? opts.nameValidator : nameValidators[opts.nameValidator];
  const causes: FieldCause[] = [];
  const generateName = typeof m.generateName === 'string' ? m.generateName : '';
  const name = typeof m.name === 'string' ? m.name : '';
  const namespace = typeof m.namespace === 'string' ? m.namespace : '';

  if (generateName.length > 0) {
    for (const msg of nameFn(generateName, true)) causes.push(field.invalid(`${path}.generateName`, generateName, msg));
  }
  if (name.length === 0) {
    causes.push(field.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) causes.push(field.invalid(`${path}.name`, name, msg));
  }
  if (opts.namespaced) {
    if (namespace.length === 0) causes.push(field.required(`${path}.namespace`));
    else for (const msg of nameValidators.DNS1123Label(namespace, false)) causes.push(field.invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace.length !== 0) {
    causes.push(field.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) {
    causes.push(field.invalid(`${path}.generation`, m.generation, 'must be greater than or equal to 0'));
  }
  causes.push(...validateLabels(m.labels, `${path}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  if (opts.kubeFinalizerNames ?? true) causes.push(...validateKubeFinalizerNames(m.finalizers, `${path}.finalizers`));
  return causes;
}

/** ValidateNoNewFinalizers: an object being deleted may lose finalizers but not gain any. */
export function validateNoNewFinalizers(newFinalizers: unknown, oldFinalizers: unknown, path = 'metadata.finalizers'): FieldCause[] {
  const oldSet = new Set(Array.isArray(oldFinalizers) ? oldFinalizers.map(String) : []);
  const added = [...new Set(Array.isArray(newFinalizers) ? newFinalizers.map(String) : [])].filter((f) => !oldSet.has(f));
  if (added.length === 0) return [];
  added.sort(compareGoStrings);
  return [
    field.forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${goValue(added)}`),
  ];
}

/** Go's String() of a time.Time in UTC: `2026-11-24 18:35:28.5 +0000 UTC`. */
export function goTimeString(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ''} +0000 UTC`;
}

function immutable(path: string, newValue: unknown, oldValue: unknown, render: (v: unknown) => string): FieldCause[] {
  if (newValue === oldValue) return [];
  return [field.invalidRaw(path, render(newValue), 'field is immutable')];
}

export interface ObjectMetaUpdateOptions {
  path?: string;
  /** As in ObjectMetaOptions; default true (built-in types). */
  kubeFinalizerNames?: boolean;
}

/**
 * ValidateObjectMetaUpdate. Run after the REST layer copied creationTimestamp, deletionTimestamp,
 * deletionGracePeriodSeconds, generation and (when absent) uid from the stored object, as kube's
 * BeforeUpdate does; then only real changes are reported.
 */
export function validateObjectMetaUpdate(newMeta: unknown, oldMeta: unknown, opts: ObjectMetaUpdateOptions = {}): FieldCause[] {
  const n = isPlainObject(newMeta) ? newMeta : {};
  const o = isPlainObject(oldMeta) ? oldMeta : {};
  const path = opts.path ?? 'metadata';
  const causes: FieldCause[] = [];
  if (o.deletionTimestamp != null) causes.push(...validateNoNewFinalizers(n.finalizers, o.finalizers, `${path}.finalizers`));
  const rv = typeof n.resourceVersion === 'string' ? n.resourceVersion : '';
  if (rv.length === 0) causes.push(field.invalid(`${path}.resourceVersion`, rv, 'must be specified for an update'));
  const gen = (v: unknown) => (typeof v === 'number' ? v : 0);
  if (gen(n.generation) < gen(o.generation)) {
    causes.push(field.invalid(`${path}.generation`, gen(n.generation), 'must not be decremented'));
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const quoted = (v: unknown) => goValue(str(v));
  // Times render through Go's Stringer (unquoted); nil pointers as null.
  const time = (v: unknown) => (typeof v === 'string' ? goTimeString(v) : 'null');
  const timeOrZero = (v: unknown) => (typeof v === 'string' ? goTimeString(v) : '0001-01-01 00:00:00 +0000 UTC');
  const num = (v: unknown) => (typeof v === 'number' ? String(v) : 'null');
  causes.push(...immutable(`${path}.name`, str(n.name), str(o.name), quoted));
  causes.push(...immutable(`${path}.namespace`, str(n.namespace), str(o.namespace), quoted));
  causes.push(...immutable(`${path}.uid`, str(n.uid), str(o.uid), quoted));
  causes.push(...immutable(`${path}.creationTimestamp`, n.creationTimestamp ?? null, o.creationTimestamp ?? null, timeOrZero));
  causes.push(...immutable(`${path}.deletionTimestamp`, n.deletionTimestamp ?? null, o.deletionTimestamp ?? null, time));
  causes.push(
    ...immutable(`${path}.deletionGracePeriodSeconds`, n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, num),
  );
  causes.push(...validateLabels(n.labels, `${path}.labels`));
  causes.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  if (opts.kubeFinalizerNames ?? true) causes.push(...validateKubeFinalizerNames(n.finalizers, `${path}.finalizers`));
  return causes;
}

/**
 * The checks kube-apiserver's REST layer applies to every update on top of the type's own
 * validation (validateCommonFields): ObjectMeta with the path-segment name rule plus the update
 * rules. kube concatenates both lists, so a problem can appear twice in details.causes while the
 * message lists it once (02-services-crud seq 93).
 */
export function validateCommonUpdateFields(newMeta: unknown, oldMeta: unknown, namespaced: boolean): FieldCause[] {
  return [
    ...validateObjectMeta(newMeta, { namespaced, nameValidator: 'path-segment', kubeFinalizerNames: false }),
    ...validateObjectMetaUpdate(newMeta, oldMeta, { kubeFinalizerNames: false }),
  ];
}

// ---------------------------------------------------------------------------------------------
// IP addresses. kube-apiserver parses them with netutils.ParseIPSloppy, a fork of Go 1.16's
// net.ParseIP in which IPv4 octets may have leading zeros (read as decimal). Go 1.17+ net.ParseIP
// rejects such octets; `sloppy: false` selects that. Both reject zones. This is the one byte-level
// IP parser of the package (service-allocation.ts's parseIPSloppy / parseCIDR wrap it).

export interface ParseIPOptions {
  /**
   * true (the default, what kube uses): an IPv4 octet may have leading zeros, "010" is 10
   * (netutils.ParseIPSloppy). false: an octet of more than one digit starting with 0 is rejected,
   * also inside an IPv6 address (Go 1.17+ net.ParseIP).
   */
  sloppy?: boolean;
}

/** Go's dtoi: decimal digits from start; [value, end], undefined when none or >= 0xffffff. */
function parseDecimal(s: string, start: number): [number, number] | undefined {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    if (n >= 0xffffff) return undefined;
  }
  return i === start ? undefined : [n, i];
}

/** Go's xtoi: hex digits from start; [value, end], undefined when none or >= 0xffffff. */
function parseHex(s: string, start: number): [number, number] | undefined {
  let n = 0;
  let i = start;
  for (; i < s.length; i++) {
    const c = s[i] as string;
    const d = '0123456789abcdef'.indexOf(c.toLowerCase());
    if (d < 0) break;
    n = n * 16 + d;
    if (n >= 0xffffff) return undefined;
  }
  return i === start ? undefined : [n, i];
}

function parseIPv4Bytes(s: string, sloppy: boolean): number[] | undefined {
  const out: number[] = [];
  let pos = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= s.length) return undefined;
    if (i > 0) {
      if (s[pos] !== '.') return undefined;
      pos++;
    }
    const r = parseDecimal(s, pos);
    if (!r || r[0] > 0xff) return undefined;
    if (!sloppy && r[1] - pos > 1 && s[pos] === '0') return undefined;
    out.push(r[0]);
    pos = r[1];
  }
  return pos === s.length ? out : undefined;
}

function parseIPv6Bytes(input: string, sloppy: boolean): number[] | undefined {
  const ip = new Array<number>(16).fill(0);
  let s = input;
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    const r = parseHex(s, 0);
    if (!r || r[0] > 0xffff) return undefined;
    const [n, c] = r;
    if (c < s.length && s[c] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4Bytes(s, sloppy);
      if (!v4) return undefined;
      for (let k = 0; k < 4; k++) ip[i + k] = v4[k] as number;
      s = '';
      i += 4;
      break;
    }
    ip[i] = n >> 8;
    ip[i + 1] = n & 0xff;
    i += 2;
    s = s.slice(c);
    if (s.length === 0) break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j] as number;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) ip[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/**
 * The 16-byte form of an address (IPv4 as ::ffff:a.b.c.d), or undefined when unparsable. Like
 * Go, the first '.' or ':' decides between the IPv4 and the IPv6 syntax, so a parsed text
 * contains ':' exactly when it was written as IPv6.
 */
export function parseIP(s: string, opts: ParseIPOptions = {}): number[] | undefined {
  const sloppy = opts.sloppy ?? true;
  for (const c of s) {
    if (c === '.') {
      const v4 = parseIPv4Bytes(s, sloppy);
      return v4 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4] : undefined;
    }
    if (c === ':') return parseIPv6Bytes(s, sloppy);
  }
  return undefined;
}

function isV4Mapped(ip: number[]): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

export function isValidIP(s: string): boolean {
  return parseIP(s) !== undefined;
}

/** IPv4, including the IPv4-mapped IPv6 form (Go's To4() accepts it, and so does kube). */
export function isValidIPv4(s: string): boolean {
  const ip = parseIP(s);
  return ip !== undefined && isV4Mapped(ip);
}

/** IPv6 that is not IPv4-mapped. */
export function isValidIPv6(s: string): boolean {
  const ip = parseIP(s);
  return ip !== undefined && !isV4Mapped(ip);
}

/** Field causes with kube's wording for an IP field; `family` narrows like IsValidIPv4Address. */
export function validateIPField(path: string, value: string, family?: 'IPv4' | 'IPv6'): FieldCause[] {
  if (family === 'IPv4') return isValidIPv4(value) ? [] : [field.invalid(path, value, 'must be a valid IPv4 address')];
  if (family === 'IPv6') return isValidIPv6(value) ? [] : [field.invalid(path, value, 'must be a valid IPv6 address')];
  return isValidIP(value) ? [] : [field.invalid(path, value, 'must be a valid IP address')];
}

// ---------------------------------------------------------------------------------------------
// Decoding errors (400): what Go's JSON decoder and time.Parse say, wrapped the way the
// apiserver's create/update handlers wrap them.

/** Where a value sits, for Go's "into Go struct field S.f of type T" wording. */
export interface GoFieldLocation {
  /** Innermost Go struct type, e.g. `LeaseSpec`. */
  struct: string;
  /** JSON path from the object root, e.g. `spec.leaseDurationSeconds`. */
  path: string;
}

/** The body's kind/version and the endpoint's kind, for "X in version "v" cannot be handled as a Y". */
export interface DecodeContext {
  kind: string;
  version: string;
  /** Kind served by the endpoint; defaults to `kind`. */
  targetKind?: string;
}

/** The Go-side text of a decoding failure, before the apiserver wraps it. */
export class DecodeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeFailure';
  }
}

/** 400 `Lease in version "v1" cannot be handled as a Lease: <detail>` (transformDecodeError). */
export function decodeError(ctx: DecodeContext, detail: string): ApiError {
  return badRequest(`${ctx.kind} in version ${JSON.stringify(ctx.version)} cannot be handled as a ${ctx.targetKind ?? ctx.kind}: ${detail}`);
}

/** The body of runtime's strict decoding error: `strict decoding error: unknown field "a", ...`. */
export function strictDecodingMessage(problems: string[]): string {
  return `strict decoding error: ${problems.join(', ')}`;
}

export function unknownFieldProblem(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

export function duplicateFieldProblem(path: string): string {
  return `duplicate field ${JSON.stringify(path)}`;
}

/** What Go's decoder calls a JSON value in UnmarshalTypeError. */
export function goJsonKind(value: unknown): 'string' | 'number' | 'bool' | 'object' | 'array' | 'null' {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'boolean') return 'bool';
  return 'object';
}

/** `json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32`. */
export function goUnmarshalTypeError(valueDescription: string, goType: string, loc?: GoFieldLocation): string {
  if (loc) return `json: cannot unmarshal ${valueDescription} into Go struct field ${loc.struct}.${loc.path} of type ${goType}`;
  return `json: cannot unmarshal ${valueDescription} into Go value of type ${goType}`;
}

export type GoScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'float64';
export type GoJsonType = GoScalarType | 'object' | 'array';

const INT_RANGE: Record<'int32' | 'int64', [number, number]> = {
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Checks a JSON value against the Go type a built-in field has; returns Go's error text or
 * undefined. null always passes (Go leaves the zero value). `goTypeName` is what Go prints for
 * structs/maps/slices (e.g. `v1.LeaseSpec`, `map[string]string`); scalars print themselves.
 */
export function checkGoJsonType(value: unknown, type: GoJsonType, loc?: GoFieldLocation, goTypeName?: string): string | undefined {
  const kind = goJsonKind(value);
  if (kind === 'null') return undefined;
  const typeName = goTypeName ?? type;
  switch (type) {
    case 'string':
      return kind === 'string' ? undefined : goUnmarshalTypeError(kind, typeName, loc);
    case 'bool':
      return kind === 'bool' ? undefined : goUnmarshalTypeError(kind, typeName, loc);
    case 'float64':
      return kind === 'number' ? undefined : goUnmarshalTypeError(kind, typeName, loc);
    case 'int32':
    case 'int64': {
      if (kind !== 'number') return goUnmarshalTypeError(kind, typeName, loc);
      const n = Number(value);
      const [lo, hi] = INT_RANGE[type];
      // Go reports fractions and overflow with the literal: "number 1.5".
      if (!Number.isInteger(n) || n < lo || n > hi) return goUnmarshalTypeError(`number ${String(value)}`, typeName, loc);
      return undefined;
    }
    case 'object':
      return kind === 'object' ? undefined : goUnmarshalTypeError(kind, typeName, loc);
    case 'array':
      return kind === 'array' ? undefined : goUnmarshalTypeError(kind, typeName, loc);
  }
}

// --- Go's time.Parse for the two layouts metav1 uses ---------------------------------------

export const RFC3339_LAYOUT = '2006-01-02T15:04:05Z07:00';
export const RFC3339_MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

// Go's time.quote: ASCII printable as is (with \" and \\), everything else as \xNN bytes.
function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

class TimeParseError {
  constructor(
    readonly value: string,
    readonly layout: string,
    readonly valueElem: string,
    readonly layoutElem: string,
    readonly message = '',
  ) {}

  toString(): string {
    if (this.message === '') {
      return `parsing time ${goTimeQuote(this.value)} as ${goTimeQuote(this.layout)}: cannot parse ${goTimeQuote(
        this.valueElem,
      )} as ${goTimeQuote(this.layoutElem)}`;
    }
    return `parsing time ${goTimeQuote(this.value)}${this.message}`;
  }
}

const isDigitAt = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

// getnum: one or two digits; `fixed` demands two.
function getnum(s: string, fixed: boolean): [number, string] | undefined {
  if (!isDigitAt(s, 0)) return undefined;
  if (!isDigitAt(s, 1)) {
    if (fixed) return undefined;
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

// Go's atoi: optional sign, then only digits.
function goAtoi(s: string): number | undefined {
  let t = s;
  let neg = false;
  if (t.length > 0 && (t[0] === '-' || t[0] === '+')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (t.length === 0 || !/^[0-9]+$/.test(t)) return undefined;
  const n = Number(t);
  return neg ? -n : n;
}

// parseNanoseconds: value starts with '.' or ',' and nbytes counts that separator.
function parseNanoseconds(value: string, nbytes: number): { ns: number; range?: string } | undefined {
  if (value[0] !== '.' && value[0] !== ',') return undefined;
  let n = nbytes;
  let v = value;
  if (n > 10) {
    v = v.slice(0, 10);
    n = 10;
  }
  const parsed = goAtoi(v.slice(1, n));
  if (parsed === undefined) return undefined;
  if (parsed < 0) return { ns: 0, range: 'fractional second' };
  return { ns: parsed * 10 ** (10 - n) };
}

function daysIn(month: number, year: number): number {
  if (month === 2) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 31;
}

interface ParsedTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** Offset east of UTC in seconds. */
  offset: number;
}

type Chunk = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'frac6' | 'tz';
// Both layouts are these std chunks with one-character literal prefixes; MicroTime adds ".000000".
const LAYOUT_CHUNKS: Record<string, [prefix: string, chunk: Chunk, text: string][]> = {
  [RFC3339_LAYOUT]: [
    ['', 'year', '2006'],
    ['-', 'month', '01'],
    ['-', 'day', '02'],
    ['T', 'hour', '15'],
    [':', 'minute', '04'],
    [':', 'second', '05'],
    ['', 'tz', 'Z07:00'],
  ],
  [RFC3339_MICRO_LAYOUT]: [
    ['', 'year', '2006'],
    ['-', 'month', '01'],
    ['-', 'day', '02'],
    ['T', 'hour', '15'],
    [':', 'minute', '04'],
    [':', 'second', '05'],
    ['', 'frac6', '.000000'],
    ['', 'tz', 'Z07:00'],
  ],
};

/** Go's time.Parse restricted to the two RFC 3339 layouts; error text identical to Go's. */
function goParseTime(layout: string, input: string): ParsedTime | TimeParseError {
  const chunks = LAYOUT_CHUNKS[layout];
  if (!chunks) throw new Error(`unsupported layout ${layout}`);
  const t: ParsedTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offset: 0 };
  let value = input;
  for (let idx = 0; idx < chunks.length; idx++) {
    const [prefix, chunk, text] = chunks[idx] as [string, Chunk, string];
    if (prefix !== '') {
      if (value.length === 0 || value[0] !== prefix) return new TimeParseError(input, layout, value, prefix);
      value = value.slice(1);
    }
    const hold = value;
    const bad = () => new TimeParseError(input, layout, hold, text);
    let range = '';
    switch (chunk) {
      case 'year': {
        if (value.length < 4 || !isDigitAt(value, 0)) return bad();
        const y = goAtoi(value.slice(0, 4));
        if (y === undefined) return bad();
        t.year = y;
        value = value.slice(4);
        break;
      }
      case 'month': {
        const r = getnum(value, true);
        if (!r) return bad();
        [t.month, value] = r;
        if (t.month <= 0 || t.month > 12) range = 'month';
        break;
      }
      case 'day': {
        const r = getnum(value, true);
        if (!r) return bad();
        [t.day, value] = r;
        break;
      }
      case 'hour': {
        // Go's "15" accepts a single digit.
        const r = getnum(value, false);
        if (!r) return bad();
        [t.hour, value] = r;
        if (t.hour >= 24) range = 'hour';
        break;
      }
      case 'minute': {
        const r = getnum(value, true);
        if (!r) return bad();
        [t.minute, value] = r;
        if (t.minute >= 60) range = 'minute';
        break;
      }
      case 'second': {
        const r = getnum(value, true);
        if (!r) return bad();
        [t.second, value] = r;
        if (t.second >= 60) {
          range = 'second';
          break;
        }
        // Fractional seconds are accepted after the seconds even when the layout has none.
        const next = chunks[idx + 1];
        if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1) && next?.[1] !== 'frac6') {
          let n = 2;
          while (n < value.length && isDigitAt(value, n)) n++;
          const ns = parseNanoseconds(value, n);
          if (!ns) return bad();
          if (ns.range) range = ns.range;
          t.nanos = ns.ns;
          value = value.slice(n);
        }
        break;
      }
      case 'frac6': {
        if (value.length < 7) return bad();
        const ns = parseNanoseconds(value, 7);
        if (!ns) return bad();
        if (ns.range) range = ns.range;
        t.nanos = ns.ns;
        value = value.slice(7);
        break;
      }
      case 'tz': {
        if (value.length >= 1 && value[0] === 'Z') {
          value = value.slice(1);
          t.offset = 0;
          break;
        }
        if (value.length < 6 || value[3] !== ':') return bad();
        const sign = value[0];
        const hr = getnum(value.slice(1, 3), true);
        const mm = getnum(value.slice(4, 6), true);
        value = value.slice(6);
        if (!hr || !mm) return bad();
        if (hr[0] > 24) range = 'time zone offset hour';
        if (mm[0] > 60) range = 'time zone offset minute';
        const off = (hr[0] * 60 + mm[0]) * 60;
        // Go reports a range problem before a bad sign.
        if (sign === '+') t.offset = off;
        else if (sign === '-') t.offset = -off;
        else if (range === '') return bad();
        break;
      }
    }
    if (range !== '') return new TimeParseError(input, layout, text, value, `: ${range} out of range`);
  }
  if (value.length !== 0) return new TimeParseError(input, layout, value, '', `: extra text: ${goTimeQuote(value)}`);
  if (t.day < 1 || t.day > daysIn(t.month, t.year)) return new TimeParseError(input, layout, value, '', ': day out of range');
  return t;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

// The instant in UTC, formatted with `fracDigits` fractional digits (truncated, as Go's Format).
function formatUTC(t: ParsedTime, fracDigits: number): string {
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, 0);
  const ms = d.getTime() - t.offset * 1000;
  const u = new Date(ms);
  const date = `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1, 2)}-${pad(u.getUTCDate(), 2)}`;
  const time = `${pad(u.getUTCHours(), 2)}:${pad(u.getUTCMinutes(), 2)}:${pad(u.getUTCSeconds(), 2)}`;
  const frac = fracDigits > 0 ? `.${String(t.nanos).padStart(9, '0').slice(0, fracDigits)}` : '';
  return `${date}T${time}${frac}Z`;
}

function parseAndFormat(value: string, layout: string, fracDigits: number): string | null {
  const parsed = goParseTime(layout, value);
  if (parsed instanceof TimeParseError) throw new DecodeFailure(parsed.toString());
  const out = formatUTC(parsed, fracDigits);
  // Go marshals the zero time as null.
  if (parsed.nanos === 0 && out.startsWith('0001-01-01T00:00:00')) return null;
  return out;
}

function decodeTimeValue(value: unknown, layout: string, fracDigits: number, loc?: GoFieldLocation): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') {
    // The inner json.Unmarshal into a string fails; the outer decoder adds the field context.
    throw new DecodeFailure(goUnmarshalTypeError(goJsonKind(value), 'string', loc));
  }
  return parseAndFormat(value, layout, fracDigits);
}

/**
 * metav1.MicroTime as the apiserver decodes and re-encodes it: exactly six fractional digits are
 * required, any offset is accepted and the result is UTC (`2024-05-01T10:00:00.123456Z`).
 * Returns null for JSON null and for the zero time (Go omits both). Throws DecodeFailure.
 */
export function normalizeMicroTime(value: unknown, loc?: GoFieldLocation): string | null {
  return decodeTimeValue(value, RFC3339_MICRO_LAYOUT, 6, loc);
}

/** metav1.Time: RFC 3339; fractional seconds are accepted and dropped; result in UTC. */
export function normalizeTime(value: unknown, loc?: GoFieldLocation): string | null {
  return decodeTimeValue(value, RFC3339_LAYOUT, 0, loc);
}

export interface TimeFieldContext extends DecodeContext {
  /** Needed only for the message about a non-string value. */
  loc?: GoFieldLocation;
}

function asApiError(fn: () => string | null, ctx: TimeFieldContext): string | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeFailure) throw decodeError(ctx, err.message);
    throw err;
  }
}

/**
 * Normalised MicroTime, or the 400 kube answers, e.g. `Lease in version "v1" cannot be handled as
 * a Lease: parsing time "2026-11-24T18:35:28Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"`.
 */
export function validateMicroTime(value: unknown, ctx: TimeFieldContext): string | null {
  return asApiError(() => normalizeMicroTime(value, ctx.loc), ctx);
}

/** Normalised metav1.Time, or the 400 (`parsing time ... as "2006-01-02T15:04:05Z07:00": ...`). */
export function validateTime(value: unknown, ctx: TimeFieldContext): string | null {
  return asApiError(() => normalizeTime(value, ctx.loc), ctx);
}

// ---------------------------------------------------------------------------------------------

/** Go's byte-wise string order (sort.Strings), used wherever kube sorts names. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
