// Label and field selectors against what kube-apiserver v1.28 answered in the recordings
// (kube-api-recordings 02, 04, 05, 06, 07; file and seq noted per case) and against
// apimachinery's parser rules where the recordings are silent.
import { describe, it, expect } from '@jest/globals';
import { ApiError } from '../src/errors.js';
import {
  checkFieldSelector,
  checkFieldSelectorFor,
  escapeFieldValue,
  fieldsMatch,
  formatLabelSelector,
  isEverything,
  labelSelectorFromObject,
  labelsMatch,
  objectFieldGetter,
  parseFieldSelector,
  parseLabelSelector,
  supportedFieldLabels,
  unsupportedFieldSelectorMessage,
  type LabelSelector,
} from '../src/selectors.js';

/** Runs fn and returns the ApiError it throws (fails the test otherwise). */
function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

function select(selector: LabelSelector, objects: Record<string, Record<string, string> | undefined>): string[] {
  return Object.entries(objects)
    .filter(([, labels]) => labelsMatch(selector, labels))
    .map(([name]) => name);
}

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('label selectors: recorded lists', () => {
  // 02-services-crud: the services in rec-services when seq 12-15 listed them.
  const services = {
    'lb-class': { app: 'example', scenario: 'services-crud' },
    'lb-local': { app: 'example', scenario: 'services-crud' },
    'lb-no-nodeports': { app: 'other' },
    'lb-prefer-dualstack': { app: 'example', scenario: 'services-crud' },
    'plain-clusterip': { app: 'other' },
  };
  // 05-leases: the leases when seq 15-19 listed them (two without any label).
  const leases = {
    'node-b-member': undefined,
    'offset-time': undefined,
    other: { app: 'other' },
    'purelb-allocator': { app: 'purelb', role: 'leader-election' },
  };
  // 07-endpointslices-nodes: the slices when seq 21-23 listed them.
  const slices = {
    'other-xyz99': { 'endpointslice.kubernetes.io/managed-by': 'recorder.example.com', 'kubernetes.io/service-name': 'other' },
    'web-abc12': { 'endpointslice.kubernetes.io/managed-by': 'recorder.example.com', 'kubernetes.io/service-name': 'web' },
    'web-n8qnb': { 'endpointslice.kubernetes.io/managed-by': 'recorder.example.com', 'kubernetes.io/service-name': 'web' },
  };

  const cases: [string, string, Record<string, Record<string, string> | undefined>, string[]][] = [
    ['02 seq 12', 'app=example', services, ['lb-class', 'lb-local', 'lb-prefer-dualstack']],
    ['02 seq 13', 'app in (example,other),scenario', services, ['lb-class', 'lb-local', 'lb-prefer-dualstack']],
    ['02 seq 14', 'app!=example', services, ['lb-no-nodeports', 'plain-clusterip']],
    ['02 seq 15', 'app=', services, []],
    ['05 seq 16', 'app=purelb', leases, ['purelb-allocator']],
    ['05 seq 17', 'app in (purelb,other),role', leases, ['purelb-allocator']],
    ['05 seq 18', '!role', leases, ['node-b-member', 'offset-time', 'other']],
    ['05 seq 19 (notin matches objects without the label)', 'app notin (purelb)', leases, ['node-b-member', 'offset-time', 'other']],
    ['05 seq 29', 'app=other', leases, ['other']],
    ['07 seq 21', 'kubernetes.io/service-name=web', slices, ['web-abc12', 'web-n8qnb']],
    [
      '07 seq 23',
      'kubernetes.io/service-name in (web,other),endpointslice.kubernetes.io/managed-by',
      slices,
      ['other-xyz99', 'web-abc12', 'web-n8qnb'],
    ],
  ];
  it.each(cases)('%s: %s', (_where, text, objects, expected) => {
    expect(select(parseLabelSelector(text), objects)).toEqual(expected);
  });

  it('02 seq 20: an unparsable selector is a 400 with kube’s message', () => {
    const err = apiErrorOf(() => parseLabelSelector('app in ('));
    expect(err.code).toBe(400);
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "unable to parse requirement: found '', expected: ',', ')' or identifier",
      reason: 'BadRequest',
      code: 400,
    });
  });
});

describe('label selectors: parse errors', () => {
  const cases: [string, string][] = [
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x=(a', "unable to parse requirement: found '(', expected: identifier"],
    ['x y', "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['x=a,,y', "found ',', expected: identifier after ','"],
    ['x=a,', "found '', expected: identifier after ','"],
    ['x=a y=b', "found 'y', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    // Keys: validated with a nil field path, hence "<nil>" (kubectl shows exactly this).
    ['app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART_MSG}`],
    ['*bar', `unable to parse requirement: <nil>: Invalid value: "*bar": ${NAME_PART_MSG}`],
    [
      'a/b/c ?=? def',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      'app.kubernetes_io/name=x',
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    // Values: path values[i][key], several problems joined with "; ".
    ['x=a/b', `unable to parse requirement: values[0][x]: Invalid value: "a/b": ${LABEL_VALUE_MSG}`],
    [
      `good-key=${'z'.repeat(64)}`,
      `unable to parse requirement: values[0][good-key]: Invalid value: "${'z'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      `k=${'z'.repeat(63)}-`,
      `unable to parse requirement: values[0][k]: Invalid value: "${'z'.repeat(63)}-": must be no more than 63 characters; ${LABEL_VALUE_MSG}`,
    ],
    // Values are sorted before validation, so the index is the sorted position.
    ['x in (b,a/c)', `unable to parse requirement: values[0][x]: Invalid value: "a/c": ${LABEL_VALUE_MSG}`],
    ['x>abc', `unable to parse requirement: values[0]: Invalid value: "abc": for 'Gt', 'Lt' operators, the value must be an integer`],
    [
      'x>a/b',
      `unable to parse requirement: [values[0]: Invalid value: "a/b": for 'Gt', 'Lt' operators, the value must be an integer, values[0][x]: Invalid value: "a/b": ${LABEL_VALUE_MSG}]`,
    ],
  ];
  it.each(cases)('%j', (text, message) => {
    const err = apiErrorOf(() => parseLabelSelector(text));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });
});

describe('label selectors: structure and semantics', () => {
  it('parses kube’s documented example, sorting requirements by key', () => {
    expect(parseLabelSelector('z notin (),x in (foo,,baz),y').requirements).toEqual([
      { key: 'x', operator: 'in', values: ['', 'baz', 'foo'] },
      { key: 'y', operator: 'exists', values: [] },
      { key: 'z', operator: 'notin', values: [''] },
    ]);
  });

  it('treats in/notin as plain words where a value or key is expected', () => {
    expect(parseLabelSelector('x in (in,notin)').requirements).toEqual([{ key: 'x', operator: 'in', values: ['in', 'notin'] }]);
    expect(parseLabelSelector('in').requirements).toEqual([{ key: 'in', operator: 'exists', values: [] }]);
    expect(parseLabelSelector('x=in').requirements).toEqual([{ key: 'x', operator: '=', values: ['in'] }]);
  });

  it('accepts ==, whitespace, and empty values; an empty selector selects everything', () => {
    expect(parseLabelSelector(' a == b ,  c!=  ').requirements).toEqual([
      { key: 'a', operator: '==', values: ['b'] },
      { key: 'c', operator: '!=', values: [''] },
    ]);
    const all = parseLabelSelector('');
    expect(isEverything(all)).toBe(true);
    expect(labelsMatch(all, undefined)).toBe(true);
    expect(isEverything(parseLabelSelector('   '))).toBe(true);
  });

  it('matches each operator like labels.Requirement.Matches', () => {
    const objects = { none: undefined, a1: { a: '1' }, a5: { a: '5' }, aEmpty: { a: '' }, b: { b: 'x' } };
    expect(select(parseLabelSelector('a'), objects)).toEqual(['a1', 'a5', 'aEmpty']);
    expect(select(parseLabelSelector('!a'), objects)).toEqual(['none', 'b']);
    expect(select(parseLabelSelector('a=1'), objects)).toEqual(['a1']);
    expect(select(parseLabelSelector('a=='), objects)).toEqual(['aEmpty']);
    expect(select(parseLabelSelector('a!=1'), objects)).toEqual(['none', 'a5', 'aEmpty', 'b']);
    expect(select(parseLabelSelector('a in (1,5)'), objects)).toEqual(['a1', 'a5']);
    expect(select(parseLabelSelector('a in ()'), objects)).toEqual(['aEmpty']);
    expect(select(parseLabelSelector('a notin (1)'), objects)).toEqual(['none', 'a5', 'aEmpty', 'b']);
    expect(select(parseLabelSelector('a>1'), objects)).toEqual(['a5']);
    expect(select(parseLabelSelector('a<5'), objects)).toEqual(['a1']);
    expect(select(parseLabelSelector('a>1,b'), objects)).toEqual([]);
  });

  it('formats like labels.Selector.String()', () => {
    expect(formatLabelSelector(parseLabelSelector('z notin (b,a),!y,x==1,w!=2,v in (q),u>3,t<4,s'))).toBe(
      's,t<4,u>3,v in (q),w!=2,x==1,!y,z notin (a,b)',
    );
  });
});

describe('labelSelectorFromObject (metav1.LabelSelector)', () => {
  it('selects nothing for a nil selector and everything for an empty one', () => {
    expect(labelsMatch(labelSelectorFromObject(null), { a: 'b' })).toBe(false);
    expect(labelsMatch(labelSelectorFromObject(undefined), {})).toBe(false);
    expect(labelsMatch(labelSelectorFromObject({}), { a: 'b' })).toBe(true);
    expect(labelsMatch(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }), undefined)).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'NotIn', values: ['x'] },
        { key: 'team', operator: 'Exists' },
      ],
    });
    expect(formatLabelSelector(sel)).toBe('app=web,!canary,team,tier in (a,b),zone notin (x)');
    expect(labelsMatch(sel, { app: 'web', tier: 'a', team: 't' })).toBe(true);
    expect(labelsMatch(sel, { app: 'web', tier: 'a', team: 't', zone: 'x' })).toBe(false);
    expect(labelsMatch(sel, { app: 'web', tier: 'c', team: 't' })).toBe(false);
  });

  const errors: [string, Parameters<typeof labelSelectorFromObject>[0], string][] = [
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'],
    ['unknown operator', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
    ['bad key', { matchLabels: { 'bad key': 'x' } }, `key: Invalid value: "bad key": ${NAME_PART_MSG}`],
    ['bad value', { matchLabels: { k: 'a b' } }, `values[0][k]: Invalid value: "a b": ${LABEL_VALUE_MSG}`],
    [
      'bad key and value',
      { matchExpressions: [{ key: '-k', operator: 'In', values: ['-v'] }] },
      `[key: Invalid value: "-k": ${NAME_PART_MSG}, values[0][-k]: Invalid value: "-v": ${LABEL_VALUE_MSG}]`,
    ],
  ];
  it.each(errors)('%s → 400', (_name, sel, message) => {
    const err = apiErrorOf(() => labelSelectorFromObject(sel));
    expect(err.code).toBe(400);
    expect(err.message).toBe(message);
  });
});

describe('field selectors: parsing', () => {
  it('06 seq 9: kubectl describe’s four terms, in any order, parse to the same sorted list', () => {
    const uid = 'ac855a60-ee48-4ece-954d-a8c5303553c6';
    const a = parseFieldSelector(`involvedObject.kind=Service,involvedObject.uid=${uid},involvedObject.name=web-lb,involvedObject.namespace=rec-events`);
    const b = parseFieldSelector(`involvedObject.namespace=rec-events,involvedObject.kind=Service,involvedObject.uid=${uid},involvedObject.name=web-lb`);
    expect(a).toEqual(b);
    expect(a).toEqual([
      { field: 'involvedObject.kind', operator: '=', value: 'Service' },
      { field: 'involvedObject.name', operator: '=', value: 'web-lb' },
      { field: 'involvedObject.namespace', operator: '=', value: 'rec-events' },
      { field: 'involvedObject.uid', operator: '=', value: uid },
    ]);
  });

  it('splits at the left-most operator and honours escapes', () => {
    expect(parseFieldSelector('a!=b,c==d,e=f')).toEqual([
      { field: 'a', operator: '!=', value: 'b' },
      { field: 'c', operator: '==', value: 'd' },
      { field: 'e', operator: '=', value: 'f' },
    ]);
    expect(parseFieldSelector('metadata.name=!x')).toEqual([{ field: 'metadata.name', operator: '=', value: '!x' }]);
    expect(parseFieldSelector('metadata.name=a\\,b\\=c\\\\d')).toEqual([{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
    expect(parseFieldSelector(`x=${escapeFieldValue('p,q=r\\s')}`)).toEqual([{ field: 'x', operator: '=', value: 'p,q=r\\s' }]);
    expect(parseFieldSelector('')).toEqual([]);
    expect(parseFieldSelector(',a=b,,')).toEqual([{ field: 'a', operator: '=', value: 'b' }]);
  });

  const errors: [string, string][] = [
    ['foo', "invalid selector: 'foo'; can't understand 'foo'"],
    ['a=b,foo', "invalid selector: 'a=b,foo'; can't understand 'foo'"],
    ['metadata.name=a=b', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name!==x', 'invalid field selector: unescaped character in value: 61'],
    ['metadata.name=a\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['metadata.name=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  it.each(errors)('%j → 400', (text, message) => {
    const err = apiErrorOf(() => parseFieldSelector(text));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });
});

describe('field selectors: unsupported labels', () => {
  it('02 seq 19: Services answer in the metadata-only wording', () => {
    const err = apiErrorOf(() => checkFieldSelector(parseFieldSelector('spec.type=LoadBalancer'), ['metadata.name', 'metadata.namespace'], 'metadata-only'));
    expect(err.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: '"spec.type" is not a known field selector: only "metadata.name", "metadata.namespace"',
      reason: 'BadRequest',
      code: 400,
    });
  });

  const serviceType = { namespaced: true };
  const crType = { namespaced: true, fieldSelectorErrorStyle: 'not-supported' as const };
  const coreEventType = {
    namespaced: true,
    fieldSelectorErrorStyle: 'not-supported' as const,
    fieldSelectors: Object.fromEntries(
      ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'reason', 'type'].map(
        (k) => [k, () => ''],
      ),
    ),
  };
  const eventsV1Type = {
    namespaced: true,
    fieldSelectorErrorStyle: 'not-supported' as const,
    fieldSelectors: { 'regarding.name': () => '', reason: () => '', type: () => '' },
  };

  const recorded: [string, string, Parameters<typeof checkFieldSelectorFor>[1], string][] = [
    ['02 seq 19', 'spec.type=LoadBalancer', serviceType, '"spec.type" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ['04 seq 34', 'spec.local.v4pools=x', crType, 'field label not supported: spec.local.v4pools'],
    ['06 seq 20', 'involvedObject.labels=x', coreEventType, 'field label not supported: involvedObject.labels'],
    ['06 seq 30', 'involvedObject.name=web-lb', eventsV1Type, 'field label not supported: involvedObject.name'],
  ];
  it.each(recorded)('%s: %s', (_where, text, rt, message) => {
    const err = apiErrorOf(() => checkFieldSelectorFor(parseFieldSelector(text), rt));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  it('accepts what the recordings accepted', () => {
    expect(() => checkFieldSelectorFor(parseFieldSelector('metadata.namespace=rec-services'), serviceType)).not.toThrow(); // 02 seq 18
    expect(() => checkFieldSelectorFor(parseFieldSelector('metadata.name!=lb-class'), serviceType)).not.toThrow(); // 02 seq 17
    expect(() => checkFieldSelectorFor(parseFieldSelector('metadata.name=sg-two'), crType)).not.toThrow(); // 04 seq 33
    expect(() => checkFieldSelectorFor(parseFieldSelector('regarding.name=web-lb'), eventsV1Type)).not.toThrow(); // 06 seq 29
    expect(() =>
      checkFieldSelectorFor(parseFieldSelector('involvedObject.kind=Service,involvedObject.apiVersion=v1,involvedObject.name=web-lb'), coreEventType),
    ).not.toThrow(); // 06 seq 47
  });

  it('reports the first unsupported term in kube’s sorted order', () => {
    const err = apiErrorOf(() => checkFieldSelectorFor(parseFieldSelector('spec.type=x,a.b=c'), serviceType));
    expect(err.message).toBe(unsupportedFieldSelectorMessage('a.b', 'metadata-only'));
  });

  it('takes the wording from a ResourceType passed in place of the style', () => {
    const err = apiErrorOf(() => checkFieldSelector(parseFieldSelector('x=y'), ['metadata.name'], crType));
    expect(err.message).toBe('field label not supported: x');
  });

  it('offers metadata.namespace only where kube does', () => {
    expect(supportedFieldLabels(serviceType)).toEqual(['metadata.name', 'metadata.namespace']);
    expect(supportedFieldLabels({ namespaced: false, fieldSelectorErrorStyle: 'not-supported', fieldSelectors: { 'spec.unschedulable': () => '' } })).toEqual([
      'metadata.name',
      'spec.unschedulable',
    ]);
    expect(supportedFieldLabels({ namespaced: false })).toEqual(['metadata.name', 'metadata.namespace']);
  });
});

describe('field selectors: matching', () => {
  it('02 seq 16-18: metadata.name =, != and metadata.namespace', () => {
    const rt = {};
    const objs = ['lb-class', 'lb-local', 'lb-prefer-dualstack'].map((name) => ({ metadata: { name, namespace: 'rec-services' } }));
    const names = (text: string) => objs.filter((o) => fieldsMatch(parseFieldSelector(text), objectFieldGetter(o, rt))).map((o) => o.metadata.name);
    expect(names('metadata.name=lb-class')).toEqual(['lb-class']);
    expect(names('metadata.name!=lb-class')).toEqual(['lb-local', 'lb-prefer-dualstack']);
    expect(names('metadata.namespace=rec-services')).toHaveLength(3);
    expect(names('metadata.namespace=other')).toEqual([]);
  });

  it('06 seq 16-19: core/v1 event selectors', () => {
    const uid = 'ac855a60-ee48-4ece-954d-a8c5303553c6';
    const events: Record<string, Record<string, string>> = {
      'bad-type-event': { 'involvedObject.kind': 'Service', 'involvedObject.namespace': 'rec-events', 'involvedObject.name': 'web-lb', reason: 'X', type: 'Info' },
      'web-lb.17f0a1b2c3d4e5f6': {
        'involvedObject.kind': 'Service',
        'involvedObject.namespace': 'rec-events',
        'involvedObject.name': 'web-lb',
        'involvedObject.uid': uid,
        reason: 'AddressAssigned',
        type: 'Normal',
      },
      'web-lb.dh9rj': {
        'involvedObject.kind': 'Service',
        'involvedObject.namespace': 'rec-events',
        'involvedObject.name': 'web-lb',
        'involvedObject.uid': uid,
        reason: 'AllocationFailed',
        type: 'Warning',
      },
    };
    const names = (text: string) =>
      Object.entries(events)
        .filter(([, f]) => fieldsMatch(parseFieldSelector(text), (n) => f[n]))
        .map(([n]) => n);
    expect(names(`involvedObject.name=web-lb,involvedObject.namespace=rec-events,involvedObject.uid=${uid}`)).toEqual([
      'web-lb.17f0a1b2c3d4e5f6',
      'web-lb.dh9rj',
    ]);
    expect(names('involvedObject.kind=Service,reason=AllocationFailed')).toEqual(['web-lb.dh9rj']);
    expect(names('type=Warning')).toEqual(['web-lb.dh9rj']);
    expect(names('involvedObject.name=web-lb,involvedObject.namespace=rec-events')).toHaveLength(3);
    // A missing field compares as "": the uid-less event matches an empty uid, not a set one.
    expect(names('involvedObject.uid=')).toEqual(['bad-type-event']);
    expect(names(`involvedObject.uid!=${uid}`)).toEqual(['bad-type-event']);
  });

  it('07 seq 12: spec.unschedulable=false through a type extractor', () => {
    const nodeType = { fieldSelectors: { 'spec.unschedulable': (o: Record<string, any>) => String(o.spec?.unschedulable === true) } };
    const nodes = [{ metadata: { name: 'rec-node-a' }, spec: {} }, { metadata: { name: 'rec-node-b' }, spec: { unschedulable: true } }];
    const reqs = parseFieldSelector('spec.unschedulable=false');
    expect(nodes.filter((n) => fieldsMatch(reqs, objectFieldGetter(n, nodeType))).map((n) => n.metadata.name)).toEqual(['rec-node-a']);
  });
});
