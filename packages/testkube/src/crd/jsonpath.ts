// The JSONPath subset used by CRD additionalPrinterColumns (and kubectl custom-columns): a template
// such as `.spec.local.v4pools[0].subnet` evaluated with missing keys allowed. Filters and
// recursive descent are rarely used in printer columns and are rejected at parse time so that a
// CRD using them gets a clear error instead of silently empty cells.

export type JsonPathStep =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | { kind: 'union'; keys: (string | number)[] };

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

/**
 * Parses `.a.b[0].c`, `.a[*].b`, `.a['x.y']`, `.a[1:3]`, `.a[0,2]`, `.a.*`. A template wrapped in
 * braces (`{.a.b}`) is accepted as kubectl does; the leading dot is optional (`a.b`).
 */
export function parseJsonPath(input: string): JsonPathStep[] {
  let s = input.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const steps: JsonPathStep[] = [];
  let i = 0;
  if (s === '' || s === '.' || s === '$' || s === '@') return steps;
  if (s[0] === '$' || s[0] === '@') i = 1;
  const isNameChar = (c: string) => c !== '.' && c !== '[' && c !== ']' && c !== ' ' && c !== '\t';
  let first = true;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '.') {
      if (s[i + 1] === '.') throw new JsonPathError(`recursive descent is not supported in ${JSON.stringify(input)}`);
      i++;
      if (s[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < s.length && isNameChar(s[i]!)) {
        if (s[i] === '\\' && i + 1 < s.length) {
          name += s[i + 1];
          i += 2;
          continue;
        }
        name += s[i];
        i++;
      }
      if (name === '') {
        if (i >= s.length) break; // trailing dot, as in "." handled above
        if (s[i] === '[') continue;
        throw new JsonPathError(`invalid field name at position ${i} in ${JSON.stringify(input)}`);
      }
      steps.push({ kind: 'field', name });
    } else if (c === '[') {
      const close = findClosingBracket(s, i);
      if (close < 0) throw new JsonPathError(`unterminated [ in ${JSON.stringify(input)}`);
      steps.push(parseBracket(s.slice(i + 1, close).trim(), input));
      i = close + 1;
    } else if (first && isNameChar(c)) {
      // Leading name without a dot, e.g. "spec.replicas".
      s = '.' + s.slice(i);
      i = 0;
      continue;
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(c)} at position ${i} in ${JSON.stringify(input)}`);
    }
    first = false;
  }
  return steps;
}

function findClosingBracket(s: string, open: number): number {
  let quote: string | undefined;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ']') return i;
  }
  return -1;
}

function parseBracket(body: string, input: string): JsonPathStep {
  if (body === '*') return { kind: 'wildcard' };
  if (body.startsWith('?')) throw new JsonPathError(`filter expressions are not supported in ${JSON.stringify(input)}`);
  if (body.includes(':') && !/^['"]/.test(body)) {
    const parts = body.split(':').map((p) => p.trim());
    if (parts.length > 3) throw new JsonPathError(`invalid slice [${body}] in ${JSON.stringify(input)}`);
    const num = (p: string | undefined): number | undefined => {
      if (p === undefined || p === '') return undefined;
      if (!/^-?\d+$/.test(p)) throw new JsonPathError(`invalid slice [${body}] in ${JSON.stringify(input)}`);
      return Number(p);
    };
    const step: JsonPathStep = { kind: 'slice' };
    const start = num(parts[0]);
    const end = num(parts[1]);
    const st = num(parts[2]);
    if (start !== undefined) step.start = start;
    if (end !== undefined) step.end = end;
    if (st !== undefined) step.step = st;
    return step;
  }
  const keys: (string | number)[] = [];
  for (const raw of splitUnion(body)) {
    const p = raw.trim();
    if (/^-?\d+$/.test(p)) keys.push(Number(p));
    else if (/^'.*'$/s.test(p) || /^".*"$/s.test(p)) keys.push(p.slice(1, -1).replace(/\\(.)/g, '$1'));
    else throw new JsonPathError(`invalid array index or key [${body}] in ${JSON.stringify(input)}`);
  }
  if (keys.length === 1) {
    const k = keys[0]!;
    return typeof k === 'number' ? { kind: 'index', index: k } : { kind: 'field', name: k };
  }
  return { kind: 'union', keys };
}

function splitUnion(body: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < body.length) cur += body[++i];
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * All values the path selects, in document order. Missing keys and out-of-range indices yield no
 * value (kube's printer columns run with AllowMissingKeys).
 */
export function findJsonPath(obj: unknown, path: string | JsonPathStep[]): unknown[] {
  const steps = typeof path === 'string' ? parseJsonPath(path) : path;
  let current: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step.kind) {
        case 'field':
          if (isObject(v) && Object.prototype.hasOwnProperty.call(v, step.name)) next.push(v[step.name]);
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (isObject(v)) for (const k of Object.keys(v).sort()) next.push(v[k]);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const idx = step.index < 0 ? v.length + step.index : step.index;
            if (idx >= 0 && idx < v.length) next.push(v[idx]);
          }
          break;
        case 'slice':
          if (Array.isArray(v)) {
            const len = v.length;
            const st = step.step ?? 1;
            if (st <= 0) break;
            const norm = (x: number) => (x < 0 ? Math.max(0, len + x) : Math.min(len, x));
            const start = step.start === undefined ? 0 : norm(step.start);
            const end = step.end === undefined ? len : norm(step.end);
            for (let i = start; i < end; i += st) next.push(v[i]);
          }
          break;
        case 'union':
          for (const k of step.keys) {
            if (typeof k === 'number' && Array.isArray(v)) {
              const idx = k < 0 ? v.length + k : k;
              if (idx >= 0 && idx < v.length) next.push(v[idx]);
            } else if (typeof k === 'string' && isObject(v) && Object.prototype.hasOwnProperty.call(v, k)) next.push(v[k]);
          }
          break;
      }
    }
    current = next;
  }
  return current;
}

/** How jsonpath prints one value: scalars as text, objects and arrays as compact JSON. */
export function jsonPathText(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goNumberText(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** `kubectl get -o custom-columns` joins several matches with commas and shows `<none>` for none. */
export function customColumnText(values: unknown[]): string {
  if (values.length === 0) return '<none>';
  return values.map(jsonPathText).join(',');
}

/**
 * Go's %v for a JSON number decoded by apimachinery: integral values that fit int64 are int64 and
 * print plainly, other values are float64 and print in %g style.
 */
export function goNumberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 9.2e18) return String(n);
  return goFloatV(n);
}

/** Go's `%v` for a float64: shortest digits, exponent form below 1e-4 and from 1e6 (`1e+06`). */
export function goFloatV(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, e] = n.toExponential().split('e');
  const ev = Number(e);
  if (ev < -4 || ev >= 6) {
    const sign = ev < 0 ? '-' : '+';
    const abs = Math.abs(ev);
    return `${mant!}e${sign}${abs < 10 ? '0' + abs : abs}`;
  }
  return String(n);
}
