// Structural-schema machinery for custom resources, following kube-apiserver v1.28:
//  - validateAgainstSchema: the kube-openapi schema validator with apiextensions' conversion of its
//    results into field errors (the odd `Invalid value: "integer": x in body must be of type
//    string: "integer"` format included);
//  - pruning of unknown fields (with the paths kube reports in warnings / strict errors),
//    removal of non-nullable nulls, defaulting;
//  - x-kubernetes-list-type set/map uniqueness;
//  - x-kubernetes-validations (CEL) at runtime;
//  - the checks a CRD's openAPIV3Schema gets at creation (structural rules, OpenAPI subset,
//    defaults, CEL compilation).
import type { FieldCause } from '../errors.js';
import { compileRule, evaluateRule, toCel, goRegExp, type CelSchema, type CompiledRule } from './cel.js';
import { goNumberText } from './jsonpath.js';
import { parseIP, validateObjectMeta } from '../validation.js';

/** apiextensions.k8s.io/v1 JSONSchemaProps as plain JSON. */
export type JSONSchemaProps = Record<string, any>;

// ----------------------------------------------------------------------------- small helpers

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function deepClone<V>(v: V): V {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as V);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Go's strconv.Quote, close enough for the ASCII and printable Unicode that appears in messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's `%#v` of a decoded JSON value (`map[string]interface {}{"a":1}`, `[]interface {}{...}`). */
export function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumberText(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map((x) => goSyntax(x)).join(', ')}}`;
  if (isObj(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goSyntax(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

/**
 * How field.Error renders a bad value: strings quoted, numbers and booleans bare, nil as "null",
 * anything else with %#v.
 */
export function goErrorValue(v: unknown): string {
  if (v === null || v === undefined) return '"null"';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumberText(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return goSyntax(v);
}

function invalid(path: string, value: unknown, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${goErrorValue(value)}${detail ? `: ${detail}` : ''}`, field: path };
}

function typeInvalid(path: string, value: unknown, detail: string): FieldCause {
  return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${goErrorValue(value)}: ${detail}`, field: path };
}

function required(path: string, detail = ''): FieldCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field: path };
}

function forbidden(path: string, detail: string): FieldCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field: path };
}

function notSupported(path: string, value: unknown, supported: string[]): FieldCause {
  const list = supported.map((s) => goQuote(s)).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${goErrorValue(value)}${supported.length ? `: supported values: ${list}` : ''}`,
    field: path,
  };
}

function duplicate(path: string, value: unknown): FieldCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${goErrorValue(value)}`, field: path };
}

function tooLong(path: string, max: number): FieldCause {
  return { reason: 'FieldValueTooLong', message: max >= 0 ? `Too long: may not be longer than ${max}` : 'Too long: value is too long', field: path };
}

function tooMany(path: string, actual: number, max: number): FieldCause {
  return {
    reason: 'FieldValueTooMany',
    message: `Too many: ${actual}: ${max >= 0 ? `must have at most ${max} items` : 'has too many items'}`,
    field: path,
  };
}

/** `field: message` as field.Error.Error() prints it (used for kube's sorting of schema errors). */
function errorString(c: FieldCause): string {
  return `${c.field}: ${c.message}`;
}

// ------------------------------------------------------------------------------------ formats

/** Formats kube validates in CRD schemas (go-openapi names with dashes removed). */
const SUPPORTED_FORMATS = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5', 'isbn',
  'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration', 'datetime',
  'quantity',
]);

/** The format kube keeps after StripUnsupportedFormatsPostProcess, or '' when it is ignored. */
function effectiveFormat(s: JSONSchemaProps): string {
  const f = typeof s.format === 'string' ? s.format : '';
  if (!f) return '';
  const t = s['x-kubernetes-int-or-string'] ? '' : typeof s.type === 'string' ? s.type : '';
  switch (t) {
    case '':
    case 'string':
      return SUPPORTED_FORMATS.has(f.replace(/-/g, '').toLowerCase()) ? f : '';
    case 'integer':
      return f === 'int32' || f === 'int64' ? f : '';
    case 'number':
      return f === 'float' || f === 'double' ? f : '';
    default:
      return '';
  }
}

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1]!;
}

function isDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/.exec(s);
  if (!m || !isDate(m[1]!)) return false;
  return Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

function isGoDuration(s: string): boolean {
  // time.ParseDuration plus go-openapi's "3 days" / "1 w" style.
  if (/^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/.test(s) || s === '0') return true;
  return /^[-+]?\d+\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$/i.test(s.trim());
}

function isBase64(s: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s);
}

function isMAC(s: string): boolean {
  return (
    /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(s) ||
    /^([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2}$/.test(s) ||
    /^([0-9A-Fa-f]{2}[:-]){19}[0-9A-Fa-f]{2}$/.test(s) ||
    /^([0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}$/.test(s) ||
    /^([0-9A-Fa-f]{4}\.){3}[0-9A-Fa-f]{4}$/.test(s) ||
    /^([0-9A-Fa-f]{4}\.){9}[0-9A-Fa-f]{4}$/.test(s)
  ) && (s.includes(':') ? !s.includes('-') : true) && (s.includes('-') ? !s.includes(':') : true);
}

/** netutils.ParseIPSloppy: Go's ParseIP that also accepts leading zeros in IPv4 octets. */
function parseIPSloppy(s: string): boolean {
  if (/^\d+(\.\d+){3}$/.test(s)) return s.split('.').every((o) => o.length <= 3 && Number(o) <= 255);
  return parseIP(s) !== undefined;
}

function isCIDR(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0) return false;
  const ip = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  if (!parseIPSloppy(ip)) return false;
  const max = ip.includes(':') ? 128 : 32;
  return Number(bits) <= max;
}

function isLuhn(digits: string): boolean {
  let sum = 0;
  let alt = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = Number(digits[i]);
    if (alt) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    alt = !alt;
  }
  return sum % 10 === 0;
}

function isISBN10(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dXx]$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(d[i]);
  sum += d[9] === 'X' || d[9] === 'x' ? 100 : 10 * Number(d[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const d = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(d[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(d[12]);
}

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Whether a string satisfies a format (go-openapi's strfmt registry as kube configures it). */
export function formatValid(format: string, s: string): boolean {
  switch (format.replace(/-/g, '').toLowerCase()) {
    case 'ipv4':
      return parseIPSloppy(s) && s.includes('.');
    case 'ipv6':
      return parseIPSloppy(s) && s.includes(':');
    case 'cidr':
      return isCIDR(s);
    case 'mac':
      return isMAC(s);
    case 'hostname':
      return s.length <= 255 && /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u.test(s);
    case 'email':
      return /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/.test(s) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(s);
    case 'uri':
      return /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/.test(s) || /^\/\S*$/.test(s);
    case 'uuid':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s);
    case 'uuid3':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s);
    case 'uuid4':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s);
    case 'uuid5':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s);
    case 'bsonobjectid':
      return /^[0-9a-fA-F]{24}$/.test(s);
    case 'isbn':
      return isISBN10(s) || isISBN13(s);
    case 'isbn10':
      return isISBN10(s);
    case 'isbn13':
      return isISBN13(s);
    case 'creditcard': {
      const d = s.replace(/\D/g, '');
      return /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/.test(d) && isLuhn(d);
    }
    case 'ssn':
      return /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s);
    case 'hexcolor':
      return /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s);
    case 'rgbcolor':
      return /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(s);
    case 'byte':
      return isBase64(s);
    case 'password':
      return true;
    case 'date':
      return isDate(s);
    case 'datetime':
      return isDateTime(s);
    case 'duration':
      return isGoDuration(s);
    case 'quantity':
      return QUANTITY.test(s);
    default:
      return true;
  }
}

// ------------------------------------------------------------------- kube-openapi validation

/** One result of the kube-openapi validator, before apiextensions turns it into a field error. */
interface OErr {
  kind: 'required' | 'enum' | 'tooLong' | 'maxItems' | 'maxProperties' | 'type' | 'other' | 'composite';
  /** Validator path (`spec.x`, `.spec` for required at the root). */
  name: string;
  value?: unknown;
  values?: unknown[];
  max?: number;
  message: string;
}

function inBody(name: string, rest: string): string {
  return `${name} in body ${rest}`;
}

/** Go's JSON type of a decoded value as go-openapi names it. */
function jsonTypeOf(v: unknown): 'null' | 'boolean' | 'string' | 'integer' | 'number' | 'array' | 'object' {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 9.2e18 ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function schemaTypes(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return typeof s.type === 'string' && s.type ? [s.type] : [];
}

function enumEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  return jsonEqual(a, b);
}

function fmtLimit(limit: number, dataIsInt: boolean): string {
  // Integer data is compared with the limit truncated to int64, and printed that way.
  return dataIsInt ? String(Math.trunc(limit)) : goNumberText(limit);
}

function openapiValidate(s: JSONSchemaProps | undefined, data: unknown, path: string, out: OErr[]): void {
  if (!s || !isObj(s)) return;
  const types = schemaTypes(s);
  const format = effectiveFormat(s);
  const nullable = s.nullable === true;
  if (data === null || data === undefined) {
    if (types.length > 0 && !types.includes('null') && !nullable) {
      out.push({ kind: 'type', name: path, value: 'null', message: inBody(path, `must be of type ${types.join(',')}: "null"`) });
    }
    if (Array.isArray(s.enum) && s.enum.length > 0) {
      out.push({ kind: 'enum', name: path, value: null, values: s.enum, message: inBody(path, `should be one of ${goSyntaxList(s.enum)}`) });
    }
    return;
  }
  const jt = jsonTypeOf(data);
  const isString = jt === 'string';
  const isArray = jt === 'array';

  // type validator
  if (types.length > 0 || format !== '') {
    const goFormat = jt === 'integer' ? 'int64' : jt === 'number' ? 'float64' : '';
    const isIntFloat = jt === 'integer' && types.includes('number');
    const isFloatInt = jt === 'number' && Number.isInteger(data) && types.includes('integer');
    let done = false;
    if (!isString && !isArray && format !== '' && !(types.includes(jt) || goFormat === format || isFloatInt || isIntFloat)) {
      out.push({ kind: 'type', name: path, value: goFormat, message: inBody(path, `must be of type ${format}: ${goQuote(goFormat)}`) });
      done = true;
    }
    if (!done && !(types.includes('number') || types.includes('integer')) && format !== '' && (isString || isArray)) done = true;
    if (!done && !(types.includes(jt) || isFloatInt || isIntFloat)) {
      out.push({ kind: 'type', name: path, value: jt, message: inBody(path, `must be of type ${types.join(',')}: ${goQuote(jt)}`) });
    }
  }

  // schema props validator (allOf / anyOf / oneOf / not)
  validateSchemaProps(s, data, path, out);

  // string validator
  if (isString) {
    const str = data as string;
    const len = [...str].length;
    if (typeof s.maxLength === 'number' && len > s.maxLength) {
      out.push({ kind: 'tooLong', name: path, value: str, max: s.maxLength, message: inBody(path, `should be at most ${s.maxLength} chars long`) });
    } else if (typeof s.minLength === 'number' && len < s.minLength) {
      out.push({ kind: 'other', name: path, value: str, message: inBody(path, `should be at least ${s.minLength} chars long`) });
    } else if (typeof s.pattern === 'string' && s.pattern !== '') {
      let rx: RegExp | undefined;
      let err = '';
      try {
        rx = goRegExp(s.pattern);
      } catch (e) {
        err = (e as Error).message;
      }
      if (!rx) {
        out.push({ kind: 'other', name: path, value: str, message: inBody(path, `should match '${s.pattern}, but pattern is invalid: ${err}'`) });
      } else if (!rx.test(str)) {
        out.push({ kind: 'other', name: path, value: str, message: inBody(path, `should match '${s.pattern}'`) });
      }
    }
    // format validator
    if (format !== '' && SUPPORTED_FORMATS.has(format.replace(/-/g, '').toLowerCase()) && !formatValid(format, str)) {
      out.push({ kind: 'type', name: path, value: str, message: inBody(path, `must be of type ${format}: ${goQuote(str)}`) });
    }
  }

  // number validator
  if (jt === 'integer' || jt === 'number') {
    const n = data as number;
    const isInt = jt === 'integer';
    if (typeof s.multipleOf === 'number') {
      const f = s.multipleOf;
      if (f < 0) {
        out.push({ kind: 'other', name: path, value: f, message: `factor MultipleOf declared for ${path} must be positive: ${goNumberText(f)}` });
      } else if (isInt && Number.isInteger(f) ? f !== 0 && n % f !== 0 : !Number.isInteger(f < 1 ? (1 / f) * n : n / f)) {
        out.push({ kind: 'other', name: path, value: n, message: inBody(path, `should be a multiple of ${fmtLimit(f, isInt)}`) });
      }
    }
    if (typeof s.minimum === 'number') {
      const min = isInt ? Math.trunc(s.minimum) : s.minimum;
      const ex = s.exclusiveMinimum === true;
      if (ex ? n <= min : n < min) {
        out.push({ kind: 'other', name: path, value: n, message: inBody(path, `should be greater than ${ex ? '' : 'or equal to '}${fmtLimit(s.minimum, isInt)}`) });
      }
    }
    if (typeof s.maximum === 'number') {
      const max = isInt ? Math.trunc(s.maximum) : s.maximum;
      const ex = s.exclusiveMaximum === true;
      if (ex ? n >= max : n > max) {
        out.push({ kind: 'other', name: path, value: n, message: inBody(path, `should be less than ${ex ? '' : 'or equal to '}${fmtLimit(s.maximum, isInt)}`) });
      }
    }
  }

  // slice validator
  if (isArray) {
    const arr = data as unknown[];
    if (isObj(s.items)) arr.forEach((item, i) => openapiValidate(s.items, item, `${path}[${i}]`, out));
    if (typeof s.minItems === 'number' && arr.length < s.minItems) {
      out.push({ kind: 'other', name: path, value: arr.length, message: inBody(path, `should have at least ${s.minItems} items`) });
    }
    if (typeof s.maxItems === 'number' && arr.length > s.maxItems) {
      out.push({ kind: 'maxItems', name: path, value: arr.length, max: s.maxItems, message: inBody(path, `should have at most ${s.maxItems} items`) });
    }
    if (s.uniqueItems === true) {
      const dup = arr.some((x, i) => arr.slice(0, i).some((y) => jsonEqual(x, y)));
      if (dup) out.push({ kind: 'other', name: path, message: inBody(path, "shouldn't contain duplicates") });
    }
  }

  // common validator (enum)
  if (Array.isArray(s.enum) && s.enum.length > 0 && !s.enum.some((e: unknown) => enumEquals(data, e))) {
    out.push({ kind: 'enum', name: path, value: data, values: s.enum, message: inBody(path, `should be one of ${goSyntaxList(s.enum)}`) });
  }

  // object validator
  if (jt === 'object') {
    const obj = data as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) {
      out.push({ kind: 'other', name: path, value: keys.length, message: inBody(path, `should have at least ${s.minProperties} properties`) });
      return;
    }
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) {
      out.push({ kind: 'maxProperties', name: path, value: keys.length, max: s.maxProperties, message: inBody(path, `should have at most ${s.maxProperties} properties`) });
      return;
    }
    const props: Record<string, JSONSchemaProps> = isObj(s.properties) ? s.properties : {};
    const ap = s.additionalProperties;
    if (ap === false) {
      for (const k of keys) {
        if (!(k in props)) out.push({ kind: 'other', name: path, value: k, message: `${path}.${k} in body is a forbidden property` });
      }
    } else if (isObj(ap)) {
      for (const k of keys) if (!(k in props)) openapiValidate(ap, obj[k], `${path}.${k}`, out);
    }
    for (const [p, ps] of Object.entries(props)) {
      if (Object.prototype.hasOwnProperty.call(obj, p)) openapiValidate(ps, obj[p], path ? `${path}.${p}` : p, out);
    }
    if (Array.isArray(s.required)) {
      for (const k of s.required) {
        if (typeof k === 'string' && !Object.prototype.hasOwnProperty.call(obj, k)) {
          out.push({ kind: 'required', name: `${path}.${k}`, message: inBody(`${path}.${k}`, 'is required') });
        }
      }
    }
  }
}

function goSyntaxList(values: unknown[]): string {
  // fmt %v of []interface{}: [a b 1]
  return `[${values.map((v) => (typeof v === 'string' ? v : typeof v === 'number' ? goNumberText(v) : v === null ? '<nil>' : isObj(v) || Array.isArray(v) ? JSON.stringify(v) : String(v))).join(' ')}]`;
}

function validateSchemaProps(s: JSONSchemaProps, data: unknown, path: string, out: OErr[]): void {
  const label = path;
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0) {
    let best: OErr[] | undefined;
    let ok = false;
    for (const sub of s.anyOf) {
      const r: OErr[] = [];
      openapiValidate(sub, data, path, r);
      if (r.length === 0) {
        ok = true;
        best = undefined;
        break;
      }
      if (!best || r.length < best.length) best = r;
    }
    if (!ok) out.push({ kind: 'composite', name: path, message: `${label} must validate at least one schema (anyOf)` });
    if (best) out.push(...best);
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
    let valid = 0;
    let best: OErr[] | undefined;
    for (const sub of s.oneOf) {
      const r: OErr[] = [];
      openapiValidate(sub, data, path, r);
      if (r.length === 0) valid++;
      else if (!best || r.length < best.length) best = r;
    }
    if (valid !== 1) {
      const extra = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
      out.push({ kind: 'composite', name: path, message: `${label} must validate one and only one schema (oneOf). ${extra}` });
      if (valid === 0 && best) out.push(...best);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    let valid = 0;
    const all: OErr[] = [];
    for (const sub of s.allOf) {
      const r: OErr[] = [];
      openapiValidate(sub, data, path, r);
      if (r.length === 0) valid++;
      all.push(...r);
    }
    out.push(...all);
    if (valid !== s.allOf.length) {
      out.push({ kind: 'composite', name: path, message: `${label} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}` });
    }
  }
  if (isObj(s.not)) {
    const r: OErr[] = [];
    openapiValidate(s.not, data, path, r);
    if (r.length === 0) out.push({ kind: 'composite', name: path, message: `${label} must not validate the schema (not)` });
  }
}

function oerrToCause(e: OErr, fieldRoot: string | undefined): FieldCause {
  let errPath = fieldRoot ?? '';
  if (e.kind === 'composite') return invalid(errPath || '<nil>', '', e.message);
  if (e.name && e.name !== '.') errPath = child(errPath, e.name.replace(/^\./, ''));
  switch (e.kind) {
    case 'required':
      return required(errPath);
    case 'enum':
      return notSupported(
        errPath,
        e.value,
        (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
      );
    case 'tooLong':
      return tooLong(errPath, e.max ?? -1);
    case 'maxItems':
    case 'maxProperties':
      return tooMany(errPath, typeof e.value === 'number' ? e.value : -1, e.max ?? -1);
    case 'type':
      return typeInvalid(errPath, e.value ?? '', e.message);
    default:
      return invalid(errPath, e.value ?? '', e.message);
  }
}

/**
 * OpenAPI v3 validation of a custom resource (or of a part of it) with kube's messages. The
 * validator's root path is `pathPrefix`: kube validates whole objects with '' (errors such as
 * `spec.local.v4pools[0].subnet`) and the status subresource against the status schema alone, so
 * status errors come out as `allocated`, not `status.allocated` (04-crd seq 27).
 */
export function validateAgainstSchema(schema: JSONSchemaProps | undefined, obj: unknown, pathPrefix = ''): FieldCause[] {
  const out: OErr[] = [];
  openapiValidate(schema, obj, pathPrefix, out);
  return out.map((e) => oerrToCause(e, undefined));
}

/** As validateAgainstSchema, but error fields are rooted at `fieldRoot` while messages are not. */
function validateAgainstSchemaAt(schema: JSONSchemaProps, obj: unknown, fieldRoot: string): FieldCause[] {
  const out: OErr[] = [];
  openapiValidate(schema, obj, '', out);
  return out.map((e) => oerrToCause(e, fieldRoot));
}

// ----------------------------------------------------------------------------------- pruning

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** ObjectMeta's JSON fields (metav1.ObjectMeta v1.28). */
const OBJECT_META_FIELDS: Record<string, string> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int64',
  creationTimestamp: 'time',
  deletionTimestamp: 'time',
  deletionGracePeriodSeconds: 'int64',
  labels: 'map[string]string',
  annotations: 'map[string]string',
  ownerReferences: '[]v1.OwnerReference',
  finalizers: '[]string',
  managedFields: '[]v1.ManagedFieldsEntry',
};
const OWNER_REFERENCE_FIELDS = new Set(['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion']);
const MANAGED_FIELDS_ENTRY_FIELDS = new Set(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);

function jsonKindName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/**
 * The decode error kube reports when metadata does not fit ObjectMeta (e.g. labels not a map of
 * strings): `json: cannot unmarshal string into Go struct field ObjectMeta.labels of type
 * map[string]string`. Undefined when metadata decodes.
 */
export function objectMetaDecodeError(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (!isObj(metadata)) return `json: cannot unmarshal ${jsonKindName(metadata)} into Go value of type v1.ObjectMeta`;
  const fail = (v: unknown, fieldName: string, type: string) =>
    `json: cannot unmarshal ${jsonKindName(v)} into Go struct field ObjectMeta.${fieldName} of type ${type}`;
  for (const k of Object.keys(metadata).sort()) {
    const v = metadata[k];
    const t = OBJECT_META_FIELDS[k];
    if (!t || v === null) continue;
    switch (t) {
      case 'string':
        if (typeof v !== 'string') return fail(v, k, 'string');
        break;
      case 'int64':
        if (typeof v !== 'number' || !Number.isInteger(v)) return fail(v, k, 'int64');
        break;
      case 'time':
        if (typeof v !== 'string') return fail(v, k, 'string');
        break;
      case 'map[string]string':
        if (!isObj(v)) return fail(v, k, 'map[string]string');
        for (const x of Object.values(v)) if (typeof x !== 'string' && x !== null) return fail(x, k, 'string');
        break;
      case '[]string':
        if (!Array.isArray(v)) return fail(v, k, '[]string');
        for (const x of v) if (typeof x !== 'string' && x !== null) return fail(x, k, 'string');
        break;
      default:
        if (!Array.isArray(v)) return fail(v, k, t);
        for (const x of v) if (!isObj(x) && x !== null) return fail(x, k, t.slice(2));
    }
  }
  return undefined;
}

/**
 * Removes fields ObjectMeta does not know and returns their paths (`metadata.foo`,
 * `metadata.ownerReferences[0].bar`), in the order kube's strict JSON decoding finds them.
 */
export function pruneObjectMeta(metadata: unknown, prefix = 'metadata'): string[] {
  if (!isObj(metadata)) return [];
  const unknown: string[] = [];
  for (const k of Object.keys(metadata).sort()) {
    if (!(k in OBJECT_META_FIELDS)) {
      unknown.push(`${prefix}.${k}`);
      delete metadata[k];
      continue;
    }
    const nested = k === 'ownerReferences' ? OWNER_REFERENCE_FIELDS : k === 'managedFields' ? MANAGED_FIELDS_ENTRY_FIELDS : undefined;
    const list = metadata[k];
    if (nested && Array.isArray(list)) {
      list.forEach((item, i) => {
        if (!isObj(item)) return;
        for (const f of Object.keys(item).sort()) {
          if (!nested.has(f)) {
            unknown.push(`${prefix}.${k}[${i}].${f}`);
            delete item[f];
          }
        }
      });
    }
  }
  return unknown;
}

interface PruneState {
  parent: string;
  unknown: string[];
}

function pruneNode(x: unknown, s: JSONSchemaProps | undefined, st: PruneState, embeddedRoot: boolean): void {
  if (s && s['x-kubernetes-preserve-unknown-fields'] === true) {
    skipPrune(x, s, st);
    return;
  }
  const isEmbedded = embeddedRoot || (s !== undefined && s['x-kubernetes-embedded-resource'] === true);
  if (isObj(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        st.unknown.push(child(st.parent, k));
        delete x[k];
      }
      return;
    }
    const props: Record<string, JSONSchemaProps> = isObj(s.properties) ? s.properties : {};
    for (const k of Object.keys(x)) {
      if (isEmbedded && META_FIELDS.has(k)) continue;
      const saved = st.parent;
      if (Object.prototype.hasOwnProperty.call(props, k)) {
        st.parent = child(saved, k);
        pruneNode(x[k], props[k], st, false);
      } else if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
        st.parent = child(saved, k);
        pruneNode(x[k], isObj(s.additionalProperties) ? s.additionalProperties : undefined, st, false);
      } else {
        if (!META_FIELDS.has(k) || saved !== '') st.unknown.push(child(saved, k));
        delete x[k];
      }
      st.parent = saved;
    }
  } else if (Array.isArray(x)) {
    const saved = st.parent;
    x.forEach((v, i) => {
      st.parent = `${saved}[${i}]`;
      pruneNode(v, s ? (isObj(s.items) ? s.items : undefined) : undefined, st, false);
    });
    st.parent = saved;
  }
}

function skipPrune(x: unknown, s: JSONSchemaProps, st: PruneState): void {
  const isEmbedded = s['x-kubernetes-embedded-resource'] === true;
  if (isObj(x)) {
    const props: Record<string, JSONSchemaProps> = isObj(s.properties) ? s.properties : {};
    for (const k of Object.keys(x)) {
      if (isEmbedded && META_FIELDS.has(k)) continue;
      const saved = st.parent;
      if (Object.prototype.hasOwnProperty.call(props, k)) {
        st.parent = child(saved, k);
        pruneNode(x[k], props[k], st, false);
      } else if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
        st.parent = child(saved, k);
        pruneNode(x[k], isObj(s.additionalProperties) ? s.additionalProperties : undefined, st, false);
      }
      st.parent = saved;
    }
  } else if (Array.isArray(x)) {
    const saved = st.parent;
    x.forEach((v, i) => {
      st.parent = `${saved}[${i}]`;
      if (isObj(s.items)) skipPrune(v, s.items, st);
    });
    st.parent = saved;
  }
}

/**
 * Structural pruning (kube's PruneWithOptions): drops fields the schema does not declare, keeping
 * apiVersion/kind/metadata at the resource root and in embedded resources. Returns the pruned
 * paths sorted, as kube reports them. A missing schema (unknown version) prunes everything but
 * the type and object meta, which is why 04-crd seq 21 warns about `spec`.
 */
export function prune(schema: JSONSchemaProps | undefined, obj: unknown, isResourceRoot = true): string[] {
  const st: PruneState = { parent: '', unknown: [] };
  pruneNode(obj, schema ?? (isResourceRoot ? {} : undefined), st, isResourceRoot);
  return st.unknown.sort();
}

function nonNullableNullWithoutDefault(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && s.nullable !== true && s.default === undefined;
}

/** Removes `null` values where the schema neither allows null nor has a default (kube does this before validation). */
export function pruneNonNullableNulls(schema: JSONSchemaProps | undefined, x: unknown): void {
  if (isObj(x)) {
    for (const k of Object.keys(x)) {
      let sub: JSONSchemaProps | undefined;
      if (schema) {
        if (isObj(schema.properties) && Object.prototype.hasOwnProperty.call(schema.properties, k)) sub = schema.properties[k];
        else if (isObj(schema.additionalProperties)) sub = schema.additionalProperties;
      }
      if (nonNullableNullWithoutDefault(x[k], sub)) delete x[k];
      else pruneNonNullableNulls(sub, x[k]);
    }
  } else if (Array.isArray(x)) {
    const items = schema && isObj(schema.items) ? schema.items : undefined;
    for (const v of x) pruneNonNullableNulls(items, v);
  }
}

function isNonNullableNull(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && s.nullable !== true;
}

/** Structural defaulting: missing (or non-nullable null) fields get their schema default, recursively. */
export function applyDefaults(schema: JSONSchemaProps | undefined, x: unknown): void {
  if (!schema) return;
  if (isObj(x)) {
    const props: Record<string, JSONSchemaProps> = isObj(schema.properties) ? schema.properties : {};
    for (const [k, p] of Object.entries(props)) {
      if (!isObj(p) || p.default === undefined) continue;
      if (!Object.prototype.hasOwnProperty.call(x, k) || isNonNullableNull(x[k], p)) x[k] = deepClone(p.default);
    }
    const ap = isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
    for (const k of Object.keys(x)) {
      if (Object.prototype.hasOwnProperty.call(props, k)) applyDefaults(props[k], x[k]);
      else if (ap) {
        if (isNonNullableNull(x[k], ap) && ap.default !== undefined) x[k] = deepClone(ap.default);
        applyDefaults(ap, x[k]);
      }
    }
  } else if (Array.isArray(x)) {
    const items = isObj(schema.items) ? schema.items : undefined;
    for (let i = 0; i < x.length; i++) {
      if (items && isNonNullableNull(x[i], items) && items.default !== undefined) x[i] = deepClone(items.default);
      applyDefaults(items, x[i]);
    }
  }
}

/**
 * What kube's CR decoder does to a request body (in place), in its order: unknown ObjectMeta
 * fields, structural pruning (sorted), non-nullable nulls, embedded-resource metadata, defaults.
 * Returns the unknown field paths in the order kube reports them in warnings and strict errors.
 */
export function pruneAndDefault(schema: JSONSchemaProps | undefined, obj: Record<string, unknown>): { unknownFields: string[] } {
  const unknownFields: string[] = [];
  unknownFields.push(...pruneObjectMeta(obj.metadata));
  unknownFields.push(...prune(schema, obj, true));
  pruneNonNullableNulls(schema, obj);
  unknownFields.push(...coerceEmbedded(schema, obj, '', true));
  applyDefaults(schema, obj);
  return { unknownFields };
}

/** ObjectMeta of embedded resources (x-kubernetes-embedded-resource) is pruned like the root's. */
function coerceEmbedded(s: JSONSchemaProps | undefined, x: unknown, path: string, isRoot: boolean): string[] {
  if (!s) return [];
  const out: string[] = [];
  if (isObj(x)) {
    if (!isRoot && s['x-kubernetes-embedded-resource'] === true) out.push(...pruneObjectMeta(x.metadata, child(path, 'metadata')));
    const props: Record<string, JSONSchemaProps> = isObj(s.properties) ? s.properties : {};
    for (const k of Object.keys(x)) {
      if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.has(k)) continue;
      if (Object.prototype.hasOwnProperty.call(props, k)) out.push(...coerceEmbedded(props[k], x[k], child(path, k), false));
      else if (isObj(s.additionalProperties)) out.push(...coerceEmbedded(s.additionalProperties, x[k], child(path, k), false));
    }
  } else if (Array.isArray(x) && isObj(s.items)) {
    x.forEach((v, i) => out.push(...coerceEmbedded(s.items, v, `${path}[${i}]`, false)));
  }
  return out;
}

// -------------------------------------------------------------- warnings and strict decoding

/** Text of one unknown-field problem: `unknown field "spec.topExtra"`. */
export function unknownFieldText(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

/** A `Warning` header value (RFC 7234 style, as kube's warning recorder writes it). */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/**
 * One `Warning` header value per unknown field, in order (kube sends one header line each; a
 * client that joins them produces the `299 - "...", 299 - "..."` string seen in 04-crd seq 16).
 */
export function unknownFieldWarnings(paths: string[]): string[] {
  return [...new Set(paths)].map((p) => warningHeader(unknownFieldText(p)));
}

/** All warnings folded into one header value, as an HTTP client that merges repeated headers shows them. */
export function unknownFieldsWarningHeader(paths: string[]): string {
  return unknownFieldWarnings(paths).join(', ');
}

/** `strict decoding error: unknown field "a", unknown field "b"` (apimachinery joins with ", "). */
export function strictDecodingError(unknownPaths: string[], otherErrors: string[] = []): string {
  return `strict decoding error: ${[...otherErrors, ...unknownPaths.map(unknownFieldText)].join(', ')}`;
}

/** The 400 message of a strict create/update: `ServiceGroup in version "v1" cannot be handled as a ServiceGroup: ...`. */
export function cannotBeHandledMessage(kind: string, version: string, detail: string): string {
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: ${detail}`;
}

/**
 * Paths of duplicated keys in a JSON document (`duplicate field "metadata.name"`), which kube
 * reports as strict decoding errors (04-crd seq 20) and as warnings otherwise. Returns [] for
 * unparsable input (the JSON parser reports that).
 */
export function findDuplicateJsonFields(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = str();
        const p = child(path, k);
        if (seen.has(k)) dups.push(p);
        seen.add(k);
        ws();
        i++; // ':'
        value(p);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++; // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++;
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
    }
  };
  try {
    value('');
  } catch {
    return [];
  }
  return dups;
}

export function duplicateFieldText(path: string): string {
  return `duplicate field ${goQuote(path)}`;
}

// ------------------------------------------------------------------------- list types (set/map)

/** x-kubernetes-list-type set/map uniqueness (kube's ValidateListSetsAndMaps). */
export function validateListSetsAndMaps(schema: JSONSchemaProps | undefined, obj: unknown, path = ''): FieldCause[] {
  if (!schema || !isObj(obj)) return [];
  const errs: FieldCause[] = [];
  if (isObj(schema.additionalProperties)) {
    for (const [k, v] of Object.entries(obj)) errs.push(...listSetsAndMapsValue(`${path}[${k}]`, schema.additionalProperties, v));
  }
  if (isObj(schema.properties)) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties[k];
      if (isObj(sub)) errs.push(...listSetsAndMapsValue(child(path, k), sub, v));
    }
  }
  return errs;
}

function listSetsAndMapsValue(path: string, s: JSONSchemaProps, v: unknown): FieldCause[] {
  if (Array.isArray(v)) return listSetsAndMapsArray(path, s, v);
  if (isObj(v)) return validateListSetsAndMaps(s, v, path);
  return [];
}

function listSetKey(x: unknown): string {
  if (isObj(x) || Array.isArray(x)) return 'c:' + JSON.stringify(sortKeys(x));
  return 's:' + typeof x + ':' + String(x);
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (isObj(x)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) o[k] = sortKeys(x[k]);
    return o;
  }
  return x;
}

function nonUniqueIndices(keys: string[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  keys.forEach((k, i) => {
    const n = seen.get(k) ?? 0;
    if (n === 1) out.push(i);
    seen.set(k, n + 1);
  });
  return out;
}

function listSetsAndMapsArray(path: string, s: JSONSchemaProps, arr: unknown[]): FieldCause[] {
  const errs: FieldCause[] = [];
  const lt = s['x-kubernetes-list-type'];
  if (lt === 'set' && arr.length > 1) {
    for (const i of nonUniqueIndices(arr.map(listSetKey))) errs.push(duplicate(`${path}[${i}]`, arr[i]));
  } else if (lt === 'map') {
    const bad = arr.findIndex((x) => x !== null && !isObj(x));
    if (bad >= 0) {
      errs.push(invalid(`${path}[${bad}]`, arr[bad], 'must be an object for an array of list-type map'));
    } else if (arr.length > 1) {
      const keyFields: string[] = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
      const keys = arr.map((x) => {
        const key: Record<string, unknown> = {};
        if (isObj(x)) for (const f of keyFields) if (Object.prototype.hasOwnProperty.call(x, f)) key[f] = x[f];
        return key;
      });
      for (const i of nonUniqueIndices(keys.map(listSetKey))) errs.push(duplicate(`${path}[${i}]`, keys[i]));
    }
  }
  if (isObj(s.items)) arr.forEach((x, i) => errs.push(...listSetsAndMapsValue(`${path}[${i}]`, s.items, x)));
  return errs;
}

// --------------------------------------------------------------------- embedded resource meta

/** objectmeta.Validate for x-kubernetes-embedded-resource objects below the root. */
export function validateEmbeddedResources(
  schema: JSONSchemaProps | undefined,
  obj: unknown,
  validateMeta: (meta: Record<string, unknown>, path: string) => FieldCause[],
  path = '',
  isRoot = true,
): FieldCause[] {
  if (!schema || !isObj(obj)) {
    if (schema && Array.isArray(obj) && isObj(schema.items)) {
      return obj.flatMap((x, i) => validateEmbeddedResources(schema.items, x, validateMeta, `${path}[${i}]`, false));
    }
    return [];
  }
  const errs: FieldCause[] = [];
  if (!isRoot && schema['x-kubernetes-embedded-resource'] === true) {
    if (!('apiVersion' in obj)) errs.push(required(child(path, 'apiVersion'), 'must not be empty'));
    if (!('kind' in obj)) errs.push(required(child(path, 'kind'), 'must not be empty'));
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'apiVersion') {
        if (typeof v !== 'string') errs.push(invalid(child(path, k), v, 'must be a string'));
        else if (v === '') errs.push(invalid(child(path, k), v, 'must not be empty'));
        else if (v.split('/').length > 2) errs.push(invalid(child(path, k), v, `unexpected GroupVersion string: ${v}`));
      } else if (k === 'kind') {
        if (typeof v !== 'string') errs.push(invalid(child(path, k), v, 'must be a string'));
        else if (v === '') errs.push(invalid(child(path, k), v, 'must not be empty'));
        else if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(v.toLowerCase()) || v.length > 63) {
          errs.push(
            invalid(
              child(path, k),
              v,
              "may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ),
          );
        }
      }
    }
    if (isObj(obj.metadata)) errs.push(...validateMeta(obj.metadata, child(path, 'metadata')));
  }
  const props: Record<string, JSONSchemaProps> = isObj(schema.properties) ? schema.properties : {};
  for (const [k, v] of Object.entries(obj)) {
    if ((isRoot || schema['x-kubernetes-embedded-resource']) && META_FIELDS.has(k)) continue;
    if (Object.prototype.hasOwnProperty.call(props, k)) errs.push(...validateEmbeddedResources(props[k], v, validateMeta, child(path, k), false));
    else if (isObj(schema.additionalProperties)) errs.push(...validateEmbeddedResources(schema.additionalProperties, v, validateMeta, child(path, k), false));
  }
  return errs;
}

// ------------------------------------------------------------------------- CEL at runtime

interface RuleEntry {
  rule: Record<string, any>;
  compiled?: CompiledRule;
}

const ruleCache = new WeakMap<object, RuleEntry[]>();

function rulesOf(s: JSONSchemaProps, isResourceRoot: boolean): RuleEntry[] {
  const cached = ruleCache.get(s);
  if (cached) return cached;
  const list: unknown[] = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  const entries = list.filter(isObj).map((rule) => {
    const res = compileRule(String(rule.rule ?? ''), s as CelSchema, isResourceRoot, typeof rule.messageExpression === 'string' ? rule.messageExpression : undefined);
    const e: RuleEntry = { rule };
    if (res.rule) e.compiled = res.rule;
    return e;
  });
  ruleCache.set(s, entries);
  return entries;
}

function ruleMessageOrDefault(rule: Record<string, any>): string {
  const msg = typeof rule.message === 'string' ? rule.message.trim() : '';
  return msg ? msg : `failed rule: ${String(rule.rule ?? '').trim()}`;
}

function ruleErrorString(rule: Record<string, any>): string {
  const msg = typeof rule.message === 'string' ? rule.message.trim() : '';
  return msg ? msg : String(rule.rule ?? '').trim();
}

function celFieldPath(base: string, fieldPath: unknown): string {
  if (typeof fieldPath !== 'string' || fieldPath.trim() === '') return base;
  // fieldPath is a JSONPath-like `.spec.x['y'][0]` relative to the rule's node.
  let p = fieldPath.trim();
  if (p.startsWith('.')) p = p.slice(1);
  p = p.replace(/\['([^']*)'\]/g, '.$1');
  return base === '<nil>' || base === '' ? p : `${base}.${p}`;
}

function schemaTypeName(s: JSONSchemaProps): string {
  return typeof s.type === 'string' ? s.type : '';
}

function fieldErrorForReason(path: string, type: string, detail: string, reason: unknown): FieldCause {
  switch (reason) {
    case 'FieldValueForbidden':
      return forbidden(path, detail);
    case 'FieldValueRequired':
      return required(path, detail);
    case 'FieldValueDuplicate':
      return duplicate(path, type);
    default:
      return invalid(path, type, detail);
  }
}

function evalRulesAt(s: JSONSchemaProps, obj: unknown, old: unknown, path: string, isResourceRoot: boolean, errs: FieldCause[]): void {
  const rules = rulesOf(s, isResourceRoot);
  if (rules.length === 0) return;
  const type = schemaTypeName(s);
  const errPath = path === '' ? '<nil>' : path;
  const self = toCel(obj, s as CelSchema, isResourceRoot);
  const oldSelf = old === undefined ? undefined : toCel(old, s as CelSchema, isResourceRoot);
  for (const { rule, compiled } of rules) {
    if (!compiled) {
      // Rules that failed to compile are rejected when the CRD is written; one that slipped
      // through (e.g. a CRD stored by other means) must fail closed rather than be skipped.
      errs.push(invalid(errPath, type, `rule compiler initialization error: ${ruleErrorString(rule)}`));
      continue;
    }
    if (compiled.usesOldSelf && oldSelf === undefined) continue;
    const res = evaluateRule(compiled.ast, self, oldSelf);
    if (!res.ok) {
      if (res.error.startsWith('no such overload')) {
        errs.push(invalid(errPath, type, `'${res.error}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`));
      } else if (res.error.startsWith('operation cancelled: actual cost limit exceeded')) {
        errs.push(invalid(errPath, type, 'was invalid: rule evaluation cost exceeded the budget'));
      } else {
        errs.push(invalid(errPath, type, `${res.error} evaluating rule: ${ruleErrorString(rule)}`));
      }
      continue;
    }
    if (res.value === true) continue;
    const target = celFieldPath(errPath, rule.fieldPath);
    let detail = ruleMessageOrDefault(rule);
    if (compiled.messageExpression) {
      const m = evaluateRule(compiled.messageExpression.ast, self);
      if (m.ok && typeof m.value === 'string' && m.value.trim() !== '' && !/[\r\n]/.test(m.value)) detail = m.value.trim();
      else if (m.ok && typeof m.value !== 'string') detail = ruleMessageOrDefault(rule);
      else if (!m.ok) detail = ruleMessageOrDefault(rule);
    }
    errs.push(fieldErrorForReason(target, type, detail, rule.reason));
  }
}

function listMapKey(item: unknown, keys: string[]): string | undefined {
  if (!isObj(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

/**
 * Evaluates x-kubernetes-validations rules of a schema against an object (and the old object on
 * updates, for transition rules). Errors are reported at the node's path (`<nil>` for the root).
 */
export function validateCelRules(schema: JSONSchemaProps | undefined, obj: unknown, old?: unknown, path = '', isResourceRoot = true): FieldCause[] {
  const errs: FieldCause[] = [];
  walkCel(schema, obj, old, path, isResourceRoot, errs);
  return errs;
}

function walkCel(s: JSONSchemaProps | undefined, obj: unknown, old: unknown, path: string, isResourceRoot: boolean, errs: FieldCause[]): void {
  if (!s || obj === null || obj === undefined) return;
  evalRulesAt(s, obj, old, path, isResourceRoot, errs);
  if (Array.isArray(obj)) {
    const items = isObj(s.items) ? s.items : undefined;
    if (!items) return;
    const keys: string[] = s['x-kubernetes-list-type'] === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
    const oldByKey = new Map<string, unknown>();
    if (keys.length && Array.isArray(old)) for (const o of old) {
      const k = listMapKey(o, keys);
      if (k !== undefined) oldByKey.set(k, o);
    }
    obj.forEach((item, i) => {
      const k = keys.length ? listMapKey(item, keys) : undefined;
      walkCel(items, item, k !== undefined ? oldByKey.get(k) : undefined, `${path}[${i}]`, false, errs);
    });
    return;
  }
  if (!isObj(obj)) return;
  const oldObj = isObj(old) && s['x-kubernetes-map-type'] !== 'atomic' ? old : undefined;
  if (isObj(s.additionalProperties)) {
    for (const [k, v] of Object.entries(obj)) walkCel(s.additionalProperties, v, oldObj?.[k], `${path}[${k}]`, false, errs);
  }
  if (isObj(s.properties)) {
    for (const [k, v] of Object.entries(obj)) {
      const sub = s.properties[k];
      if (!isObj(sub)) continue;
      walkCel(sub, v, oldObj?.[k], child(path, k), sub['x-kubernetes-embedded-resource'] === true, errs);
    }
  }
}

/** Whether any error blocks CEL evaluation (kube skips rules when the object is structurally wrong). */
export function hasBlockingError(errs: FieldCause[]): boolean {
  return errs.some((e) => ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'].includes(e.reason));
}

/** The cause kube appends when it skipped CEL rules because of blocking errors. */
export const CEL_SKIPPED_CAUSE: FieldCause = {
  reason: 'FieldValueInvalid',
  message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  field: '<nil>',
};

/** The message of a failed CEL rule, as tests and other code want to build it. */
export function celRuleMessage(rule: { rule: string; message?: string }): string {
  return ruleMessageOrDefault(rule);
}


// ------------------------------------------------------------- CRD schema (creation) checks

/** kube's ordering of schema properties in output: Go's field order of JSONSchemaProps. */
const SCHEMA_KEY_ORDER = [
  'id', '$schema', '$ref', 'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum',
  'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum',
  'maxProperties', 'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties',
  'additionalProperties', 'patternProperties', 'dependencies', 'additionalItems', 'definitions', 'externalDocs',
  'example', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
];
const OMIT_FALSE = new Set(['exclusiveMaximum', 'exclusiveMinimum', 'uniqueItems', 'nullable', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SCHEMA_LISTS = new Set(['allOf', 'oneOf', 'anyOf']);

/**
 * A schema as kube serializes it back: known fields only, in Go's field order, maps sorted by
 * key, empty/false optional fields omitted (matches the recorded CRD 201 body).
 */
export function normalizeSchema(s: unknown): JSONSchemaProps {
  if (!isObj(s)) return {};
  const out: JSONSchemaProps = {};
  for (const k of SCHEMA_KEY_ORDER) {
    if (!Object.prototype.hasOwnProperty.call(s, k)) continue;
    const v = s[k];
    if (v === null || v === undefined) continue;
    if (OMIT_FALSE.has(k) && v === false) continue;
    if ((k === 'description' || k === 'type' || k === 'format' || k === 'title' || k === 'pattern' || k === 'id' || k === '$schema') && v === '') continue;
    if ((k === 'required' || k === 'enum' || k === 'x-kubernetes-list-map-keys' || k === 'x-kubernetes-validations' || SCHEMA_LISTS.has(k)) && Array.isArray(v) && v.length === 0) continue;
    if (SCHEMA_MAPS.has(k)) {
      if (!isObj(v) || Object.keys(v).length === 0) continue;
      const m: Record<string, unknown> = {};
      for (const pk of Object.keys(v).sort()) m[pk] = normalizeSchema(v[pk]);
      out[k] = m;
    } else if (SCHEMA_LISTS.has(k)) {
      out[k] = Array.isArray(v) ? v.map(normalizeSchema) : v;
    } else if (k === 'items') {
      out[k] = Array.isArray(v) ? v.map(normalizeSchema) : normalizeSchema(v);
    } else if (k === 'not') {
      out[k] = normalizeSchema(v);
    } else if (k === 'additionalProperties' || k === 'additionalItems') {
      out[k] = isObj(v) ? normalizeSchema(v) : v;
    } else if (k === 'dependencies') {
      if (!isObj(v)) continue;
      const m: Record<string, unknown> = {};
      for (const dk of Object.keys(v).sort()) m[dk] = Array.isArray(v[dk]) ? v[dk] : normalizeSchema(v[dk]);
      out[k] = m;
    } else if (k === 'externalDocs') {
      if (!isObj(v)) continue;
      const d: Record<string, unknown> = {};
      if (v.description) d.description = v.description;
      if (v.url) d.url = v.url;
      out[k] = d;
    } else if (k === 'x-kubernetes-validations') {
      out[k] = (v as unknown[]).filter(isObj).map((r) => {
        const o: Record<string, unknown> = { rule: r.rule ?? '' };
        if (r.message) o.message = r.message;
        if (r.messageExpression) o.messageExpression = r.messageExpression;
        if (r.reason) o.reason = r.reason;
        if (r.fieldPath) o.fieldPath = r.fieldPath;
        return o;
      });
    } else {
      out[k] = v;
    }
  }
  return out;
}

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

type Level = 'root' | 'item' | 'field';

const NESTED_FORBIDDEN_GENERICS: [string, string][] = [
  ['type', 'must be empty to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['externalDocs', 'must be undefined to be structural'],
];
const NESTED_FORBIDDEN_EXTENSIONS: [string, string][] = [
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return (
    Array.isArray(anyOf) &&
    anyOf.length === 2 &&
    isObj(anyOf[0]) &&
    isObj(anyOf[1]) &&
    jsonEqual(anyOf[0], { type: 'integer' }) &&
    jsonEqual(anyOf[1], { type: 'string' })
  );
}

function structuralInvariants(s: JSONSchemaProps, lvl: Level, path: string, errs: FieldCause[]): void {
  if (s.type === 'array' && !isObj(s.items)) errs.push(required(`${path}.items`, 'must be specified'));
  if (isObj(s.items)) structuralInvariants(s.items, 'item', `${path}.items`, errs);
  if (isObj(s.properties)) {
    for (const [k, v] of Object.entries(s.properties)) if (isObj(v)) structuralInvariants(v, 'field', `${path}.properties[${k}]`, errs);
  }
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (lvl === 'root') errs.push(forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (isObj(s.additionalProperties)) structuralInvariants(s.additionalProperties, 'field', `${path}.additionalProperties`, errs);
  }
  if (s['x-kubernetes-int-or-string'] && s['x-kubernetes-preserve-unknown-fields'] === true) {
    errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  if (s['x-kubernetes-int-or-string'] && s['x-kubernetes-embedded-resource']) {
    errs.push(invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = Array.isArray(s.allOf) && isObj(s.allOf[0]) && isIntOrStringAnyOf(s.allOf[0].anyOf);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path, errs);

  const type = typeof s.type === 'string' ? s.type : '';
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (embedded && type !== 'object') {
    if (type === '') errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !s['x-kubernetes-int-or-string'] && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(`${path}.type`, detail));
  }
  if (embedded && s.additionalProperties !== undefined && s.additionalProperties !== null) {
    errs.push(forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalid(`${path}.type`, type, 'must be object at the root'));
  const checkMetadata = lvl === 'root' || embedded;
  const props: Record<string, any> = isObj(s.properties) ? s.properties : {};
  if (checkMetadata && isObj(props.kind) && props.kind.type !== 'string') {
    errs.push(invalid(`${path}.properties[kind].type`, props.kind.type ?? '', 'must be string'));
  }
  if (checkMetadata && isObj(props.apiVersion) && props.apiVersion.type !== 'string') {
    errs.push(invalid(`${path}.properties[apiVersion].type`, props.apiVersion.type ?? '', 'must be string'));
  }
  if (isObj(props.metadata)) {
    const m = props.metadata;
    const mpath = `${path}.properties[metadata]`;
    if (checkMetadata && m.type !== 'object') errs.push(invalid(`${mpath}.type`, m.type ?? '', 'must be object'));
    if (lvl === 'root') {
      const rest = { ...m };
      delete rest.type;
      delete rest.default;
      const mprops = isObj(rest.properties) ? Object.keys(rest.properties) : [];
      if (mprops.length > 0 && mprops.every((k) => k === 'name' || k === 'generateName')) delete rest.properties;
      if (isObj(rest.properties) && Object.keys(rest.properties).length === 0) delete rest.properties;
      if (Object.keys(rest).some((k) => truthy(rest[k]))) {
        errs.push(forbidden(mpath, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
    }
  }
  if (embedded && s['x-kubernetes-preserve-unknown-fields'] !== true && Object.keys(props).length === 0) {
    errs.push(required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

function valueValidation(v: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string, errs: FieldCause[]): void {
  if (!skipAnyOf && Array.isArray(v.anyOf)) v.anyOf.forEach((x, i) => nestedValueValidation(x, false, lvl, `${path}.anyOf[${i}]`, errs));
  if (Array.isArray(v.allOf)) v.allOf.forEach((x, i) => nestedValueValidation(x, skipFirstAllOfAnyOf && i === 0, lvl, `${path}.allOf[${i}]`, errs));
  if (Array.isArray(v.oneOf)) v.oneOf.forEach((x, i) => nestedValueValidation(x, false, lvl, `${path}.oneOf[${i}]`, errs));
  if (isObj(v.not)) nestedValueValidation(v.not, false, lvl, `${path}.not`, errs);
  if (typeof v.pattern === 'string' && v.pattern !== '') {
    try {
      goRegExp(v.pattern);
    } catch (e) {
      errs.push(invalid(`${path}.pattern`, v.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
    }
  }
}

function nestedValueValidation(v: unknown, skipAnyOf: boolean, lvl: Level, path: string, errs: FieldCause[]): void {
  if (!isObj(v)) return;
  valueValidation(v, skipAnyOf, false, lvl, path, errs);
  if (isObj(v.items)) nestedValueValidation(v.items, false, lvl, `${path}.items`, errs);
  if (isObj(v.properties)) for (const [k, f] of Object.entries(v.properties)) nestedValueValidation(f, false, 'field', `${path}.properties[${k}]`, errs);
  for (const [k, msg] of NESTED_FORBIDDEN_GENERICS) {
    if (k === 'type' ? truthy(v.type) : k === 'nullable' ? v.nullable === true : v[k] !== undefined && v[k] !== null && v[k] !== '') {
      errs.push(forbidden(`${path}.${k}`, msg));
    }
  }
  if (v.additionalProperties !== undefined && v.additionalProperties !== null) {
    errs.push(forbidden(`${path}.additionalProperties`, 'must be undefined to be structural'));
  }
  for (const [k, msg] of NESTED_FORBIDDEN_EXTENSIONS) if (truthy(v[k])) errs.push(forbidden(`${path}.${k}`, msg));
  if (isObj(v.properties) && 'metadata' in v.properties) errs.push(forbidden(`${path}.properties[metadata]`, 'must not be specified in a nested context'));
}

/** Every field or array mentioned in value validations must be specified structurally too. */
function structuralCompleteness(s: JSONSchemaProps, path: string, errs: FieldCause[]): void {
  const check = (v: unknown, st: JSONSchemaProps | undefined, sPath: string, vPath: string): void => {
    if (!isObj(v)) return;
    if (!st) {
      errs.push(required(sPath, `because it is defined in ${vPath}`));
      return;
    }
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(v[key])) v[key].forEach((x: unknown, i: number) => check(x, st, sPath, `${vPath}.${key}[${i}]`));
    }
    if (isObj(v.not)) check(v.not, st, sPath, `${vPath}.not`);
    if (isObj(v.items)) check(v.items, isObj(st.items) ? st.items : undefined, `${sPath}.items`, `${vPath}.items`);
    if (isObj(v.properties)) {
      for (const [k, f] of Object.entries(v.properties)) {
        const sf = isObj(st.properties) ? st.properties[k] : undefined;
        if (!isObj(sf)) {
          if (st.additionalProperties === undefined) errs.push(required(`${sPath}.properties[${k}]`, `because it is defined in ${vPath}.properties[${k}]`));
          continue;
        }
        check(f, sf, `${sPath}.properties[${k}]`, `${vPath}.properties[${k}]`);
      }
    }
  };
  const walk = (st: JSONSchemaProps, p: string): void => {
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      if (Array.isArray(st[key])) st[key].forEach((x: unknown, i: number) => check(x, st, p, `${p}.${key}[${i}]`));
    }
    if (isObj(st.not)) check(st.not, st, p, `${p}.not`);
    if (isObj(st.items)) walk(st.items, `${p}.items`);
    if (isObj(st.properties)) for (const [k, v] of Object.entries(st.properties)) if (isObj(v)) walk(v, `${p}.properties[${k}]`);
    if (isObj(st.additionalProperties)) walk(st.additionalProperties, `${p}.additionalProperties`);
  };
  walk(s, path);
}

/** kube's ValidateStructural: invariants and completeness, sorted by their rendered text. */
export function validateStructuralSchema(schema: JSONSchemaProps, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  structuralInvariants(schema, 'root', path, errs);
  structuralCompleteness(schema, path, errs);
  return errs.sort((a, b) => (errorString(a) < errorString(b) ? -1 : errorString(a) > errorString(b) ? 1 : 0));
}

function hasUnsupportedConstructs(s: unknown): boolean {
  if (!isObj(s)) return false;
  if (s.id || s.$ref || s.additionalItems !== undefined || isObj(s.patternProperties) || isObj(s.definitions) || isObj(s.dependencies) || Array.isArray(s.items)) return true;
  const subs: unknown[] = [s.items, s.not, s.additionalProperties, ...(Array.isArray(s.allOf) ? s.allOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : [])];
  if (isObj(s.properties)) subs.push(...Object.values(s.properties));
  return subs.some(hasUnsupportedConstructs);
}

/** structuraldefaulting.ValidateDefaults: defaults must validate against their schema and be pruned. */
function validateDefaults(s: JSONSchemaProps, path: string, isResourceRoot: boolean, insideMeta: boolean, errs: FieldCause[]): void {
  if (s.default !== undefined && s.default !== null && !insideMeta) {
    const dpath = `${path}.default`;
    const pruned = deepClone(s.default);
    prune(s, pruned, s['x-kubernetes-embedded-resource'] === true);
    if (!jsonEqual(pruned, s.default)) {
      errs.push(invalid(dpath, s.default, 'must not have unknown fields'));
    } else {
      const before = errs.length;
      errs.push(...validateAgainstSchemaAt(s, s.default, dpath));
      if (errs.length === before) {
        errs.push(...validateListSetsAndMaps({ properties: { d: s } }, { d: s.default }).map((c) => ({ ...c, field: c.field.replace(/^d/, dpath) })));
      }
    }
  }
  if (isObj(s.properties)) {
    for (const [k, v] of Object.entries(s.properties)) {
      if (!isObj(v)) continue;
      const meta = (isResourceRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k);
      validateDefaults(v, `${path}.properties[${k}]`, false, insideMeta || meta, errs);
    }
  }
  if (isObj(s.items)) validateDefaults(s.items, `${path}.items`, false, insideMeta, errs);
  if (isObj(s.additionalProperties)) validateDefaults(s.additionalProperties, `${path}.additionalProperties`, false, insideMeta, errs);
}

interface OpenAPIErrs {
  schema: FieldCause[];
  cel: FieldCause[];
}

interface SsvContext {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  forbidOldSelfPath?: string;
}

const SUPPORTED_VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];

/** Go's %#v of an apiextensions.ValidationRule (how kube prints a rule that failed to compile). */
export function goValidationRule(rule: Record<string, any>): string {
  const reason = typeof rule.reason === 'string' && rule.reason ? '(*apiextensions.FieldValueErrorReason)(0xc000a1b2c0)' : '(*apiextensions.FieldValueErrorReason)(nil)';
  return `apiextensions.ValidationRule{Rule:${goQuote(String(rule.rule ?? ''))}, Message:${goQuote(String(rule.message ?? ''))}, MessageExpression:${goQuote(String(rule.messageExpression ?? ''))}, Reason:${reason}, FieldPath:${goQuote(String(rule.fieldPath ?? ''))}}`;
}

function openAPISchemaChecks(s: JSONSchemaProps, path: string, ssv: SsvContext, isRoot: boolean, celEnabled: boolean, isResourceRoot: boolean): OpenAPIErrs {
  const out: OpenAPIErrs = { schema: [], cel: [] };
  const type = typeof s.type === 'string' ? s.type : '';
  // specStandardValidatorV3
  if (type !== '' && !OPENAPI_V3_TYPES.includes(type)) out.schema.push(notSupported(`${path}.type`, type, OPENAPI_V3_TYPES));
  if (s.default !== undefined && !ssv.allowDefaults) {
    out.schema.push(forbidden(`${path}.default`, `must not be set${ssv.disallowDefaultsReason ? ' ' + ssv.disallowDefaultsReason : ''}`));
  }
  if (s.id) out.schema.push(forbidden(`${path}.id`, 'id is not supported'));
  if (s.additionalItems !== undefined) out.schema.push(forbidden(`${path}.additionalItems`, 'additionalItems is not supported'));
  if (isObj(s.patternProperties) && Object.keys(s.patternProperties).length) out.schema.push(forbidden(`${path}.patternProperties`, 'patternProperties is not supported'));
  if (isObj(s.definitions) && Object.keys(s.definitions).length) out.schema.push(forbidden(`${path}.definitions`, 'definitions is not supported'));
  if (s.dependencies !== undefined) out.schema.push(forbidden(`${path}.dependencies`, 'dependencies is not supported'));
  if (s.$ref !== undefined) out.schema.push(forbidden(`${path}.$ref`, '$ref is not supported'));
  if (type === 'null') out.schema.push(forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items)) out.schema.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
  if (ssv.insideResourceMeta && s['x-kubernetes-embedded-resource'] === true) {
    out.schema.push(forbidden(`${path}.x-kubernetes-embedded-resource`, 'must not be used inside of resource meta'));
  }

  if (s.uniqueItems === true) out.schema.push(forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const merge = (o: OpenAPIErrs) => {
    out.schema.push(...o.schema);
    out.cel.push(...o.cel);
  };
  const props: Record<string, any> = isObj(s.properties) ? s.properties : {};
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (Object.keys(props).length > 0 && (s.additionalProperties === false || isObj(s.additionalProperties))) {
      out.schema.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    }
    if (isObj(s.additionalProperties)) {
      const sub = ssv.insideResourceMeta ? { ...ssv, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : ssv;
      merge(openAPISchemaChecks(s.additionalProperties, `${path}.additionalProperties`, sub, false, celEnabled, false));
    }
  }
  for (const [k, v] of Object.entries(props)) {
    if (!isObj(v)) continue;
    let sub: SsvContext = { ...ssv };
    if (s['x-kubernetes-map-type'] === 'atomic') sub.forbidOldSelfPath = path;
    if ((isRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(k)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${k}` };
    }
    merge(openAPISchemaChecks(v, `${path}.properties[${k}]`, sub, false, celEnabled, v['x-kubernetes-embedded-resource'] === true));
  }
  if (isObj(s.not)) merge(openAPISchemaChecks(s.not, `${path}.not`, ssv, false, false, false));
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    if (Array.isArray(s[key])) s[key].forEach((x: unknown, i: number) => isObj(x) && merge(openAPISchemaChecks(x, `${path}.${key}[${i}]`, ssv, false, false, false)));
  }
  if (isObj(s.items)) {
    const sub: SsvContext = s['x-kubernetes-list-type'] !== 'map' ? { ...ssv, forbidOldSelfPath: path } : ssv;
    merge(openAPISchemaChecks(s.items, `${path}.items`, sub, false, celEnabled, s.items['x-kubernetes-embedded-resource'] === true));
  }
  const pu = s['x-kubernetes-preserve-unknown-fields'];
  if (pu !== undefined && pu !== true) out.schema.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, pu, 'must be true or undefined'));
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && type !== 'object') {
    if (type === '') out.schema.push(required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified'));
    else out.schema.push(invalid(`${path}.type`, type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    out.schema.push(notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined && type !== 'array') {
    if (type === '') out.schema.push(required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
    else out.schema.push(invalid(`${path}.type`, type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && isObj(s.items)) {
    const is = s.items;
    if (is.type === 'array' && is['x-kubernetes-list-type'] !== undefined && is['x-kubernetes-list-type'] !== 'atomic') {
      out.schema.push(invalid(`${path}.items.x-kubernetes-list-type`, is['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
    if (is.type === 'object' && is['x-kubernetes-map-type'] !== 'atomic') {
      out.schema.push(invalid(`${path}.items.x-kubernetes-map-type`, is['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
    out.schema.push(notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
  }
  const mapKeys: unknown[] = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
  if (mapKeys.length > 0) {
    if (listType === undefined) out.schema.push(required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') out.schema.push(invalid(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) out.schema.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined) out.schema.push(required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    if (isObj(s.items) && s.items.type !== 'object') {
      out.schema.push(invalid(`${path}.items.type`, s.items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    }
    if (isObj(s.items) && s.items.type === 'object') {
      const seen = new Set<unknown>();
      const iprops: Record<string, any> = isObj(s.items.properties) ? s.items.properties : {};
      for (const k of mapKeys) {
        const ks = typeof k === 'string' ? iprops[k] : undefined;
        if (isObj(ks)) {
          if (ks.type === 'array' || ks.type === 'object') {
            out.schema.push(invalid(`${path}.items.properties[${String(k)}].type`, s.items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          out.schema.push(invalid(`${path}.x-kubernetes-list-map-keys`, mapKeys, 'entries must all be names of item properties'));
        }
        if (seen.has(k)) out.schema.push(invalid(`${path}.x-kubernetes-list-map-keys`, mapKeys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  // validateMapListKeysMapSet
  if ((listType === 'map' || listType === 'set') && isObj(s.items) && s.items.nullable === true) {
    out.schema.push(forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`));
  }
  if (listType === 'map' && isObj(s.items) && isObj(s.items.properties)) {
    const req: unknown[] = Array.isArray(s.items.required) ? s.items.required : [];
    for (const k of mapKeys) {
      if (typeof k !== 'string') continue;
      const ks = s.items.properties[k];
      if (!isObj(ks)) continue;
      if (ks.nullable === true) out.schema.push(forbidden(`${path}.items.properties[${k}].nullable`, 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      if (!req.includes(k) && ks.default === undefined) {
        out.schema.push(required(`${path}.items.properties[${k}]`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      }
    }
  }

  const rules: unknown[] = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  if (rules.length > 0) {
    rules.forEach((raw, i) => {
      const rule: Record<string, any> = isObj(raw) ? raw : {};
      const rpath = `${path}.x-kubernetes-validations[${i}]`;
      const r = typeof rule.rule === 'string' ? rule.rule : '';
      const msg = typeof rule.message === 'string' ? rule.message : '';
      const mexpr = typeof rule.messageExpression === 'string' ? rule.messageExpression : '';
      if (r.trim() === '') out.schema.push(required(`${rpath}.rule`, 'rule is not specified'));
      else if (msg.length > 0 && msg.trim() === '') out.schema.push(invalid(`${rpath}.message`, msg, 'message must be non-empty if specified'));
      else if (/[\r\n]/.test(msg.trim())) out.schema.push(invalid(`${rpath}.message`, msg, 'message must not contain line breaks'));
      else if (/[\r\n]/.test(r.trim()) && msg.trim() === '') out.schema.push(required(`${rpath}.message`, 'message must be specified if rule contains line breaks'));
      if (mexpr.length > 0 && mexpr.trim() === '') out.schema.push(required(`${rpath}.messageExpression`, 'messageExpression must be non-empty if specified'));
      if (rule.reason !== undefined && !SUPPORTED_VALIDATION_REASONS.includes(rule.reason)) {
        out.schema.push(notSupported(`${rpath}.reason`, rule.reason, SUPPORTED_VALIDATION_REASONS));
      }
      const fp = typeof rule.fieldPath === 'string' ? rule.fieldPath : '';
      if (fp.length > 0 && fp.trim() === '') out.schema.push(invalid(`${rpath}.fieldPath`, fp, 'fieldPath must be non-empty if specified'));
      if (/[\r\n]/.test(fp)) out.schema.push(invalid(`${rpath}.fieldPath`, fp, 'fieldPath must not contain line breaks'));
      if (fp.trim().length > 0 && !fieldPathValid(s, fp.trim())) out.schema.push(invalid(`${rpath}.fieldPath`, fp, 'fieldPath must be a valid path'));
    });
    if (out.schema.length === 0 && celEnabled) {
      rules.forEach((raw, i) => {
        if (!isObj(raw)) return;
        const rpath = `${path}.x-kubernetes-validations[${i}]`;
        const res = compileRule(String(raw.rule ?? ''), s as CelSchema, isRoot || isResourceRoot, typeof raw.messageExpression === 'string' ? raw.messageExpression : undefined);
        if (res.error) out.cel.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goValidationRule(raw)}: ${res.error}`, field: `${rpath}.rule` });
        if (res.messageExpressionError) {
          out.cel.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goValidationRule(raw)}: ${res.messageExpressionError}`, field: `${rpath}.messageExpression` });
        }
        if (res.rule?.usesOldSelf && ssv.forbidOldSelfPath !== undefined) {
          out.cel.push(invalid(`${rpath}.rule`, raw.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${ssv.forbidOldSelfPath}`));
        }
      });
    }
  }
  return out;
}

/** Whether a rule's fieldPath (`.a.b`, `.a['x']`, `.list[0]`) names a field of the schema. */
function fieldPathValid(s: JSONSchemaProps, fp: string): boolean {
  const re = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\['([^']*)'\]|\[(\d+)\])/;
  let rest = fp;
  let cur: JSONSchemaProps | undefined = s;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m || !cur) return false;
    rest = rest.slice(m[0].length);
    if (m[3] !== undefined) {
      if (cur.type !== 'array' || !isObj(cur.items)) return false;
      cur = cur.items;
      continue;
    }
    const name = m[1] ?? m[2]!;
    if (isObj(cur.properties) && isObj(cur.properties[name])) cur = cur.properties[name];
    else if (isObj(cur.additionalProperties)) cur = cur.additionalProperties;
    else return false;
  }
  return true;
}

const ALLOWED_AT_ROOT_WITH_STATUS = [
  'Description', 'Type', 'Format', 'Title', 'Maximum', 'ExclusiveMaximum', 'Minimum', 'ExclusiveMinimum', 'MaxLength',
  'MinLength', 'Pattern', 'MaxItems', 'MinItems', 'UniqueItems', 'MultipleOf', 'Required', 'Items', 'Properties',
  'ExternalDocs', 'Example', 'XPreserveUnknownFields', 'XValidations',
];
const GO_FIELD_NAMES: Record<string, string> = {
  id: 'ID', $schema: 'Schema', $ref: 'Ref', description: 'Description', type: 'Type', format: 'Format', title: 'Title',
  default: 'Default', maximum: 'Maximum', exclusiveMaximum: 'ExclusiveMaximum', minimum: 'Minimum',
  exclusiveMinimum: 'ExclusiveMinimum', maxLength: 'MaxLength', minLength: 'MinLength', pattern: 'Pattern',
  maxItems: 'MaxItems', minItems: 'MinItems', uniqueItems: 'UniqueItems', multipleOf: 'MultipleOf', enum: 'Enum',
  maxProperties: 'MaxProperties', minProperties: 'MinProperties', required: 'Required', items: 'Items', allOf: 'AllOf',
  oneOf: 'OneOf', anyOf: 'AnyOf', not: 'Not', properties: 'Properties', additionalProperties: 'AdditionalProperties',
  patternProperties: 'PatternProperties', dependencies: 'Dependencies', additionalItems: 'AdditionalItems',
  definitions: 'Definitions', externalDocs: 'ExternalDocs', example: 'Example', nullable: 'Nullable',
  'x-kubernetes-preserve-unknown-fields': 'XPreserveUnknownFields', 'x-kubernetes-embedded-resource': 'XEmbeddedResource',
  'x-kubernetes-int-or-string': 'XIntOrString', 'x-kubernetes-list-map-keys': 'XListMapKeys',
  'x-kubernetes-list-type': 'XListType', 'x-kubernetes-map-type': 'XMapType', 'x-kubernetes-validations': 'XValidations',
};

export interface CRDSchemaValidationOptions {
  /** Whether the status subresource is enabled for (some version using) this schema. */
  statusEnabled: boolean;
}

/**
 * kube's validateCustomResourceDefinitionValidation for one schema: root restrictions with the
 * status subresource, structural invariants (sorted), defaults, the OpenAPI subset and CEL rule
 * compilation. `path` is e.g. `spec.validation` (kube's internal path when all versions share one
 * schema) or `spec.versions[0].schema`.
 */
export function validateCRDSchema(schema: JSONSchemaProps | undefined, path: string, opts: CRDSchemaValidationOptions): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!isObj(schema)) return errs;
  const sp = `${path}.openAPIV3Schema`;
  if (opts.statusEnabled) {
    for (const k of SCHEMA_KEY_ORDER) {
      const v = schema[k];
      if (!truthy(v) && !(typeof v === 'number') && !(isObj(v) && Object.keys(v).length === 0 && k === 'default')) continue;
      const goName = GO_FIELD_NAMES[k]!;
      if (goName === 'Type') {
        if (schema.type !== 'object') {
          errs.push(invalid(`${sp}.type`, schema.type, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_WITH_STATUS.includes(goName)) {
        errs.push(invalid(sp, '', `only [${ALLOWED_AT_ROOT_WITH_STATUS.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable === true) errs.push(forbidden(`${sp}.nullable`, 'nullable cannot be true at the root'));
  let celEnabled = false;
  if (!hasUnsupportedConstructs(schema)) {
    const structural = validateStructuralSchema(schema, sp);
    if (structural.length > 0) errs.push(...structural);
    else {
      const defaults: FieldCause[] = [];
      validateDefaults(schema, sp, true, false, defaults);
      if (defaults.length > 0) errs.push(...defaults);
      else celEnabled = true;
    }
  }
  const o = openAPISchemaChecks(schema, sp, { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false }, true, celEnabled, true);
  errs.push(...o.schema, ...o.cel);
  return errs;
}

/** Whether a schema carries x-kubernetes-validations anywhere (kube builds no CEL validator otherwise). */
export function schemaHasRules(s: unknown): boolean {
  if (!isObj(s)) return false;
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) return true;
  if (isObj(s.properties) && Object.values(s.properties).some(schemaHasRules)) return true;
  return schemaHasRules(s.items) || schemaHasRules(s.additionalProperties);
}

/** ObjectMeta of embedded resources: name and namespace are optional there, the rest is checked. */
export function embeddedMetaValidator(meta: Record<string, unknown>, path: string): FieldCause[] {
  const causes = validateObjectMeta({ ...meta, name: meta.name || 'x' }, { namespaced: false, nameValidator: 'DNS1123Subdomain', path, kubeFinalizerNames: false });
  return causes.filter((c) => c.field !== `${path}.namespace`);
}

export interface CustomResourceValidationOptions {
  /** The stored object on updates: transition rules (oldSelf) only run when it is given. */
  old?: unknown;
  /** Errors found before schema validation (ObjectMeta); they count for skipping CEL rules. */
  precedingErrors?: FieldCause[];
  embeddedMeta?: (meta: Record<string, unknown>, path: string) => FieldCause[];
}

/**
 * Everything kube checks on a custom resource against its schema, in its order: OpenAPI schema,
 * embedded resources, list-type uniqueness, then CEL rules unless an earlier error is blocking
 * (required, type, unsupported, too long/many), in which case a `<nil>` cause says rules were
 * skipped. `obj` should carry apiVersion and kind. Returns precedingErrors followed by the rest.
 */
export function validateCustomResource(schema: JSONSchemaProps | undefined, obj: unknown, opts: CustomResourceValidationOptions = {}): FieldCause[] {
  const errs = [...(opts.precedingErrors ?? []), ...validateAgainstSchema(schema, obj)];
  errs.push(...validateEmbeddedResources(schema, obj, opts.embeddedMeta ?? embeddedMetaValidator));
  errs.push(...validateListSetsAndMaps(schema, obj));
  if (schemaHasRules(schema)) {
    if (hasBlockingError(errs)) errs.push(CEL_SKIPPED_CAUSE);
    else errs.push(...validateCelRules(schema, obj, opts.old));
  }
  return errs;
}

/** The schema of `status` within a version schema (what the /status subresource validates against). */
export function statusSchemaOf(schema: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  if (!isObj(schema) || !isObj(schema.properties) || !isObj(schema.properties.status)) return undefined;
  return schema.properties.status;
}
