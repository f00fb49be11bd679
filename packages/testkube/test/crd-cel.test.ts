// The CEL subset behind x-kubernetes-validations: expression semantics, compile errors at CRD
// creation, and how failing rules surface as field errors on custom resources.
import { describe, it, expect } from '@jest/globals';
import { CelEvalError, CelUint, compileRule, evalCel, parseCel, type CelSchema } from '../src/crd/cel.js';
import { validateCRD, crdResourceType, defaultCRD } from '../src/crd/crd.js';
import type { KubeObject, StrategyContext } from '../src/resources/types.js';

const ctx = {} as StrategyContext;

describe('CEL expressions', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7n],
    ['7 / 2', 3n],
    ['-7 / 2', -3n],
    ['7 % 3', 1n],
    ['1.5 + 2.0', 3.5],
    ['"ab" + "cd"', 'abcd'],
    ['[1, 2] + [3]', [1n, 2n, 3n]],
    ['1 == 1.0', true],
    ['1 < 2.5', true],
    ['"a" < "b"', true],
    ['!true', false],
    ['true ? "y" : "n"', 'y'],
    ['2 in [1, 2, 3]', true],
    ['"k" in {"k": 1}', true],
    ['size("héllo")', 5n],
    ['"héllo".size()', 5n],
    ['[1, 2, 3].size()', 3n],
    ['"abc".startsWith("ab")', true],
    ['"abc".endsWith("bc")', true],
    ['"abc".contains("x")', false],
    ['"abc123".matches("^[a-z]+[0-9]+$")', true],
    ['matches("abc", "b")', true],
    ['[1, 2, 3].all(x, x > 0)', true],
    ['[1, 2, 3].exists(x, x > 2)', true],
    ['[1, 2, 3].exists_one(x, x > 1)', false],
    ['[1, 2, 3].map(x, x * 2)', [2n, 4n, 6n]],
    ['[1, 2, 3].map(x, x > 1, x * 10)', [20n, 30n]],
    ['[1, 2, 3].filter(x, x != 2)', [1n, 3n]],
    ['{"a": 1, "b": 2}.all(k, k.size() == 1)', true],
    ['int("42") + 1', 43n],
    ['int(3.9)', 3n],
    ['string(42)', '42'],
    ['double(2) / 4.0', 0.5],
    ['3u + 4u', new CelUint(7n)],
    ['"a,b,c".split(",")', ['a', 'b', 'c']],
    ['["a", "b"].join("-")', 'a-b'],
    ['"Hello".lowerAscii()', 'hello'],
    ['"  x ".trim()', 'x'],
    ['"abcabc".indexOf("c")', 2n],
    ['"abcabc".lastIndexOf("c")', 5n],
    ['"abcdef".substring(1, 3)', 'bc'],
    ['"aaa".replace("a", "b", 2)', 'bba'],
    ['[3, 1, 2].min()', 1n],
    ['[1, 2, 3].sum()', 6n],
    ['[1, 2, 2].isSorted()', true],
    ['"x-1 y-22".findAll("[0-9]+")', ['1', '22']],
    ['0x10 == 16', true],
    ['r"a\\d" == "a\\\\d"', true],
    ['"\\u00e9" == "é"', true],
    ['type(1) == int', true],
    ['null == null', true],
    ['dyn(1) == 1', true],
  ])('%s', (expr, want) => {
    expect(evalCel(expr)).toEqual(want);
  });

  it('short-circuits over errors the way CEL does', () => {
    // `false && <error>` and `<error> && false` are both false; `||` mirrors that with true.
    expect(evalCel('false && (1 / 0 == 1)')).toBe(false);
    expect(evalCel('(1 / 0 == 1) && false')).toBe(false);
    expect(evalCel('(1 / 0 == 1) || true')).toBe(true);
    expect(() => evalCel('(1 / 0 == 1) && true')).toThrow('division by zero');
    expect(evalCel('[0, 1].exists(x, 1 / x == 1)')).toBe(true);
  });

  it('reports runtime errors as kube does', () => {
    expect(() => evalCel('[1][3]')).toThrow('index out of bounds: 3');
    expect(() => evalCel('{"a": 1}["b"]')).toThrow('no such key: b');
    expect(() => evalCel('9223372036854775807 + 1')).toThrow('integer overflow');
    expect(() => evalCel('1 % 0')).toThrow('modulus by zero');
    expect(() => evalCel('int("x")')).toThrow(CelEvalError);
  });

  it('types self from the schema: integers, doubles, absent fields, has()', () => {
    const schema: CelSchema = {
      type: 'object',
      properties: { replicas: { type: 'integer' }, ratio: { type: 'number' }, name: { type: 'string' }, 'my-field': { type: 'string' } },
    };
    expect(evalCel('self.replicas + 1', { replicas: 2 }, schema)).toBe(3n);
    expect(evalCel('self.ratio * 2.0', { ratio: 2 }, schema)).toBe(4);
    expect(evalCel('has(self.name)', { replicas: 1 }, schema)).toBe(false);
    expect(() => evalCel('self.name == "x"', { replicas: 1 }, schema)).toThrow('no such key: name');
    expect(evalCel('self.my__dash__field', { 'my-field': 'v' }, schema)).toBe('v');
    expect(evalCel('self.replicas > oldSelf.replicas', { replicas: 3 }, schema, { replicas: 2 })).toBe(true);
  });

  it('parses nested member chains and keeps operator precedence', () => {
    const ast = parseCel('a.b[0].c(1) || !d && e == f + g * h');
    expect(ast.t).toBe('binary');
  });
});

describe('CEL compilation', () => {
  const schema: CelSchema = { type: 'object', properties: { replicas: { type: 'integer' }, name: { type: 'string' } } };

  it('accepts well-typed rules and detects transition rules', () => {
    expect(compileRule('self.replicas >= 0', schema).rule?.usesOldSelf).toBe(false);
    expect(compileRule('self.replicas >= oldSelf.replicas', schema).rule?.usesOldSelf).toBe(true);
  });

  it('renders compile errors like cel-go (position, snippet, caret)', () => {
    expect(compileRule('self.foo > 0', schema).error).toBe(
      "compilation failed: ERROR: <input>:1:5: undefined field 'foo'\n | self.foo > 0\n | ....^",
    );
    expect(compileRule('self.name + 1 == "x"', schema).error).toBe(
      "compilation failed: ERROR: <input>:1:11: found no matching overload for '_+_' applied to '(string, int)'\n | self.name + 1 == \"x\"\n | ..........^",
    );
    expect(compileRule('self.replicas', schema).error).toBe('cel expression must evaluate to a bool');
    expect(compileRule('self.replicas >', schema).error).toMatch(/^compilation failed: ERROR: <input>:1:16: Syntax error: /);
    expect(compileRule('timestamp(self.name) > now', schema).error).toMatch(/function 'timestamp' is not supported by the testkube CEL subset/);
    expect(compileRule('nope(1)', schema).error).toMatch(/undeclared reference to 'nope'/);
  });

  it('checks messageExpression separately', () => {
    const r = compileRule('self.replicas > 0', schema, false, '"replicas is " + string(self.replicas)');
    expect(r.rule?.messageExpression).toBeDefined();
    expect(compileRule('self.replicas > 0', schema, false, 'self.replicas').messageExpressionError).toBe('messageExpression must evaluate to a string');
  });
});

function widgetCRD(specSchema: Record<string, unknown>): KubeObject {
  return defaultCRD({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema, status: { type: 'object', properties: { phase: { type: 'string' } } } } } },
        },
      ],
    },
  });
}

function widget(spec: unknown): KubeObject {
  return { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, spec };
}

describe('x-kubernetes-validations on custom resources', () => {
  const specSchema = {
    type: 'object',
    properties: {
      min: { type: 'integer' },
      max: { type: 'integer' },
      mode: { type: 'string' },
      items: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.name.startsWith("w-")', message: 'names start with w-' }] },
      },
    },
    'x-kubernetes-validations': [
      { rule: 'self.min <= self.max', message: 'min must not exceed max' },
      { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
      { rule: 'self.min >= 0', messageExpression: '"min is " + string(self.min)' },
      { rule: "!has(self.mode) || self.mode != 'forbidden'", reason: 'FieldValueForbidden', fieldPath: '.mode' },
    ],
  };
  const crd = widgetCRD(specSchema);
  const type = crdResourceType(crd, 'v1');

  it('the CRD is accepted', () => {
    expect(validateCRD(crd)).toEqual([]);
  });

  it('reports failed rules at the node with the rule message', () => {
    const obj = widget({ min: -5, max: -10, mode: 'forbidden', items: [{ name: 'w-a' }, { name: 'b' }] });
    type.hooks!.prepareCreate!(ctx, obj);
    expect(type.hooks!.validateCreate!(ctx, obj)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": min must not exceed max', field: 'spec' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": min is -5', field: 'spec' },
      { reason: 'FieldValueForbidden', message: "Forbidden: failed rule: !has(self.mode) || self.mode != 'forbidden'", field: 'spec.mode' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": names start with w-', field: 'spec.items[1]' },
    ]);
  });

  it('evaluates transition rules only on update', () => {
    const old = widget({ min: 1, max: 2, mode: 'a' });
    const obj = widget({ min: 1, max: 2, mode: 'b' });
    expect(type.hooks!.validateCreate!(ctx, obj)).toEqual([]);
    expect(type.hooks!.validateUpdate!(ctx, { ...obj, metadata: { ...obj.metadata, resourceVersion: '5' } }, { ...old, metadata: { ...old.metadata, resourceVersion: '5' } })).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": mode is immutable', field: 'spec' },
    ]);
  });

  it('reports evaluation errors with the rule', () => {
    const obj = widget({ max: 3 });
    expect(type.hooks!.validateCreate!(ctx, obj)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": no such key: min evaluating rule: min must not exceed max', field: 'spec' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "object": no such key: min evaluating rule: self.min >= 0', field: 'spec' },
    ]);
  });

  it('skips rules when the object has blocking schema errors', () => {
    const obj = widget({ min: 'x', max: 1 });
    expect(type.hooks!.validateCreate!(ctx, obj)).toEqual([
      { reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.min in body must be of type integer: "string"', field: 'spec.min' },
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        field: '<nil>',
      },
    ]);
  });

  it('root rules report at <nil> and see metadata.name', () => {
    const rootCRD = defaultCRD({
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'things', kind: 'Thing' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('t')" }] } },
          },
        ],
      },
    });
    expect(validateCRD(rootCRD)).toEqual([]);
    const t = crdResourceType(rootCRD);
    expect(t.hooks!.validateCreate!(ctx, { metadata: { name: 'x' } })).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "object": failed rule: self.metadata.name.startsWith('t')`, field: '<nil>' },
    ]);
  });

  it('rejects CRDs whose rules do not compile, with a clear 422 cause', () => {
    const bad = widgetCRD({ type: 'object', properties: { min: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.mni > 0' }, { rule: 'duration(self.min) > 0' }] });
    const causes = validateCRD(bad);
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule',
        message:
          'Invalid value: apiextensions.ValidationRule{Rule:"self.mni > 0", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:""}: ' +
          "compilation failed: ERROR: <input>:1:5: undefined field 'mni'\n | self.mni > 0\n | ....^",
      },
      {
        reason: 'FieldValueInvalid',
        field: 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule',
        message: expect.stringContaining("function 'duration' is not supported by the testkube CEL subset") as unknown as string,
      },
    ]);
  });

  it('rejects transition rules under lists that cannot be correlated', () => {
    const bad = widgetCRD({
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.a == oldSelf.a' }] } } },
    });
    expect(validateCRD(bad)).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.validation.openAPIV3Schema.properties[spec].properties[items].items.x-kubernetes-validations[0].rule',
        message: 'Invalid value: "self.a == oldSelf.a": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[spec].properties[items]',
      },
    ]);
  });
});

describe('CEL type checking of equality', () => {
  const schema: CelSchema = { type: 'object', properties: { name: { type: 'string' }, n: { type: 'integer' }, any: { 'x-kubernetes-int-or-string': true } } };
  it('refuses comparing a string with an int, allows dyn and numbers', () => {
    expect(compileRule('self.name == 1', schema).error).toMatch(/found no matching overload for '_==_' applied to '\(string, int\)'/);
    expect(compileRule('self.any == 1 || self.any == "x"', schema).error).toBeUndefined();
    expect(compileRule('self.n == 1.0', schema).error).toBeUndefined();
  });
});
