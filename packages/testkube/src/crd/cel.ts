// A small, honest evaluator for the CEL subset used in CRD `x-kubernetes-validations` rules.
//
// Supported: literals (int, uint, double, string, bool, null, lists, maps), `self`, `oldSelf`,
// field selection (with kube's property-name escaping), indexing, `has()`, `size()`, `!`, `-`,
// `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `+`, `-`, `*`, `/`, `%`, `?:`, the macros
// `all`, `exists`, `exists_one`, `map`, `filter`, string functions (`startsWith`, `endsWith`,
// `contains`, `matches`, `lowerAscii`, `upperAscii`, `trim`, `indexOf`, `lastIndexOf`,
// `substring`, `charAt`, `replace`, `split`, `join`), kube's list and regex helpers (`isSorted`,
// `sum`, `min`, `max`, `find`, `findAll`), conversions (`int()`, `uint()`, `double()`, `string()`,
// `bool()`, `dyn()`, `type()`).
//
// Anything else (timestamps, durations, bytes, optionals, quantities, URLs, ...) is rejected at
// compile time, i.e. when the CRD is created, with a message that names the unsupported construct:
// a rule must never be accepted and then silently ignored.

// ------------------------------------------------------------------------------------- values

export class CelUint {
  constructor(readonly v: bigint) {}
}

export class CelType {
  constructor(readonly name: string) {}
}

/** CEL maps and schema objects; keys are CEL values (strings for anything coming from JSON). */
export class CelMap {
  constructor(
    readonly keys: CelValue[],
    readonly values: CelValue[],
    /** Schema-typed objects: selecting an absent declared field is "no such key". */
    readonly isObject = false,
  ) {}

  get(key: CelValue): CelValue | undefined {
    for (let i = 0; i < this.keys.length; i++) if (celEquals(this.keys[i]!, key)) return this.values[i];
    return undefined;
  }

  has(key: CelValue): boolean {
    return this.keys.some((k) => celEquals(k, key));
  }
}

export type CelValue = null | boolean | bigint | number | string | CelUint | CelType | CelMap | CelValue[];

/** A runtime error; `&&`, `||` and the macros may absorb it, as CEL's error semantics require. */
export class CelEvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelEvalError';
  }
}

/** A compile error rendered the way cel-go renders issues (`ERROR: <input>:1:6: ...` + snippet). */
export class CelCompileError extends Error {
  constructor(
    readonly detail: string,
    readonly offset: number,
    readonly source: string,
  ) {
    super(renderIssue(source, offset, detail));
    this.name = 'CelCompileError';
  }
}

function renderIssue(source: string, offset: number, message: string): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  const col = [...source.slice(lineStart, Math.max(lineStart, offset))].length;
  let end = source.indexOf('\n', lineStart);
  if (end < 0) end = source.length;
  const snippet = source.slice(lineStart, end).replace(/\t/g, ' ');
  let ind = '';
  const chars = [...snippet];
  for (let i = 0; i < col && i < chars.length; i++) ind += chars[i]!.length > 1 || chars[i]!.charCodeAt(0) > 0x7f ? '\uff0e' : '.';
  ind += '^';
  return `ERROR: <input>:${line}:${col + 1}: ${message}\n | ${snippet}\n | ${ind}`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function checkInt(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new CelEvalError('integer overflow');
  return v;
}

function checkUint(v: bigint): CelUint {
  if (v < 0n || v > UINT64_MAX) throw new CelEvalError('unsigned integer overflow');
  return new CelUint(v);
}

export function celTypeName(v: CelValue): string {
  if (v === null) return 'null_type';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (v instanceof CelUint) return 'uint';
  if (v instanceof CelType) return 'type';
  if (v instanceof CelMap) return v.isObject ? 'object' : 'map';
  return 'list';
}

function isNumeric(v: CelValue): v is bigint | number | CelUint {
  return typeof v === 'bigint' || typeof v === 'number' || v instanceof CelUint;
}

function numericCompare(a: bigint | number | CelUint, b: bigint | number | CelUint): number {
  const x = a instanceof CelUint ? a.v : a;
  const y = b instanceof CelUint ? b.v : b;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  const fx = typeof x === 'bigint' ? Number(x) : x;
  const fy = typeof y === 'bigint' ? Number(y) : y;
  if (Number.isNaN(fx) || Number.isNaN(fy)) return NaN;
  return fx < fy ? -1 : fx > fy ? 1 : 0;
}

/** CEL heterogeneous equality: numbers compare across int/uint/double, other kinds must match. */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if (isNumeric(a) && isNumeric(b)) return numericCompare(a, b) === 0;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'string' || typeof a === 'boolean') return a === b;
  if (a instanceof CelType) return b instanceof CelType && a.name === b.name;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => celEquals(x, b[i]!));
  }
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.keys.length !== b.keys.length) return false;
    for (let i = 0; i < a.keys.length; i++) {
      const other = b.get(a.keys[i]!);
      if (other === undefined || !celEquals(a.values[i]!, other)) return false;
    }
    return true;
  }
  return false;
}

// ------------------------------------------------------------------- schema-driven conversion

/** The subset of JSONSchemaProps the evaluator needs. */
export interface CelSchema {
  type?: string;
  properties?: Record<string, CelSchema>;
  additionalProperties?: CelSchema | boolean;
  items?: CelSchema;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ObjectMeta as CEL sees it at a resource root: only name and generateName are declared. */
const ROOT_METADATA_SCHEMA: CelSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, generateName: { type: 'string' } },
};

function effectiveProps(schema: CelSchema, isResourceRoot: boolean): Record<string, CelSchema> | undefined {
  if (!schema.properties && !(isResourceRoot || schema['x-kubernetes-embedded-resource'])) return undefined;
  const props: Record<string, CelSchema> = { ...(schema.properties ?? {}) };
  if (isResourceRoot || schema['x-kubernetes-embedded-resource']) {
    props.apiVersion = { type: 'string' };
    props.kind = { type: 'string' };
    props.metadata = ROOT_METADATA_SCHEMA;
  }
  return props;
}

/** Converts a JSON value into a CEL value typed by its structural schema (kube's UnstructuredToVal). */
export function toCel(value: unknown, schema: CelSchema | undefined, isResourceRoot = false): CelValue {
  if (value === null || value === undefined) return null;
  if (!schema) return dynToCel(value);
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
    return dynToCel(value);
  }
  switch (schema.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : dynToCel(value);
    case 'number':
      return typeof value === 'number' ? value : dynToCel(value);
    case 'string':
    case 'boolean':
      return dynToCel(value);
    case 'array':
      return Array.isArray(value) ? value.map((v) => toCel(v, schema.items)) : dynToCel(value);
    default: {
      if (!isPlainObject(value)) return dynToCel(value);
      const props = effectiveProps(schema, isResourceRoot);
      const keys: CelValue[] = [];
      const values: CelValue[] = [];
      if (props) {
        for (const [k, v] of Object.entries(value)) {
          const ps = props[k];
          if (!ps) continue;
          keys.push(k);
          values.push(toCel(v, ps));
        }
        return new CelMap(keys, values, true);
      }
      const ap = schema.additionalProperties;
      for (const [k, v] of Object.entries(value)) {
        keys.push(k);
        values.push(toCel(v, typeof ap === 'object' ? ap : undefined));
      }
      return new CelMap(keys, values, false);
    }
  }
}

function dynToCel(value: unknown): CelValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 9.2e18 ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(dynToCel);
  if (isPlainObject(value)) {
    const keys: CelValue[] = [];
    const values: CelValue[] = [];
    for (const [k, v] of Object.entries(value)) {
      keys.push(k);
      values.push(dynToCel(v));
    }
    return new CelMap(keys, values, false);
  }
  return String(value);
}

// ----------------------------------------------------------------------------- declared types

export type DeclType =
  | { k: 'dyn' | 'int' | 'uint' | 'double' | 'string' | 'bool' | 'null' | 'type' }
  | { k: 'list'; elem: DeclType }
  | { k: 'map'; key: DeclType; val: DeclType }
  | { k: 'object'; fields: Map<string, DeclType> };

const T = {
  dyn: { k: 'dyn' } as DeclType,
  int: { k: 'int' } as DeclType,
  uint: { k: 'uint' } as DeclType,
  double: { k: 'double' } as DeclType,
  string: { k: 'string' } as DeclType,
  bool: { k: 'bool' } as DeclType,
  null: { k: 'null' } as DeclType,
  type: { k: 'type' } as DeclType,
};

const listOf = (elem: DeclType): DeclType => ({ k: 'list', elem });
const mapOf = (key: DeclType, val: DeclType): DeclType => ({ k: 'map', key, val });

/** The CEL declaration type of a structural schema node (kube's SchemaDeclType). */
export function declTypeOf(schema: CelSchema | undefined, isResourceRoot = false): DeclType {
  if (!schema) return T.dyn;
  if (schema['x-kubernetes-int-or-string']) return T.dyn;
  switch (schema.type) {
    case 'integer':
      return T.int;
    case 'number':
      return T.double;
    case 'string':
      return T.string;
    case 'boolean':
      return T.bool;
    case 'array':
      return listOf(declTypeOf(schema.items));
    case 'object': {
      const props = effectiveProps(schema, isResourceRoot);
      if (props) {
        const fields = new Map<string, DeclType>();
        for (const [k, v] of Object.entries(props)) fields.set(k, declTypeOf(v));
        return { k: 'object', fields };
      }
      if (typeof schema.additionalProperties === 'object') return mapOf(T.string, declTypeOf(schema.additionalProperties));
      if (schema['x-kubernetes-preserve-unknown-fields']) return T.dyn;
      return { k: 'object', fields: new Map() };
    }
    default:
      return schema['x-kubernetes-preserve-unknown-fields'] ? T.dyn : T.dyn;
  }
}

export function declTypeName(t: DeclType): string {
  switch (t.k) {
    case 'list':
      return `list(${declTypeName(t.elem)})`;
    case 'map':
      return `map(${declTypeName(t.key)}, ${declTypeName(t.val)})`;
    case 'object':
      return 'object';
    case 'null':
      return 'null_type';
    default:
      return t.k;
  }
}

// -------------------------------------------------------------------------------------- lexer

type TokKind = 'int' | 'uint' | 'double' | 'string' | 'ident' | 'op' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  value?: CelValue;
  pos: number;
}

const RESERVED = new Set([
  'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package',
  'namespace', 'return', 'var', 'void', 'while',
]);

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}'];

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const err = (msg: string, at: number): never => {
    throw new CelCompileError(`Syntax error: ${msg}`, at, src);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const start = i;
    // Numbers.
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      if (c === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
        i += 2;
        while (/[0-9a-fA-F]/.test(src[i] ?? '')) i++;
        const digits = src.slice(start, i);
        if (digits.length === 2) err(`token recognition error at: '${digits}'`, start);
        if (src[i] === 'u' || src[i] === 'U') {
          i++;
          toks.push({ kind: 'uint', text: src.slice(start, i), value: new CelUint(BigInt(digits)), pos: start });
        } else toks.push({ kind: 'int', text: digits, value: BigInt(digits), pos: start });
        continue;
      }
      while (/[0-9]/.test(src[i] ?? '')) i++;
      let isDouble = false;
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        isDouble = true;
        i++;
        while (/[0-9]/.test(src[i] ?? '')) i++;
      }
      if ((src[i] === 'e' || src[i] === 'E') && /[0-9+-]/.test(src[i + 1] ?? '')) {
        isDouble = true;
        i++;
        if (src[i] === '+' || src[i] === '-') i++;
        if (!/[0-9]/.test(src[i] ?? '')) err(`token recognition error at: '${src.slice(start, i)}'`, start);
        while (/[0-9]/.test(src[i] ?? '')) i++;
      }
      const text = src.slice(start, i);
      if (isDouble) toks.push({ kind: 'double', text, value: Number(text), pos: start });
      else if (src[i] === 'u' || src[i] === 'U') {
        i++;
        toks.push({ kind: 'uint', text: text + 'u', value: new CelUint(BigInt(text)), pos: start });
      } else toks.push({ kind: 'int', text, value: BigInt(text), pos: start });
      continue;
    }
    // Strings (with optional r/b prefixes).
    let prefix = '';
    if ((c === 'r' || c === 'R' || c === 'b' || c === 'B') && (src[i + 1] === '"' || src[i + 1] === "'")) {
      prefix = c.toLowerCase();
      i++;
    } else if (
      (c === 'r' || c === 'R' || c === 'b' || c === 'B') &&
      (src[i + 1] === 'r' || src[i + 1] === 'R' || src[i + 1] === 'b' || src[i + 1] === 'B') &&
      (src[i + 2] === '"' || src[i + 2] === "'")
    ) {
      prefix = (c + src[i + 1]).toLowerCase();
      i += 2;
    }
    if (src[i] === '"' || src[i] === "'") {
      const q = src[i]!;
      const triple = src.slice(i, i + 3) === q.repeat(3);
      const delim = triple ? q.repeat(3) : q;
      i += delim.length;
      const raw = prefix.includes('r');
      let out = '';
      for (;;) {
        if (i >= src.length) err('token recognition error: unterminated string literal', start);
        if (src.startsWith(delim, i)) {
          i += delim.length;
          break;
        }
        const ch = src[i]!;
        if (!triple && (ch === '\n' || ch === '\r')) err('token recognition error: newline in string literal', start);
        if (ch === '\\' && !raw) {
          const [s, n] = unescape(src, i, start, err);
          out += s;
          i = n;
          continue;
        }
        if (ch === '\\' && raw && (src[i + 1] === q)) {
          out += '\\' + q;
          i += 2;
          continue;
        }
        out += ch;
        i++;
      }
      if (prefix.includes('b')) {
        throw new CelCompileError('bytes literals are not supported by the testkube CEL subset', start, src);
      }
      toks.push({ kind: 'string', text: src.slice(start, i), value: out, pos: start });
      continue;
    }
    if (prefix) i = start;
    if (/[A-Za-z_]/.test(c)) {
      while (/[A-Za-z0-9_]/.test(src[i] ?? '')) i++;
      toks.push({ kind: 'ident', text: src.slice(start, i), pos: start });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) err(`token recognition error at: '${c}'`, start);
    toks.push({ kind: 'op', text: op!, pos: start });
    i += op!.length;
  }
  toks.push({ kind: 'eof', text: '<EOF>', pos: src.length });
  return toks;
}

function unescape(src: string, i: number, start: number, err: (m: string, at: number) => never): [string, number] {
  const e = src[i + 1];
  switch (e) {
    case 'a':
      return ['\x07', i + 2];
    case 'b':
      return ['\b', i + 2];
    case 'f':
      return ['\f', i + 2];
    case 'n':
      return ['\n', i + 2];
    case 'r':
      return ['\r', i + 2];
    case 't':
      return ['\t', i + 2];
    case 'v':
      return ['\v', i + 2];
    case '\\':
    case '"':
    case "'":
    case '`':
    case '?':
      return [e, i + 2];
    case 'x':
    case 'X': {
      const h = src.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) err('invalid escape sequence', start);
      return [String.fromCodePoint(parseInt(h, 16)), i + 4];
    }
    case 'u': {
      const h = src.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(h)) err('invalid escape sequence', start);
      return [String.fromCodePoint(parseInt(h, 16)), i + 6];
    }
    case 'U': {
      const h = src.slice(i + 2, i + 10);
      if (!/^[0-9a-fA-F]{8}$/.test(h)) err('invalid escape sequence', start);
      return [String.fromCodePoint(parseInt(h, 16)), i + 10];
    }
    default:
      if (e !== undefined && /[0-3]/.test(e) && /^[0-7]{3}$/.test(src.slice(i + 1, i + 4))) {
        return [String.fromCodePoint(parseInt(src.slice(i + 1, i + 4), 8)), i + 4];
      }
      return err('invalid escape sequence', start);
  }
}

// ------------------------------------------------------------------------------------- parser

export type Expr =
  | { t: 'lit'; v: CelValue; pos: number }
  | { t: 'ident'; name: string; pos: number }
  | { t: 'select'; operand: Expr; field: string; pos: number }
  | { t: 'index'; operand: Expr; index: Expr; pos: number }
  | { t: 'call'; fn: string; target?: Expr; args: Expr[]; pos: number }
  | { t: 'list'; elems: Expr[]; pos: number }
  | { t: 'map'; entries: { k: Expr; v: Expr }[]; pos: number }
  | { t: 'unary'; op: '!' | '-'; e: Expr; pos: number }
  | { t: 'binary'; op: string; l: Expr; r: Expr; pos: number }
  | { t: 'cond'; c: Expr; a: Expr; b: Expr; pos: number }
  | { t: 'has'; operand: Expr; field: string; pos: number }
  | { t: 'comprehension'; macro: 'all' | 'exists' | 'exists_one' | 'map' | 'filter'; range: Expr; v: string; filter?: Expr; body: Expr; pos: number };

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok {
    return this.toks[this.i]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private expect(text: string): Tok {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== text) this.fail(t, `mismatched input '${t.text}' expecting '${text}'`);
    return this.next();
  }
  private fail(t: Tok, msg: string): never {
    throw new CelCompileError(`Syntax error: ${msg}`, t.pos, this.src);
  }

  parseAll(): Expr {
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, `extraneous input '${t.text}' expecting <EOF>`);
    return e;
  }

  private expr(): Expr {
    const c = this.or();
    if (this.isOp('?')) {
      const q = this.next();
      const a = this.or();
      this.expect(':');
      const b = this.expr();
      return { t: 'cond', c, a, b, pos: q.pos };
    }
    return c;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isOp('||')) {
      const op = this.next();
      l = { t: 'binary', op: '||', l, r: this.and(), pos: op.pos };
    }
    return l;
  }

  private and(): Expr {
    let l = this.relation();
    while (this.isOp('&&')) {
      const op = this.next();
      l = { t: 'binary', op: '&&', l, r: this.relation(), pos: op.pos };
    }
    return l;
  }

  private relation(): Expr {
    let l = this.addition();
    for (;;) {
      const t = this.peek();
      const isRel = (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) || (t.kind === 'ident' && t.text === 'in');
      if (!isRel) return l;
      this.next();
      l = { t: 'binary', op: t.text, l, r: this.addition(), pos: t.pos };
    }
  }

  private addition(): Expr {
    let l = this.multiplication();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      l = { t: 'binary', op: op.text, l, r: this.multiplication(), pos: op.pos };
    }
    return l;
  }

  private multiplication(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next();
      l = { t: 'binary', op: op.text, l, r: this.unary(), pos: op.pos };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('!')) {
      const op = this.next();
      return { t: 'unary', op: '!', e: this.unary(), pos: op.pos };
    }
    if (this.isOp('-')) {
      const op = this.next();
      const nt = this.peek();
      // Negative literals are folded so that -9223372036854775808 is representable.
      if (nt.kind === 'int' && (this.toks[this.i + 1]?.kind !== 'op' || !['.', '['].includes(this.toks[this.i + 1]!.text))) {
        this.next();
        return { t: 'lit', v: -(nt.value as bigint), pos: op.pos };
      }
      if (nt.kind === 'double') {
        this.next();
        return { t: 'lit', v: -(nt.value as number), pos: op.pos };
      }
      return { t: 'unary', op: '-', e: this.unary(), pos: op.pos };
    }
    return this.member();
  }

  private member(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        // cel-go locates a selection at its dot and a call at its opening parenthesis.
        const dot = this.next();
        const id = this.next();
        if (id.kind !== 'ident') this.fail(id, `mismatched input '${id.text}' expecting IDENTIFIER`);
        if (this.isOp('(')) {
          const open = this.next();
          const args = this.exprList(')');
          e = this.makeCall(id.text, e, args, open.pos);
        } else {
          e = { t: 'select', operand: e, field: id.text, pos: dot.pos };
        }
      } else if (this.isOp('[')) {
        const open = this.next();
        const index = this.expr();
        this.expect(']');
        e = { t: 'index', operand: e, index, pos: open.pos };
      } else return e;
    }
  }

  private exprList(close: string): Expr[] {
    const args: Expr[] = [];
    if (this.isOp(close)) {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.expr());
      if (this.isOp(',')) {
        this.next();
        if (this.isOp(close)) {
          this.next();
          return args;
        }
        continue;
      }
      this.expect(close);
      return args;
    }
  }

  private makeCall(fn: string, target: Expr | undefined, args: Expr[], pos: number): Expr {
    if (!target && fn === 'has') {
      const a = args[0];
      if (args.length !== 1 || !a || a.t !== 'select') {
        throw new CelCompileError('invalid argument to has() macro', pos, this.src);
      }
      return { t: 'has', operand: a.operand, field: a.field, pos };
    }
    if (target && ['all', 'exists', 'exists_one', 'map', 'filter'].includes(fn)) {
      const v = args[0];
      const wantArgs = fn === 'map' ? [2, 3] : [2];
      if (!wantArgs.includes(args.length) || !v || v.t !== 'ident') {
        throw new CelCompileError(`invalid argument to ${fn}() macro`, pos, this.src);
      }
      const macro = fn as 'all' | 'exists' | 'exists_one' | 'map' | 'filter';
      if (args.length === 3) return { t: 'comprehension', macro, range: target, v: v.name, filter: args[1]!, body: args[2]!, pos };
      return { t: 'comprehension', macro, range: target, v: v.name, body: args[1]!, pos };
    }
    const call: Expr = { t: 'call', fn, args, pos };
    if (target) call.target = target;
    return call;
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'int':
      case 'uint':
      case 'double':
      case 'string':
        return { t: 'lit', v: t.value!, pos: t.pos };
      case 'ident': {
        if (t.text === 'true') return { t: 'lit', v: true, pos: t.pos };
        if (t.text === 'false') return { t: 'lit', v: false, pos: t.pos };
        if (t.text === 'null') return { t: 'lit', v: null, pos: t.pos };
        if (RESERVED.has(t.text) || t.text === 'in') this.fail(t, `reserved identifier: ${t.text}`);
        if (this.isOp('(')) {
          const open = this.next();
          return this.makeCall(t.text, undefined, this.exprList(')'), open.pos);
        }
        return { t: 'ident', name: t.text, pos: t.pos };
      }
      case 'op':
        if (t.text === '(') {
          const e = this.expr();
          this.expect(')');
          return e;
        }
        if (t.text === '[') return { t: 'list', elems: this.exprList(']'), pos: t.pos };
        if (t.text === '{') {
          const entries: { k: Expr; v: Expr }[] = [];
          if (this.isOp('}')) {
            this.next();
            return { t: 'map', entries, pos: t.pos };
          }
          for (;;) {
            const k = this.expr();
            this.expect(':');
            const v = this.expr();
            entries.push({ k, v });
            if (this.isOp(',')) {
              this.next();
              if (this.isOp('}')) {
                this.next();
                break;
              }
              continue;
            }
            this.expect('}');
            break;
          }
          return { t: 'map', entries, pos: t.pos };
        }
        if (t.text === '.') this.fail(t, 'leading-dot identifiers are not supported');
        return this.fail(t, `mismatched input '${t.text}' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
      default:
        return this.fail(t, `mismatched input '${t.text}' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}`);
    }
  }
}

export function parseCel(src: string): Expr {
  return new Parser(lex(src), src).parseAll();
}

// --------------------------------------------------------------------- property name escaping

const CEL_RESERVED_PROPERTY = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** Inverse of kube's CEL property escaping (`__dash__`, `__dot__`, `__slash__`, `__{keyword}__`...). */
export function unescapeCelProperty(name: string): string {
  const m = /^__(.+)__$/.exec(name);
  if (m && CEL_RESERVED_PROPERTY.has(m[1]!)) return m[1]!;
  return name.replace(/__(underscores|dot|dash|slash)__/g, (_all, w: string) =>
    w === 'underscores' ? '__' : w === 'dot' ? '.' : w === 'dash' ? '-' : '/',
  );
}

// ------------------------------------------------------------------------------ type checking

interface CheckEnv {
  vars: Map<string, DeclType>;
  src: string;
}

const TYPE_IDENTS = new Set(['int', 'uint', 'double', 'string', 'bool', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

function isDyn(t: DeclType): boolean {
  return t.k === 'dyn';
}

function sameKind(a: DeclType, b: DeclType): boolean {
  return a.k === b.k;
}

function noOverload(env: CheckEnv, pos: number, fn: string, args: DeclType[], target?: DeclType): never {
  const list = args.map(declTypeName).join(', ');
  const sig = target ? `${declTypeName(target)}.(${list})` : `(${list})`;
  throw new CelCompileError(`found no matching overload for '${fn}' applied to '${sig}'`, pos, env.src);
}

const NUMERIC = new Set(['int', 'uint', 'double']);

function checkExpr(e: Expr, env: CheckEnv): DeclType {
  switch (e.t) {
    case 'lit':
      return celValueDecl(e.v);
    case 'ident': {
      const v = env.vars.get(e.name);
      if (v) return v;
      if (TYPE_IDENTS.has(e.name)) return T.type;
      throw new CelCompileError(`undeclared reference to '${e.name}' (in container '')`, e.pos, env.src);
    }
    case 'select':
    case 'has': {
      const ot = checkExpr(e.operand, env);
      const r = selectType(ot, e.field, env, e.pos);
      return e.t === 'has' ? T.bool : r;
    }
    case 'index': {
      const ot = checkExpr(e.operand, env);
      const it = checkExpr(e.index, env);
      if (isDyn(ot)) return T.dyn;
      if (ot.k === 'list') {
        if (!isDyn(it) && it.k !== 'int' && it.k !== 'uint') noOverload(env, e.pos, '_[_]', [ot, it]);
        return ot.elem;
      }
      if (ot.k === 'map') return ot.val;
      if (ot.k === 'object') {
        if (!isDyn(it) && it.k !== 'string') noOverload(env, e.pos, '_[_]', [ot, it]);
        return T.dyn;
      }
      return noOverload(env, e.pos, '_[_]', [ot, it]);
    }
    case 'list': {
      const ts = e.elems.map((x) => checkExpr(x, env));
      const first = ts[0];
      return listOf(first && ts.every((t) => sameKind(t, first)) ? first : T.dyn);
    }
    case 'map': {
      const ks = e.entries.map((x) => checkExpr(x.k, env));
      const vs = e.entries.map((x) => checkExpr(x.v, env));
      const k0 = ks[0];
      const v0 = vs[0];
      return mapOf(k0 && ks.every((t) => sameKind(t, k0)) ? k0 : T.dyn, v0 && vs.every((t) => sameKind(t, v0)) ? v0 : T.dyn);
    }
    case 'unary': {
      const t = checkExpr(e.e, env);
      if (e.op === '!') {
        if (!isDyn(t) && t.k !== 'bool') noOverload(env, e.pos, '!_', [t]);
        return T.bool;
      }
      if (!isDyn(t) && t.k !== 'int' && t.k !== 'double') noOverload(env, e.pos, '-_', [t]);
      return t;
    }
    case 'cond': {
      const c = checkExpr(e.c, env);
      if (!isDyn(c) && c.k !== 'bool') noOverload(env, e.pos, '_?_:_', [c]);
      const a = checkExpr(e.a, env);
      const b = checkExpr(e.b, env);
      return sameKind(a, b) ? a : T.dyn;
    }
    case 'binary':
      return checkBinary(e, env);
    case 'comprehension': {
      const rt = checkExpr(e.range, env);
      let vt: DeclType = T.dyn;
      if (rt.k === 'list') vt = rt.elem;
      else if (rt.k === 'map') vt = rt.key;
      else if (rt.k === 'object') vt = T.string;
      else if (!isDyn(rt)) noOverload(env, e.pos, e.macro, [rt]);
      const inner: CheckEnv = { vars: new Map(env.vars), src: env.src };
      inner.vars.set(e.v, vt);
      if (e.filter) {
        const ft = checkExpr(e.filter, inner);
        if (!isDyn(ft) && ft.k !== 'bool') noOverload(env, e.filter.pos, e.macro, [ft]);
      }
      const bt = checkExpr(e.body, inner);
      if (e.macro === 'map') return listOf(bt);
      if (e.macro === 'filter') return listOf(vt);
      if (!isDyn(bt) && bt.k !== 'bool') noOverload(env, e.body.pos, e.macro, [bt]);
      return T.bool;
    }
    case 'call':
      return checkCall(e, env);
  }
}

function celValueDecl(v: CelValue): DeclType {
  if (v === null) return T.null;
  if (typeof v === 'boolean') return T.bool;
  if (typeof v === 'bigint') return T.int;
  if (typeof v === 'number') return T.double;
  if (typeof v === 'string') return T.string;
  if (v instanceof CelUint) return T.uint;
  return T.dyn;
}

function selectType(ot: DeclType, fieldName: string, env: CheckEnv, pos: number): DeclType {
  if (isDyn(ot)) return T.dyn;
  if (ot.k === 'object') {
    const f = ot.fields.get(unescapeCelProperty(fieldName));
    if (!f) throw new CelCompileError(`undefined field '${fieldName}'`, pos, env.src);
    return f;
  }
  if (ot.k === 'map') return ot.val;
  throw new CelCompileError(`type '${declTypeName(ot)}' does not support field selection`, pos, env.src);
}

function checkBinary(e: Extract<Expr, { t: 'binary' }>, env: CheckEnv): DeclType {
  const l = checkExpr(e.l, env);
  const r = checkExpr(e.r, env);
  const fnName: Record<string, string> = {
    '&&': '_&&_', '||': '_||_', '==': '_==_', '!=': '_!=_', '<': '_<_', '<=': '_<=_', '>': '_>_', '>=': '_>=_',
    in: '@in', '+': '_+_', '-': '_-_', '*': '_*_', '/': '_/_', '%': '_%_',
  };
  const fn = fnName[e.op]!;
  const anyDyn = isDyn(l) || isDyn(r);
  switch (e.op) {
    case '&&':
    case '||':
      if ((!isDyn(l) && l.k !== 'bool') || (!isDyn(r) && r.k !== 'bool')) noOverload(env, e.pos, fn, [l, r]);
      return T.bool;
    case '==':
    case '!=': {
      // Equality needs operands of one type; numbers of different kinds are left to runtime
      // (heterogeneous equality), null and aggregates are not checked by this subset.
      const scalar = (t: DeclType) => t.k === 'string' || t.k === 'bool' || NUMERIC.has(t.k);
      if (!anyDyn && scalar(l) && scalar(r) && l.k !== r.k && !(NUMERIC.has(l.k) && NUMERIC.has(r.k))) noOverload(env, e.pos, fn, [l, r]);
      return T.bool;
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (anyDyn) return T.bool;
      if (NUMERIC.has(l.k) && NUMERIC.has(r.k)) return T.bool;
      if (l.k === r.k && (l.k === 'string' || l.k === 'bool')) return T.bool;
      return noOverload(env, e.pos, fn, [l, r]);
    case 'in':
      if (isDyn(r) || r.k === 'list' || r.k === 'map') return T.bool;
      return noOverload(env, e.pos, fn, [l, r]);
    case '+':
      if (anyDyn) return isDyn(l) ? r : l;
      if (l.k === r.k && ['int', 'uint', 'double', 'string'].includes(l.k)) return l;
      if (l.k === 'list' && r.k === 'list') return sameKind(l.elem, r.elem) ? l : listOf(T.dyn);
      return noOverload(env, e.pos, fn, [l, r]);
    default:
      if (anyDyn) return isDyn(l) ? r : l;
      if (l.k === r.k && (l.k === 'int' || l.k === 'uint' || (l.k === 'double' && e.op !== '%'))) return l;
      return noOverload(env, e.pos, fn, [l, r]);
  }
}

interface FnSig {
  /** Receiver kind for methods (undefined for global functions); 'any' accepts every receiver. */
  recv?: string;
  args: string[];
  result: (recv: DeclType | undefined, args: DeclType[]) => DeclType;
}

const r = (t: DeclType) => () => t;
const FUNCTIONS: Record<string, FnSig[]> = {
  size: [
    { args: ['string'], result: r(T.int) },
    { args: ['list'], result: r(T.int) },
    { args: ['map'], result: r(T.int) },
    { recv: 'string', args: [], result: r(T.int) },
    { recv: 'list', args: [], result: r(T.int) },
    { recv: 'map', args: [], result: r(T.int) },
  ],
  startsWith: [{ recv: 'string', args: ['string'], result: r(T.bool) }],
  endsWith: [{ recv: 'string', args: ['string'], result: r(T.bool) }],
  contains: [{ recv: 'string', args: ['string'], result: r(T.bool) }],
  matches: [
    { recv: 'string', args: ['string'], result: r(T.bool) },
    { args: ['string', 'string'], result: r(T.bool) },
  ],
  lowerAscii: [{ recv: 'string', args: [], result: r(T.string) }],
  upperAscii: [{ recv: 'string', args: [], result: r(T.string) }],
  trim: [{ recv: 'string', args: [], result: r(T.string) }],
  charAt: [{ recv: 'string', args: ['int'], result: r(T.string) }],
  indexOf: [
    { recv: 'string', args: ['string'], result: r(T.int) },
    { recv: 'string', args: ['string', 'int'], result: r(T.int) },
    { recv: 'list', args: ['any'], result: r(T.int) },
  ],
  lastIndexOf: [
    { recv: 'string', args: ['string'], result: r(T.int) },
    { recv: 'string', args: ['string', 'int'], result: r(T.int) },
    { recv: 'list', args: ['any'], result: r(T.int) },
  ],
  substring: [
    { recv: 'string', args: ['int'], result: r(T.string) },
    { recv: 'string', args: ['int', 'int'], result: r(T.string) },
  ],
  replace: [
    { recv: 'string', args: ['string', 'string'], result: r(T.string) },
    { recv: 'string', args: ['string', 'string', 'int'], result: r(T.string) },
  ],
  split: [
    { recv: 'string', args: ['string'], result: r(listOf(T.string)) },
    { recv: 'string', args: ['string', 'int'], result: r(listOf(T.string)) },
  ],
  join: [
    { recv: 'list', args: [], result: r(T.string) },
    { recv: 'list', args: ['string'], result: r(T.string) },
  ],
  find: [{ recv: 'string', args: ['string'], result: r(T.string) }],
  findAll: [
    { recv: 'string', args: ['string'], result: r(listOf(T.string)) },
    { recv: 'string', args: ['string', 'int'], result: r(listOf(T.string)) },
  ],
  isSorted: [{ recv: 'list', args: [], result: r(T.bool) }],
  sum: [{ recv: 'list', args: [], result: (recv) => (recv?.k === 'list' ? recv.elem : T.dyn) }],
  min: [{ recv: 'list', args: [], result: (recv) => (recv?.k === 'list' ? recv.elem : T.dyn) }],
  max: [{ recv: 'list', args: [], result: (recv) => (recv?.k === 'list' ? recv.elem : T.dyn) }],
  int: [{ args: ['any'], result: r(T.int) }],
  uint: [{ args: ['any'], result: r(T.uint) }],
  double: [{ args: ['any'], result: r(T.double) }],
  string: [{ args: ['any'], result: r(T.string) }],
  bool: [{ args: ['any'], result: r(T.bool) }],
  dyn: [{ args: ['any'], result: r(T.dyn) }],
  type: [{ args: ['any'], result: r(T.type) }],
};

/** Functions of kube's CEL environment this subset does not implement: rejected with a clear error. */
const UNSUPPORTED_FUNCTIONS = new Set([
  'timestamp', 'duration', 'bytes', 'getDate', 'getDayOfMonth', 'getDayOfWeek', 'getDayOfYear', 'getFullYear',
  'getHours', 'getMilliseconds', 'getMinutes', 'getMonth', 'getSeconds', 'url', 'isURL', 'getScheme', 'getHost',
  'getHostname', 'getPort', 'getEscapedPath', 'getQuery', 'quantity', 'isQuantity', 'ip', 'isIP', 'cidr', 'isCIDR',
  'optional', 'orValue', 'hasValue', 'value', 'or', 'format', 'quote', 'reverse', 'base64', 'sets', 'authorizer',
  'now', 'exists_one_of',
]);

function kindMatches(want: string, got: DeclType): boolean {
  if (want === 'any' || isDyn(got)) return true;
  if (want === 'map') return got.k === 'map' || got.k === 'object';
  return got.k === want;
}

function checkCall(e: Extract<Expr, { t: 'call' }>, env: CheckEnv): DeclType {
  const recv = e.target ? checkExpr(e.target, env) : undefined;
  const args = e.args.map((a) => checkExpr(a, env));
  const sigs = FUNCTIONS[e.fn];
  if (!sigs) {
    if (UNSUPPORTED_FUNCTIONS.has(e.fn)) {
      throw new CelCompileError(`function '${e.fn}' is not supported by the testkube CEL subset`, e.pos, env.src);
    }
    throw new CelCompileError(`undeclared reference to '${e.fn}' (in container '')`, e.pos, env.src);
  }
  for (const sig of sigs) {
    if ((sig.recv === undefined) !== (recv === undefined)) continue;
    if (sig.recv && recv && !kindMatches(sig.recv, recv)) continue;
    if (sig.args.length !== args.length) continue;
    if (!sig.args.every((w, i) => kindMatches(w, args[i]!))) continue;
    return sig.result(recv, args);
  }
  return noOverload(env, e.pos, e.fn, args, recv);
}

// --------------------------------------------------------------------------------- evaluation

export interface Activation {
  vars: Map<string, CelValue>;
  /** Remaining evaluation steps; a runaway rule fails instead of hanging the server. */
  budget: { steps: number };
}

function evalErr(msg: string): never {
  throw new CelEvalError(msg);
}

function noSuchOverload(): never {
  throw new CelEvalError('no such overload');
}

function tick(act: Activation): void {
  if (--act.budget.steps < 0) throw new CelEvalError('operation cancelled: actual cost limit exceeded');
}

function asBool(v: CelValue): boolean {
  if (typeof v !== 'boolean') noSuchOverload();
  return v as boolean;
}

function celSize(v: CelValue): bigint {
  if (typeof v === 'string') return BigInt([...v].length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof CelMap) return BigInt(v.keys.length);
  return noSuchOverload();
}

function selectValue(v: CelValue, fieldName: string): CelValue {
  if (v instanceof CelMap) {
    const key = v.isObject ? unescapeCelProperty(fieldName) : fieldName;
    const got = v.get(key);
    if (got === undefined) evalErr(`no such key: ${key}`);
    return got!;
  }
  return noSuchOverload();
}

function hasField(v: CelValue, fieldName: string): boolean {
  if (v instanceof CelMap) return v.has(v.isObject ? unescapeCelProperty(fieldName) : fieldName);
  return noSuchOverload();
}

function indexValue(v: CelValue, idx: CelValue): CelValue {
  if (Array.isArray(v)) {
    let i: bigint;
    if (typeof idx === 'bigint') i = idx;
    else if (idx instanceof CelUint) i = idx.v;
    else if (typeof idx === 'number' && Number.isInteger(idx)) i = BigInt(idx);
    else return noSuchOverload();
    if (i < 0n || i >= BigInt(v.length)) evalErr(`index out of bounds: ${i}`);
    return v[Number(i)]!;
  }
  if (v instanceof CelMap) {
    const got = v.get(idx);
    if (got === undefined) evalErr(`no such key: ${celToString(idx)}`);
    return got!;
  }
  return noSuchOverload();
}

function arith(op: string, a: CelValue, b: CelValue): CelValue {
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case '+':
        return checkInt(a + b);
      case '-':
        return checkInt(a - b);
      case '*':
        return checkInt(a * b);
      case '/':
        if (b === 0n) evalErr('division by zero');
        return checkInt(a / b);
      case '%':
        if (b === 0n) evalErr('modulus by zero');
        return a % b;
    }
  }
  if (a instanceof CelUint && b instanceof CelUint) {
    switch (op) {
      case '+':
        return checkUint(a.v + b.v);
      case '-':
        return checkUint(a.v - b.v);
      case '*':
        return checkUint(a.v * b.v);
      case '/':
        if (b.v === 0n) evalErr('division by zero');
        return new CelUint(a.v / b.v);
      case '%':
        if (b.v === 0n) evalErr('modulus by zero');
        return new CelUint(a.v % b.v);
    }
  }
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
    }
  }
  return noSuchOverload();
}

function compare(a: CelValue, b: CelValue): number {
  if (isNumeric(a) && isNumeric(b)) return numericCompare(a, b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = [...a].map((c) => c.codePointAt(0)!);
    const y = [...b].map((c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return noSuchOverload();
}

/** `string()` of a CEL value. */
export function celToString(v: CelValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof CelUint) return v.v.toString();
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
    return String(v);
  }
  if (v === null) return 'null';
  if (v instanceof CelType) return v.name;
  return noSuchOverload();
}

/** Go RE2 syntax mapped onto JavaScript regular expressions (what `pattern` and `matches` use). */
export function goRegExp(pattern: string): RegExp {
  let flags = 'u';
  let p = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    for (const f of lead[1]!) if (f !== 'U' && !flags.includes(f)) flags += f;
    p = p.slice(lead[0].length);
  }
  p = p.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$(?![\\s\\S])');
  return new RegExp(p, flags);
}

function regexMatch(s: CelValue, re: CelValue): boolean {
  if (typeof s !== 'string' || typeof re !== 'string') noSuchOverload();
  let rx: RegExp;
  try {
    rx = goRegExp(re as string);
  } catch (e) {
    return evalErr(`invalid regular expression: ${(e as Error).message}`);
  }
  return rx.test(s as string);
}

function toInt(v: CelValue): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof CelUint) return checkInt(v.v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) evalErr('integer overflow');
    return checkInt(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'string') {
    if (!/^[+-]?\d+$/.test(v)) evalErr(`cannot convert string to int: ${v}`);
    return checkInt(BigInt(v));
  }
  return noSuchOverload();
}

function callFunction(fn: string, target: CelValue | undefined, args: CelValue[]): CelValue {
  const a0 = args[0] as CelValue;
  const a1 = args[1] as CelValue;
  const str = (v: CelValue): string => (typeof v === 'string' ? v : noSuchOverload());
  const int = (v: CelValue): number => (typeof v === 'bigint' ? Number(v) : noSuchOverload());
  const chars = (s: string) => [...s];
  switch (fn) {
    case 'size':
      return celSize(target !== undefined ? target : a0);
    case 'startsWith':
      return str(target!).startsWith(str(a0));
    case 'endsWith':
      return str(target!).endsWith(str(a0));
    case 'contains':
      return str(target!).includes(str(a0));
    case 'matches':
      return target !== undefined ? regexMatch(target, a0) : regexMatch(a0, a1);
    case 'lowerAscii':
      return str(target!).replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'upperAscii':
      return str(target!).replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'trim':
      return str(target!).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, '');
    case 'charAt': {
      const cs = chars(str(target!));
      const i = int(a0);
      if (i < 0 || i > cs.length) evalErr(`index out of range: ${i}`);
      return cs[i] ?? '';
    }
    case 'indexOf':
    case 'lastIndexOf': {
      if (Array.isArray(target)) {
        const idx = fn === 'indexOf' ? target.findIndex((x) => celEquals(x, a0)) : findLastIndex(target, (x) => celEquals(x, a0));
        return BigInt(idx);
      }
      const cs = chars(str(target!));
      const sub = chars(str(a0));
      const start = args.length > 1 ? int(a1) : fn === 'indexOf' ? 0 : cs.length - sub.length;
      if (start < 0 || start > cs.length) evalErr(`index out of range: ${start}`);
      if (fn === 'indexOf') {
        for (let i = start; i + sub.length <= cs.length; i++) if (sub.every((c, j) => cs[i + j] === c)) return BigInt(i);
      } else {
        for (let i = Math.min(start, cs.length - sub.length); i >= 0; i--) if (sub.every((c, j) => cs[i + j] === c)) return BigInt(i);
      }
      return -1n;
    }
    case 'substring': {
      const cs = chars(str(target!));
      const s = int(a0);
      const e = args.length > 1 ? int(a1) : cs.length;
      if (s < 0 || s > cs.length) evalErr(`index out of range: ${s}`);
      if (e < s || e > cs.length) evalErr(`index out of range: ${e}`);
      return cs.slice(s, e).join('');
    }
    case 'replace': {
      const s = str(target!);
      const from = str(a0);
      const to = str(a1);
      let n = args.length > 2 ? int(args[2]!) : -1;
      if (n < 0) return s.split(from).join(to);
      let out = '';
      let rest = s;
      while (n-- > 0) {
        const i = rest.indexOf(from);
        if (i < 0) break;
        out += rest.slice(0, i) + to;
        rest = rest.slice(i + from.length);
        if (from === '') {
          out += rest.slice(0, 1);
          rest = rest.slice(1);
        }
      }
      return out + rest;
    }
    case 'split': {
      const s = str(target!);
      const sep = str(a0);
      const n = args.length > 1 ? int(a1) : -1;
      if (n === 0) return [];
      const parts = sep === '' ? chars(s) : s.split(sep);
      if (n > 0 && parts.length > n) return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
      return parts;
    }
    case 'join': {
      if (!Array.isArray(target)) return noSuchOverload();
      const sep = args.length ? str(a0) : '';
      return target.map((x) => str(x)).join(sep);
    }
    case 'find':
    case 'findAll': {
      const s = str(target!);
      const rx = goRegExp(str(a0));
      if (fn === 'find') return rx.exec(s)?.[0] ?? '';
      const all = [...s.matchAll(new RegExp(rx.source, rx.flags + 'g'))].map((m) => m[0]);
      const n = args.length > 1 ? int(a1) : -1;
      return n >= 0 ? all.slice(0, n) : all;
    }
    case 'isSorted': {
      if (!Array.isArray(target)) return noSuchOverload();
      for (let i = 1; i < target.length; i++) if (compare(target[i - 1]!, target[i]!) > 0) return false;
      return true;
    }
    case 'sum': {
      if (!Array.isArray(target)) return noSuchOverload();
      if (target.length === 0) return 0n;
      return target.slice(1).reduce<CelValue>((acc, x) => arith('+', acc, x), target[0]!);
    }
    case 'min':
    case 'max': {
      if (!Array.isArray(target)) return noSuchOverload();
      if (target.length === 0) evalErr(`${fn}(list) called on an empty list`);
      return target.reduce((acc, x) => ((fn === 'min' ? compare(x, acc) < 0 : compare(x, acc) > 0) ? x : acc));
    }
    case 'int':
      return toInt(a0);
    case 'uint': {
      if (a0 instanceof CelUint) return a0;
      if (typeof a0 === 'string' && !/^\d+$/.test(a0)) evalErr(`cannot convert string to uint: ${a0}`);
      const v = typeof a0 === 'number' ? BigInt(Math.trunc(a0)) : typeof a0 === 'bigint' ? a0 : typeof a0 === 'string' ? BigInt(a0) : noSuchOverload();
      return checkUint(v);
    }
    case 'double':
      if (typeof a0 === 'number') return a0;
      if (typeof a0 === 'bigint') return Number(a0);
      if (a0 instanceof CelUint) return Number(a0.v);
      if (typeof a0 === 'string') {
        const n = Number(a0);
        if (a0.trim() === '' || Number.isNaN(n)) evalErr(`cannot convert string to double: ${a0}`);
        return n;
      }
      return noSuchOverload();
    case 'string':
      return celToString(a0);
    case 'bool':
      if (typeof a0 === 'boolean') return a0;
      if (typeof a0 === 'string') {
        if (['true', 'True', 'TRUE', 't', '1'].includes(a0)) return true;
        if (['false', 'False', 'FALSE', 'f', '0'].includes(a0)) return false;
        return evalErr(`cannot convert string to bool: ${a0}`);
      }
      return noSuchOverload();
    case 'dyn':
      return a0;
    case 'type':
      return new CelType(celTypeName(a0) === 'object' ? 'map' : celTypeName(a0));
  }
  return noSuchOverload();
}

function findLastIndex<X>(xs: X[], f: (x: X) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (f(xs[i]!)) return i;
  return -1;
}

function rangeItems(v: CelValue): CelValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof CelMap) return v.keys;
  return noSuchOverload();
}

export function evaluate(e: Expr, act: Activation): CelValue {
  tick(act);
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'ident': {
      const v = act.vars.get(e.name);
      if (v !== undefined) return v;
      if (TYPE_IDENTS.has(e.name)) return new CelType(e.name);
      return evalErr(`no such attribute: ${e.name}`);
    }
    case 'select':
      return selectValue(evaluate(e.operand, act), e.field);
    case 'has':
      return hasField(evaluate(e.operand, act), e.field);
    case 'index':
      return indexValue(evaluate(e.operand, act), evaluate(e.index, act));
    case 'list':
      return e.elems.map((x) => evaluate(x, act));
    case 'map': {
      const keys: CelValue[] = [];
      const values: CelValue[] = [];
      for (const en of e.entries) {
        const k = evaluate(en.k, act);
        if (keys.some((x) => celEquals(x, k))) evalErr(`Failed with repeated key: ${celToString(k)}`);
        keys.push(k);
        values.push(evaluate(en.v, act));
      }
      return new CelMap(keys, values, false);
    }
    case 'unary': {
      const v = evaluate(e.e, act);
      if (e.op === '!') return !asBool(v);
      if (typeof v === 'bigint') return checkInt(-v);
      if (typeof v === 'number') return -v;
      return noSuchOverload();
    }
    case 'cond':
      return asBool(evaluate(e.c, act)) ? evaluate(e.a, act) : evaluate(e.b, act);
    case 'binary':
      return evalBinary(e, act);
    case 'call': {
      const target = e.target ? evaluate(e.target, act) : undefined;
      const args = e.args.map((a) => evaluate(a, act));
      return callFunction(e.fn, target, args);
    }
    case 'comprehension':
      return evalComprehension(e, act);
  }
}

function evalBinary(e: Extract<Expr, { t: 'binary' }>, act: Activation): CelValue {
  if (e.op === '&&' || e.op === '||') {
    // CEL's logical operators are commutative over errors: `error && false` is false.
    const absorbing = e.op === '||';
    let leftErr: unknown;
    try {
      const l = asBool(evaluate(e.l, act));
      if (l === absorbing) return absorbing;
    } catch (err) {
      if (!(err instanceof CelEvalError)) throw err;
      leftErr = err;
    }
    const rv = asBool(evaluate(e.r, act));
    if (rv === absorbing) return absorbing;
    if (leftErr) throw leftErr;
    return rv;
  }
  const l = evaluate(e.l, act);
  const rv = evaluate(e.r, act);
  switch (e.op) {
    case '==':
      return celEquals(l, rv);
    case '!=':
      return !celEquals(l, rv);
    case '<':
      return compare(l, rv) < 0;
    case '<=':
      return compare(l, rv) <= 0;
    case '>':
      return compare(l, rv) > 0;
    case '>=':
      return compare(l, rv) >= 0;
    case 'in':
      if (Array.isArray(rv)) return rv.some((x) => celEquals(x, l));
      if (rv instanceof CelMap) return rv.has(l);
      return noSuchOverload();
    default:
      return arith(e.op, l, rv);
  }
}

function evalComprehension(e: Extract<Expr, { t: 'comprehension' }>, act: Activation): CelValue {
  const items = rangeItems(evaluate(e.range, act));
  const withVar = (item: CelValue, body: Expr): CelValue => {
    const prev = act.vars.get(e.v);
    act.vars.set(e.v, item);
    try {
      return evaluate(body, act);
    } finally {
      if (prev === undefined) act.vars.delete(e.v);
      else act.vars.set(e.v, prev);
    }
  };
  switch (e.macro) {
    case 'all':
    case 'exists': {
      const absorbing = e.macro === 'exists';
      let firstErr: unknown;
      for (const item of items) {
        try {
          if (asBool(withVar(item, e.body)) === absorbing) return absorbing;
        } catch (err) {
          if (!(err instanceof CelEvalError)) throw err;
          firstErr ??= err;
        }
      }
      if (firstErr) throw firstErr;
      return !absorbing;
    }
    case 'exists_one': {
      let n = 0;
      for (const item of items) if (asBool(withVar(item, e.body))) n++;
      return n === 1;
    }
    case 'map': {
      const out: CelValue[] = [];
      for (const item of items) {
        if (e.filter && !asBool(withVar(item, e.filter))) continue;
        out.push(withVar(item, e.body));
      }
      return out;
    }
    case 'filter':
      return items.filter((item) => asBool(withVar(item, e.body)));
  }
}

/** Whether an expression refers to the variable (used to find transition rules). */
export function referencesVar(e: Expr, name: string): boolean {
  switch (e.t) {
    case 'lit':
      return false;
    case 'ident':
      return e.name === name;
    case 'select':
    case 'has':
      return referencesVar(e.operand, name);
    case 'index':
      return referencesVar(e.operand, name) || referencesVar(e.index, name);
    case 'list':
      return e.elems.some((x) => referencesVar(x, name));
    case 'map':
      return e.entries.some((x) => referencesVar(x.k, name) || referencesVar(x.v, name));
    case 'unary':
      return referencesVar(e.e, name);
    case 'binary':
      return referencesVar(e.l, name) || referencesVar(e.r, name);
    case 'cond':
      return referencesVar(e.c, name) || referencesVar(e.a, name) || referencesVar(e.b, name);
    case 'call':
      return (e.target ? referencesVar(e.target, name) : false) || e.args.some((x) => referencesVar(x, name));
    case 'comprehension':
      if (referencesVar(e.range, name)) return true;
      if (e.v === name) return false;
      return (e.filter ? referencesVar(e.filter, name) : false) || referencesVar(e.body, name);
  }
}

// -------------------------------------------------------------------------------- public API

export interface CompiledRule {
  source: string;
  ast: Expr;
  /** Rules that mention oldSelf are transition rules: only evaluated on updates with an old value. */
  usesOldSelf: boolean;
  messageExpression?: { source: string; ast: Expr };
}

export interface CompileResult {
  rule?: CompiledRule;
  /** `compilation failed: ERROR: <input>:1:6: ...` or `cel expression must evaluate to a bool`. */
  error?: string;
  messageExpressionError?: string;
}

/**
 * Compiles a rule against the schema node it is attached to. `isResourceRoot` exposes
 * apiVersion/kind/metadata(name, generateName) as kube does for the root and embedded resources.
 */
export function compileRule(
  rule: string,
  schema: CelSchema,
  isResourceRoot = false,
  messageExpression?: string,
): CompileResult {
  const selfType = declTypeOf(schema, isResourceRoot);
  const env: CheckEnv = { vars: new Map([['self', selfType], ['oldSelf', selfType]]), src: rule };
  const out: CompileResult = {};
  let compiled: CompiledRule | undefined;
  try {
    const ast = parseCel(rule);
    const t = checkExpr(ast, env);
    if (!isDyn(t) && t.k !== 'bool') out.error = 'cel expression must evaluate to a bool';
    else compiled = { source: rule, ast, usesOldSelf: referencesVar(ast, 'oldSelf') };
  } catch (e) {
    if (!(e instanceof CelCompileError)) throw e;
    out.error = `compilation failed: ${e.message}`;
  }
  if (messageExpression !== undefined && messageExpression.trim() !== '') {
    const menv: CheckEnv = { vars: new Map([['self', selfType]]), src: messageExpression };
    try {
      const ast = parseCel(messageExpression);
      const t = checkExpr(ast, menv);
      if (!isDyn(t) && t.k !== 'string') out.messageExpressionError = 'messageExpression must evaluate to a string';
      else if (compiled) compiled.messageExpression = { source: messageExpression, ast };
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      out.messageExpressionError = `messageExpression compilation failed: ${e.message}`;
    }
  }
  if (compiled && !out.error) out.rule = compiled;
  return out;
}

export type EvalOutcome = { ok: true; value: CelValue } | { ok: false; error: string };

/** Evaluates a compiled expression with `self` (and `oldSelf` when given) bound. */
export function evaluateRule(ast: Expr, self: CelValue, oldSelf?: CelValue, stepBudget = 1_000_000): EvalOutcome {
  const vars = new Map<string, CelValue>([['self', self]]);
  if (oldSelf !== undefined) vars.set('oldSelf', oldSelf);
  try {
    return { ok: true, value: evaluate(ast, { vars, budget: { steps: stepBudget } }) };
  } catch (e) {
    if (e instanceof CelEvalError) return { ok: false, error: e.message };
    throw e;
  }
}

/** Convenience for tests and one-off checks: parse, check against an optional schema, evaluate. */
export function evalCel(expr: string, self?: unknown, schema?: CelSchema, oldSelf?: unknown): CelValue {
  const env: CheckEnv = { vars: new Map([['self', declTypeOf(schema)], ['oldSelf', declTypeOf(schema)]]), src: expr };
  const ast = parseCel(expr);
  checkExpr(ast, env);
  const out = evaluateRule(ast, toCel(self, schema), oldSelf === undefined ? undefined : toCel(oldSelf, schema));
  if (!out.ok) throw new CelEvalError(out.error);
  return out.value;
}
