// Label and field selectors, parsed, validated and matched the way kube-apiserver v1.28 does it
// (k8s.io/apimachinery/pkg/labels and pkg/fields), including its error texts: kubectl prints
// them verbatim and the recordings compare them (02-services-crud seq 19/20, 04-crd seq 34,
// 06-events seq 20/30).
import { badRequest, field, goValue } from './errors.js';
import type { FieldSelectorErrorStyle, KubeObject, ResourceType } from './resources/types.js';
import { compareGoStrings, validateLabelValue, validateQualifiedName } from './validation.js';

// ---------------------------------------------------------------------------------------------
// Label selectors.

/** `gt`/`lt` are the `>`/`<` operators kube's parser also accepts (integer comparison). */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** For in/notin: the set, sorted and without duplicates (kube parses into a set). */
  values: string[];
}

export interface LabelSelector {
  /** AND of all requirements, sorted by key. Empty = everything. */
  requirements: LabelRequirement[];
  /** A nil metav1.LabelSelector selects nothing. */
  matchesNothing?: boolean;
}

export const everythingSelector = (): LabelSelector => ({ requirements: [] });
export const nothingSelector = (): LabelSelector => ({ requirements: [], matchesNothing: true });

// One field.Error rendered as Go's Error(): "<path>: <body>". A nil path prints as "<nil>".
function fieldErrorString(path: string | null, body: string): string {
  return `${path ?? '<nil>'}: ${body}`;
}

function invalidBody(value: unknown, detail: string): string {
  return field.invalid('', value, detail).message;
}

function invalidRawBody(rendered: string, detail: string): string {
  return field.invalidRaw('', rendered, detail).message;
}

// utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in brackets.
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}

// Go prints a nil []string as []string(nil), which is what a requirement built from a
// metav1.LabelSelector without values carries.
function goStringSlice(values: string[] | null): string {
  return values === null ? '[]string(nil)' : goValue(values);
}

function labelKeyError(key: string, path: string | null): string | undefined {
  const errs = validateQualifiedName(key);
  return errs.length ? fieldErrorString(path, invalidBody(key, errs.join('; '))) : undefined;
}

const INT64_RE = /^[+-]?[0-9]+$/;

/**
 * labels.NewRequirement: the error strings it would aggregate (empty when valid). `path` is the
 * field path option: null for query-string selectors (kube passes none).
 */
function requirementErrors(key: string, op: LabelOperator, vals: string[] | null, path: string | null): string[] {
  const child = (name: string) => (path === null ? name : `${path}.${name}`);
  const errs: string[] = [];
  const keyErr = labelKeyError(key, child('key'));
  if (keyErr) errs.push(keyErr);
  const list = vals ?? [];
  const valuePath = child('values');
  switch (op) {
    case 'in':
    case 'notin':
      if (list.length === 0) {
        errs.push(fieldErrorString(valuePath, invalidRawBody(goStringSlice(vals), "for 'in', 'notin' operators, values set can't be empty")));
      }
      break;
    case '=':
    case '==':
    case '!=':
      if (list.length !== 1) {
        errs.push(fieldErrorString(valuePath, invalidRawBody(goStringSlice(vals), 'exact-match compatibility requires one single value')));
      }
      break;
    case 'exists':
    case '!':
      if (list.length !== 0) {
        errs.push(fieldErrorString(valuePath, invalidRawBody(goStringSlice(vals), 'values set must be empty for exists and does not exist')));
      }
      break;
    case 'gt':
    case 'lt':
      if (list.length !== 1) {
        errs.push(fieldErrorString(valuePath, invalidRawBody(goStringSlice(vals), "for 'Gt', 'Lt' operators, exactly one value is required")));
      }
      list.forEach((v, i) => {
        if (!INT64_RE.test(v) || !Number.isSafeInteger(Number(v))) {
          errs.push(fieldErrorString(`${valuePath}[${i}]`, invalidBody(v, "for 'Gt', 'Lt' operators, the value must be an integer")));
        }
      });
      break;
  }
  list.forEach((v, i) => {
    const msgs = validateLabelValue(v);
    if (msgs.length) errs.push(fieldErrorString(`${valuePath}[${i}][${key}]`, invalidBody(v, msgs.join('; '))));
  });
  return errs;
}

// --- lexer (labels.Lexer) ---

enum Tok {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => ch.length === 1 && '=!(),><'.includes(ch);

interface Scanned {
  tok: Tok;
  lit: string;
}

function lex(input: string): Scanned[] {
  let pos = 0;
  // Go's lexer reads bytes and returns 0 at the end; a NUL inside the input reads as 0 too.
  const read = (): string => (pos < input.length ? (input[pos++] as string) : '\0');
  const unread = () => {
    pos--;
  };
  const items: Scanned[] = [];
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    let item: Scanned;
    if (ch === '\0') {
      item = { tok: Tok.EndOfString, lit: '' };
    } else if (isSpecialSymbol(ch)) {
      unread();
      let buffer = '';
      let last: Scanned | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecialSymbol(c)) {
          unread();
          break;
        }
        buffer += c;
        const t = STRING_TO_TOKEN[buffer];
        if (t !== undefined) {
          last = { tok: t, lit: buffer };
        } else if (last) {
          unread();
          break;
        }
      }
      item = last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buffer}'` };
    } else {
      unread();
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          unread();
          break;
        }
        buffer += c;
      }
      item = { tok: STRING_TO_TOKEN[buffer] ?? Tok.Identifier, lit: buffer };
    }
    items.push(item);
    if (item.tok === Tok.EndOfString) return items;
  }
}

// --- parser (labels.Parser) ---

class SelectorParseError extends Error {}

class Parser {
  private position = 0;

  constructor(private readonly items: Scanned[]) {}

  // In "values" context the keywords in/notin are plain identifiers (`x in (in)`).
  private lookahead(values: boolean): Scanned {
    const it = this.items[this.position] ?? { tok: Tok.EndOfString, lit: '' };
    return values && (it.tok === Tok.In || it.tok === Tok.NotIn) ? { tok: Tok.Identifier, lit: it.lit } : it;
  }

  private consume(values: boolean): Scanned {
    const it = this.lookahead(values);
    this.position++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case Tok.Identifier:
        case Tok.DoesNotExist: {
          let req: LabelRequirement;
          try {
            req = this.parseRequirement();
          } catch (err) {
            if (err instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${err.message}`);
            throw err;
          }
          reqs.push(req);
          const next = this.consume(true);
          if (next.tok === Tok.EndOfString) return reqs;
          if (next.tok === Tok.Comma) {
            const after = this.lookahead(true);
            if (after.tok !== Tok.Identifier && after.tok !== Tok.DoesNotExist) {
              throw new SelectorParseError(`found '${after.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new SelectorParseError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case Tok.EndOfString:
          return reqs;
        default:
          throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    const [key, inferred] = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, [], null);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, [...values].sort(compareGoStrings), null);
  }

  private parseKeyAndInferOperator(): [string, LabelOperator | undefined] {
    let op: LabelOperator | undefined;
    let { tok, lit } = this.consume(true);
    if (tok === Tok.DoesNotExist) {
      op = '!';
      ({ tok, lit } = this.consume(true));
    }
    if (tok !== Tok.Identifier) throw new SelectorParseError(`found '${lit}', expected: identifier`);
    const keyErr = labelKeyError(lit, null);
    if (keyErr) throw new SelectorParseError(keyErr);
    const next = this.lookahead(true).tok;
    if ((next === Tok.EndOfString || next === Tok.Comma) && op !== '!') op = 'exists';
    return [lit, op];
  }

  private parseOperator(): LabelOperator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new SelectorParseError(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== Tok.OpenPar) throw new SelectorParseError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case Tok.Identifier:
      case Tok.Comma: {
        const set = this.parseIdentifiersList();
        if (this.consume(true).tok !== Tok.ClosedPar) throw new SelectorParseError(`found '${lit}', expected: ')'`);
        return set;
      }
      case Tok.ClosedPar:
        this.consume(true);
        return new Set(['']);
      default:
        throw new SelectorParseError(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  // A possibly empty list of possibly empty identifiers: "(a,,b)" and "(,)" contain "".
  private parseIdentifiersList(): Set<string> {
    const set = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      switch (tok) {
        case Tok.Identifier: {
          set.add(lit);
          const next = this.lookahead(true);
          if (next.tok === Tok.Comma) continue;
          if (next.tok === Tok.ClosedPar) return set;
          throw new SelectorParseError(`found '${next.lit}', expected: ',' or ')'`);
        }
        case Tok.Comma: {
          if (set.size === 0) set.add('');
          const next = this.lookahead(true).tok;
          if (next === Tok.ClosedPar) {
            set.add('');
            return set;
          }
          if (next === Tok.Comma) set.add('');
          continue;
        }
        default:
          throw new SelectorParseError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(true).tok;
    if (next === Tok.EndOfString || next === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume(true);
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new SelectorParseError(`found '${lit}', expected: identifier`);
  }
}

function newRequirement(key: string, operator: LabelOperator, values: string[], path: string | null): LabelRequirement {
  const errs = requirementErrors(key, operator, values, path);
  if (errs.length) throw new SelectorParseError(aggregate(errs));
  return { key, operator, values };
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return [...reqs].sort((a, b) => compareGoStrings(a.key, b.key));
}

/**
 * labels.Parse. Throws ApiError 400 BadRequest with kube's message, e.g. for `app in (`:
 * `unable to parse requirement: found '', expected: ',', ')' or identifier`.
 */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return { requirements: sortByKey(new Parser(lex(text)).parse()) };
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      // An object without the label matches (05-leases seq 19: `app notin (purelb)`).
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1 || !INT64_RE.test(value as string)) return false;
      const actual = Number(value);
      const wanted = Number(r.values[0]);
      if (!Number.isFinite(actual) || !Number.isFinite(wanted)) return false;
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
  }
}

export function labelsMatch(selector: LabelSelector, labels: Record<string, string> | undefined | null): boolean {
  if (selector.matchesNothing) return false;
  const ls = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, ls));
}

export function isEverything(selector: LabelSelector): boolean {
  return !selector.matchesNothing && selector.requirements.length === 0;
}

/** labels.Selector.String(): `a in (x,y),!b,c=d` (values sorted, requirements by key). */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector.requirements
    .map((r) => {
      const values = r.values.length > 1 ? [...r.values].sort(compareGoStrings).join(',') : (r.values[0] ?? '');
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
          return `${r.key} in (${values})`;
        case 'notin':
          return `${r.key} notin (${values})`;
        case 'gt':
          return `${r.key}>${values}`;
        case 'lt':
          return `${r.key}<${values}`;
        default:
          return `${r.key}${r.operator}${values}`;
      }
    })
    .join(',');
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, `{}` everything. Throws
 * ApiError 400 with kube's message for invalid keys, values or operators.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothingSelector();
  const labels = Object.entries(sel.matchLabels ?? {});
  const exprs = sel.matchExpressions ?? [];
  if (labels.length + exprs.length === 0) return everythingSelector();
  const reqs: LabelRequirement[] = [];
  try {
    for (const [k, v] of labels) reqs.push(newRequirement(k, '=', [String(v)], null));
    for (const expr of exprs) {
      const op = EXPRESSION_OPERATORS[expr.operator];
      if (!op) throw new SelectorParseError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
      const values = expr.values && expr.values.length > 0 ? [...expr.values] : null;
      const errs = requirementErrors(expr.key, op, values, null);
      if (errs.length) throw new SelectorParseError(aggregate(errs));
      reqs.push({ key: expr.key, operator: op, values: values ? [...new Set(values)] : [] });
    }
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
  return { requirements: sortByKey(reqs) };
}

// ---------------------------------------------------------------------------------------------
// Field selectors.

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  /** Unescaped value. */
  value: string;
}

// Commas escaped with a backslash stay inside the term (backslash kept for unescaping later).
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// The left-most operator splits the term; at one position "!=" and "==" win over "=".
function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ['!=', '==', '='] as const) {
      if (rest.startsWith(op)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new SelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    // Go formats the rune with %v, i.e. as its number.
    else if (c === ',' || c === '=') throw new SelectorParseError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw new SelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue: the inverse of the unescaping parseFieldSelector applies. */
export function escapeFieldValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

/**
 * fields.ParseSelector: comma-separated `field=value`, `field==value`, `field!=value` terms,
 * returned in kube's (sorted) order. Throws ApiError 400 with kube's message.
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const parts = splitTerms(text).sort(compareGoStrings);
  const reqs: FieldRequirement[] = [];
  try {
    for (const part of parts) {
      if (part === '') continue;
      const split = splitTerm(part);
      if (!split) throw new SelectorParseError(`invalid selector: '${text}'; can't understand '${part}'`);
      const [lhs, operator, rhs] = split;
      reqs.push({ field: lhs, operator, value: unescapeValue(rhs) });
    }
  } catch (err) {
    if (err instanceof SelectorParseError) throw badRequest(err.message);
    throw err;
  }
  return reqs;
}

/** The message kube-apiserver gives for a field label the type does not support. */
export function unsupportedFieldSelectorMessage(label: string, style: FieldSelectorErrorStyle): string {
  return style === 'metadata-only'
    ? `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`
    : `field label not supported: ${label}`;
}

/**
 * Throws kube's 400 for the first (in kube's sorted order) requirement whose field is not in
 * `supported`. `styleOrType` (a style, or the ResourceType carrying one) picks the wording: 'metadata-only' for types without their own field
 * label conversion (Service: `"spec.type" is not a known field selector: only "metadata.name",
 * "metadata.namespace"`), 'not-supported' for Events, Nodes, Namespaces and custom resources
 * (`field label not supported: spec.local.v4pools`).
 */
export function checkFieldSelector(
  reqs: FieldRequirement[],
  supported: readonly string[],
  styleOrType: FieldSelectorErrorStyle | { fieldSelectorErrorStyle?: FieldSelectorErrorStyle } = 'metadata-only',
): void {
  const style = typeof styleOrType === 'string' ? styleOrType : (styleOrType.fieldSelectorErrorStyle ?? 'metadata-only');
  for (const r of reqs) {
    if (!supported.includes(r.field)) throw badRequest(unsupportedFieldSelectorMessage(r.field, style));
  }
}

/**
 * The field labels a resource type accepts: metadata.name, metadata.namespace (not for
 * cluster-scoped types with their own conversion, e.g. Node, Namespace, cluster-scoped custom
 * resources) and the keys of `fieldSelectors`.
 */
export function supportedFieldLabels(rt: Pick<ResourceType, 'namespaced' | 'fieldSelectors' | 'fieldSelectorErrorStyle'>): string[] {
  const style = rt.fieldSelectorErrorStyle ?? 'metadata-only';
  const labels = ['metadata.name'];
  if (rt.namespaced || style === 'metadata-only') labels.push('metadata.namespace');
  for (const key of Object.keys(rt.fieldSelectors ?? {})) if (!labels.includes(key)) labels.push(key);
  return labels;
}

/** checkFieldSelector with the labels and wording of a registered resource type. */
export function checkFieldSelectorFor(
  reqs: FieldRequirement[],
  rt: Pick<ResourceType, 'namespaced' | 'fieldSelectors' | 'fieldSelectorErrorStyle'>,
): void {
  checkFieldSelector(reqs, supportedFieldLabels(rt), rt.fieldSelectorErrorStyle ?? 'metadata-only');
}

/** A missing field compares as "" (kube's fields.Set.Get). */
export function fieldsMatch(reqs: FieldRequirement[], getField: (name: string) => string | undefined): boolean {
  return reqs.every((r) => {
    const actual = getField(r.field) ?? '';
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

/** Field values of a stored object: metadata.name/namespace plus the type's extractors. */
export function objectFieldGetter(obj: KubeObject, rt: Pick<ResourceType, 'fieldSelectors'>): (name: string) => string | undefined {
  return (name) => {
    if (name === 'metadata.name') return typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
    if (name === 'metadata.namespace') return typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : '';
    const extract = rt.fieldSelectors?.[name];
    return extract ? extract(obj) : undefined;
  };
}

