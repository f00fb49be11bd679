// Generic validation with the messages kube-apiserver v1.28 produced in the recordings
// (kube-api-recordings 02, 04, 05, 07; file and seq noted per case).
import { describe, it, expect } from '@jest/globals';
import { ApiError, invalidError } from '../src/errors.js';
import {
  checkGoJsonType,
  decodeError,
  DecodeFailure,
  duplicateFieldProblem,
  generateName,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidIP,
  isValidIPv4,
  isValidIPv6,
  nameValidators,
  normalizeMicroTime,
  parseIP,
  normalizeTime,
  strictDecodingMessage,
  unknownFieldProblem,
  validateAnnotations,
  validateCommonUpdateFields,
  validateIPField,
  validateLabelValue,
  validateLabels,
  validateMicroTime,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateOwnerReferences,
  validatePathSegmentName,
  validateQualifiedName,
  validateTime,
} from '../src/validation.js';
import { parseIPSloppy } from '../src/resources/builtin/service-allocation.js';

function apiErrorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('name formats', () => {
  const cases: [string, (v: string) => string[], string, string[]][] = [
    ['DNS-1035 (02 seq 77)', isDNS1035Label, 'Bad_Name', [DNS1035_MSG]],
    ['DNS-1035', isDNS1035Label, 'lb-local', []],
    ['DNS-1035 may not start with a digit', isDNS1035Label, '1abc', [DNS1035_MSG]],
    ['DNS-1035 too long', isDNS1035Label, 'a'.repeat(64), ['must be no more than 63 characters']],
    ['DNS-1035 too long and bad', isDNS1035Label, `${'a'.repeat(63)}-`, ['must be no more than 63 characters', DNS1035_MSG]],
    ['RFC 1123 subdomain (04 seq 15)', isDNS1123Subdomain, 'SG_Bad', [SUBDOMAIN_MSG]],
    ['RFC 1123 subdomain', isDNS1123Subdomain, 'servicegroups.purelb.io', []],
    ['RFC 1123 subdomain too long', isDNS1123Subdomain, 'a'.repeat(254), ['must be no more than 253 characters']],
    ['RFC 1123 label', isDNS1123Label, '123-abc', []],
    ['RFC 1123 label with dots', isDNS1123Label, 'a.b', ['must not contain dots']],
    ['RFC 1123 label bad', isDNS1123Label, 'A', [LABEL_MSG]],
    ['label value (07 seq 34)', validateLabelValue, 'recorder.example.com/manual', [LABEL_VALUE_MSG]],
    ['label value empty', validateLabelValue, '', []],
    ['label value too long', validateLabelValue, 'v'.repeat(64), ['must be no more than 63 characters']],
    ['qualified name (02 seq 78)', validateQualifiedName, 'bad label', [NAME_PART_MSG]],
    ['qualified name with prefix', validateQualifiedName, 'purelb.io/service-group', []],
    ['qualified name empty prefix', validateQualifiedName, '/x', ['prefix part must be non-empty']],
    ['qualified name empty name', validateQualifiedName, 'a.io/', ['name part must be non-empty', NAME_PART_MSG]],
    ['qualified name long name', validateQualifiedName, `a.io/${'n'.repeat(64)}`, ['name part must be no more than 63 characters']],
    ['path segment', (v) => validatePathSegmentName(v, false), '..', ["may not be '..'"]],
    ['path segment chars', (v) => validatePathSegmentName(v, false), 'a/b%c', ["may not contain '/'", "may not contain '%'"]],
  ];
  it.each(cases)('%s: %j', (_name, fn, value, expected) => {
    expect(fn(value)).toEqual(expected);
  });

  it('checks generateName prefixes the way kube masks the trailing dash', () => {
    expect(nameValidators.DNS1035Label('gen-svc-', true)).toEqual([]);
    expect(nameValidators.DNS1035Label('Bad_Prefix-', true)).toEqual([DNS1035_MSG]);
    // kube replaces the last two characters by "a": "x-" becomes "a", which is valid.
    expect(nameValidators.DNS1035Label('1-', true)).toEqual([]);
    expect(nameValidators.DNS1123Subdomain('web-lb.', true)).toEqual([SUBDOMAIN_MSG]);
    expect(nameValidators['path-segment']('..', true)).toEqual([]);
  });

  it('generates names like SimpleNameGenerator', () => {
    const name = generateName('gen-svc-');
    expect(name).toMatch(/^gen-svc-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(generateName('x'.repeat(70), () => 0)).toBe(`${'x'.repeat(58)}bbbbb`);
  });
});

describe('validateObjectMeta: recorded 422s', () => {
  const service = { namespaced: true, nameValidator: 'DNS1035Label' as const };

  it('02 seq 75: a bad annotation key', () => {
    const causes = validateObjectMeta(
      { name: 'bad-annotation', namespace: 'rec-services', labels: { app: 'example', scenario: 'services-crud' }, annotations: { 'bad key!/x': 'v' } },
      service,
    );
    expect(causes).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "bad key!/x": prefix part ${SUBDOMAIN_MSG}`, field: 'metadata.annotations' },
    ]);
    expect(invalidError('Service', 'bad-annotation', causes).message).toBe(
      `Service "bad-annotation" is invalid: metadata.annotations: Invalid value: "bad key!/x": prefix part ${SUBDOMAIN_MSG}`,
    );
  });

  it('02 seq 77: a name that is no DNS-1035 label', () => {
    expect(validateObjectMeta({ name: 'Bad_Name', namespace: 'rec-services' }, service)).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "Bad_Name": ${DNS1035_MSG}`, field: 'metadata.name' },
    ]);
  });

  it('02 seq 78: a bad label key', () => {
    expect(validateObjectMeta({ name: 'two-errors', namespace: 'rec-services', labels: { 'bad label': 'x' } }, service)).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "bad label": ${NAME_PART_MSG}`, field: 'metadata.labels' },
    ]);
  });

  it('02 seq 109: generateName and the generated name are both reported', () => {
    const causes = validateObjectMeta({ generateName: 'Bad_Prefix-', name: 'Bad_Prefix-5df2x', namespace: 'rec-services' }, service);
    expect(invalidError('Service', 'Bad_Prefix-5df2x', causes).toStatus()).toMatchObject({
      message: `Service "Bad_Prefix-5df2x" is invalid: [metadata.generateName: Invalid value: "Bad_Prefix-": ${DNS1035_MSG}, metadata.name: Invalid value: "Bad_Prefix-5df2x": ${DNS1035_MSG}]`,
      details: {
        causes: [
          { reason: 'FieldValueInvalid', message: `Invalid value: "Bad_Prefix-": ${DNS1035_MSG}`, field: 'metadata.generateName' },
          { reason: 'FieldValueInvalid', message: `Invalid value: "Bad_Prefix-5df2x": ${DNS1035_MSG}`, field: 'metadata.name' },
        ],
      },
    });
  });

  it('04 seq 15: custom resources use RFC 1123 subdomain names', () => {
    const causes = validateObjectMeta({ name: 'SG_Bad', namespace: 'rec-crd' }, { namespaced: true, nameValidator: 'DNS1123Subdomain', kubeFinalizerNames: false });
    expect(invalidError('ServiceGroup', 'SG_Bad', causes, 'purelb.io').message).toBe(
      `ServiceGroup.purelb.io "SG_Bad" is invalid: metadata.name: Invalid value: "SG_Bad": ${SUBDOMAIN_MSG}`,
    );
  });

  it('07 seq 34: a label value with a slash', () => {
    const causes = validateObjectMeta(
      {
        name: 'bad-label-value',
        namespace: 'rec-eps',
        labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'recorder.example.com/manual' },
      },
      { namespaced: true, nameValidator: 'DNS1123Subdomain' },
    );
    expect(invalidError('EndpointSlice', 'bad-label-value', causes, 'discovery.k8s.io').message).toBe(
      `EndpointSlice.discovery.k8s.io "bad-label-value" is invalid: metadata.labels: Invalid value: "recorder.example.com/manual": ${LABEL_VALUE_MSG}`,
    );
  });
});

describe('validateObjectMeta: other rules', () => {
  const sub = { namespaced: true, nameValidator: 'DNS1123Subdomain' as const };

  it('requires a name and, for namespaced types, a namespace', () => {
    expect(validateObjectMeta({}, sub)).toEqual([
      { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.namespace' },
    ]);
  });

  it('validates the namespace as an RFC 1123 label and forbids it on cluster-scoped types', () => {
    expect(validateObjectMeta({ name: 'a', namespace: 'a.b' }, sub)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "a.b": must not contain dots', field: 'metadata.namespace' },
    ]);
    expect(validateObjectMeta({ name: 'n', namespace: 'x' }, { namespaced: false, nameValidator: 'DNS1123Subdomain' })).toEqual([
      { reason: 'FieldValueForbidden', message: 'Forbidden: not allowed on this type', field: 'metadata.namespace' },
    ]);
  });

  it('reports label keys and values separately, at metadata.labels', () => {
    expect(validateLabels({ 'a/b/c': 'x y' })).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
        field: 'metadata.labels',
      },
      { reason: 'FieldValueInvalid', message: `Invalid value: "x y": ${LABEL_VALUE_MSG}`, field: 'metadata.labels' },
    ]);
  });

  it('checks annotation keys case-insensitively and limits their total size to 256 KiB', () => {
    expect(validateAnnotations({ 'Example.COM/Key': 'v' })).toEqual([]);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) })).toEqual([]);
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024) })).toEqual([
      { reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes', field: 'metadata.annotations' },
    ]);
  });

  it('validates finalizers as qualified names plus the built-in types’ standard-name rule', () => {
    const meta = (finalizers: string[]) => ({ name: 'a', namespace: 'b', finalizers });
    expect(validateObjectMeta(meta(['service.kubernetes.io/load-balancer-cleanup', 'kubernetes', 'foregroundDeletion']), sub)).toEqual([]);
    expect(validateObjectMeta(meta(['my-finalizer']), sub)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "my-finalizer": name is neither a standard finalizer name nor is it fully qualified',
        field: 'metadata.finalizers[0]',
      },
    ]);
    expect(validateObjectMeta(meta(['my-finalizer']), { ...sub, kubeFinalizerNames: false })).toEqual([]);
    expect(validateObjectMeta(meta(['orphan', 'foregroundDeletion']), sub)).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
        field: 'metadata.finalizers',
      },
    ]);
    expect(validateObjectMeta(meta(['a b/c']), { ...sub, kubeFinalizerNames: false })).toEqual([
      { reason: 'FieldValueInvalid', message: `Invalid value: "a b/c": prefix part ${SUBDOMAIN_MSG}`, field: 'metadata.finalizers' },
    ]);
  });

  it('rejects a negative generation', () => {
    expect(validateObjectMeta({ name: 'a', namespace: 'b', generation: -1 }, sub)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'metadata.generation' },
    ]);
  });

  it('validates owner references at the list path', () => {
    expect(validateOwnerReferences([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1' }])).toEqual([]);
    expect(validateOwnerReferences([{ apiVersion: 'apps/', kind: '', name: '', uid: '' }])).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "apps/": version must not be empty', field: 'metadata.ownerReferences.apiVersion' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": kind must not be empty', field: 'metadata.ownerReferences.kind' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": name must not be empty', field: 'metadata.ownerReferences.name' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": uid must not be empty', field: 'metadata.ownerReferences.uid' },
    ]);
    const two = validateOwnerReferences([
      { apiVersion: 'v1', kind: 'A', name: 'a', uid: '1', controller: true },
      { apiVersion: 'v1', kind: 'B', name: 'b', uid: '2', controller: true },
    ]);
    expect(two).toHaveLength(1);
    expect(two[0]?.message).toMatch(/Only one reference can have Controller set to true\. Found "true" in references for A\/a and B\/b$/);
    expect(validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }])[0]?.message).toMatch(
      /: \/v1, Kind=Event is disallowed from being an owner$/,
    );
  });
});

describe('validateObjectMetaUpdate', () => {
  const old = {
    name: 'lb-finalizer',
    namespace: 'rec-services',
    uid: 'u1',
    resourceVersion: '10',
    creationTimestamp: '2026-11-24T18:35:28Z',
    deletionTimestamp: '2026-11-24T18:40:00Z',
    deletionGracePeriodSeconds: 0,
    finalizers: ['service.kubernetes.io/load-balancer-cleanup'],
  };

  it('02 seq 93: no new finalizers while the object is being deleted (listed twice in causes, once in the message)', () => {
    const next = { ...old, finalizers: ['service.kubernetes.io/load-balancer-cleanup', 'example.com/another'] };
    const cause = {
      reason: 'FieldValueForbidden',
      message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/another"}',
      field: 'metadata.finalizers',
    };
    expect(validateObjectMetaUpdate(next, old)).toEqual([cause]);
    // The REST layer's common checks and the type's own update validation each report it.
    const all = [...validateCommonUpdateFields(next, old, true), ...validateObjectMetaUpdate(next, old)];
    expect(all).toEqual([cause, cause]);
  });

  it('allows removing finalizers and metadata changes during deletion', () => {
    expect(validateObjectMetaUpdate({ ...old, finalizers: [], labels: { a: 'b' } }, old)).toEqual([]);
  });

  it('reports immutable fields and a missing resourceVersion', () => {
    const next = { ...old, name: 'other', uid: 'u2', resourceVersion: '', deletionGracePeriodSeconds: 30, creationTimestamp: '2026-11-24T18:35:29.5Z' };
    expect(validateObjectMetaUpdate(next, old)).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "": must be specified for an update', field: 'metadata.resourceVersion' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "other": field is immutable', field: 'metadata.name' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "u2": field is immutable', field: 'metadata.uid' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 2026-11-24 18:35:29.5 +0000 UTC: field is immutable', field: 'metadata.creationTimestamp' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 30: field is immutable', field: 'metadata.deletionGracePeriodSeconds' },
    ]);
  });
});

describe('IP addresses (parsed like netutils.ParseIPSloppy)', () => {
  const cases: [string, boolean, boolean, boolean][] = [
    // value, IP, IPv4, IPv6
    ['192.0.2.10', true, true, false],
    ['010.001.0.1', true, true, false],
    ['255.255.255.255', true, true, false],
    ['256.0.0.1', false, false, false],
    ['1.2.3', false, false, false],
    ['1.2.3.4.5', false, false, false],
    ['not-an-ip', false, false, false],
    ['', false, false, false],
    ['2001:db8::1', true, false, true],
    ['::', true, false, true],
    ['::1', true, false, true],
    ['1:2:3:4:5:6:7:8', true, false, true],
    ['1:2:3:4:5:6:7::', true, false, true],
    ['1:2:3:4:5:6:7:8::', false, false, false],
    ['1:2:3:4:5:6:7:8:9', false, false, false],
    ['1::2::3', false, false, false],
    ['2001:db8::1:', false, false, false],
    ['fe80::1%eth0', false, false, false],
    ['::ffff:192.0.2.1', true, true, false],
    ['::192.0.2.1', true, false, true],
    ['64:ff9b::192.0.2.1', true, false, true],
    ['1:2:3:4:5:6:192.0.2.1', true, false, true],
    ['1:2:3:4:5:192.0.2.1', false, false, false],
    ['12345::1', false, false, false],
  ];
  it.each(cases)('%j', (value, ip, v4, v6) => {
    expect([isValidIP(value), isValidIPv4(value), isValidIPv6(value)]).toEqual([ip, v4, v6]);
  });

  it('07 seq 30/35 and 02 seq 58: field causes with kube’s wording', () => {
    expect([...validateIPField('endpoints[0].addresses[0]', 'not-an-ip', 'IPv4'), ...validateIPField('endpoints[0].addresses[0]', 'not-an-ip')]).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "not-an-ip": must be a valid IPv4 address', field: 'endpoints[0].addresses[0]' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "not-an-ip": must be a valid IP address', field: 'endpoints[0].addresses[0]' },
    ]);
    expect(validateIPField('endpoints[0].addresses[0]', '10.244.1.5', 'IPv6')).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "10.244.1.5": must be a valid IPv6 address', field: 'endpoints[0].addresses[0]' },
    ]);
    expect(validateIPField('status.loadBalancer.ingress[0].ip', '192.0.2.10')).toEqual([]);
  });
});

describe('IP parser modes (validation.ts parseIP): sloppy = netutils.ParseIPSloppy, strict = Go 1.17+ net.ParseIP', () => {
  const v4 = (a: number, b: number, c: number, d: number): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d];
  const v6 = (...tail: number[]): number[] => [...new Array<number>(16 - tail.length).fill(0), ...tail];
  const cases: [string, number[] | undefined, number[] | undefined][] = [
    // text, sloppy (the default), strict
    ['10.1.1.1', v4(10, 1, 1, 1), v4(10, 1, 1, 1)],
    ['010.1.1.1', v4(10, 1, 1, 1), undefined],
    ['1.2.3.010', v4(1, 2, 3, 10), undefined],
    ['00.0.0.0', v4(0, 0, 0, 0), undefined],
    ['0.0.0.0', v4(0, 0, 0, 0), v4(0, 0, 0, 0)],
    ['0377.0.0.1', undefined, undefined],
    ['256.1.1.1', undefined, undefined],
    ['1.2.3', undefined, undefined],
    ['1.2.3.4.5', undefined, undefined],
    ['::ffff:1.2.3.4', v4(1, 2, 3, 4), v4(1, 2, 3, 4)],
    ['::ffff:01.2.3.4', v4(1, 2, 3, 4), undefined],
    ['::1', v6(1), v6(1)],
    ['::0001', v6(1), v6(1)],
    ['2001:db8::1::2', undefined, undefined],
    ['fe80::1%eth0', undefined, undefined],
  ];
  it.each(cases)('%j', (text, sloppy, strict) => {
    expect(parseIP(text)).toEqual(sloppy);
    expect(parseIP(text, { sloppy: true })).toEqual(sloppy);
    expect(parseIP(text, { sloppy: false })).toEqual(strict);
  });

  it('parseIPSloppy wraps the sloppy mode; v4-mapped IPv6 counts as IPv4', () => {
    expect(parseIPSloppy('010.1.1.1')).toEqual({ family: 'IPv4', value: 0x0a010101n });
    expect(parseIPSloppy('::ffff:1.2.3.4')).toEqual({ family: 'IPv4', value: 0x01020304n });
    expect(parseIPSloppy('::1')).toEqual({ family: 'IPv6', value: 1n });
    expect(parseIPSloppy('1.2.3')).toBeUndefined();
    expect(parseIPSloppy(42)).toBeUndefined();
  });
});

describe('MicroTime and Time', () => {
  const lease = { kind: 'Lease', version: 'v1', loc: { struct: 'LeaseSpec', path: 'spec.renewTime' } };

  const rejected: [string, string, string][] = [
    [
      '05 seq 3',
      '2026-11-24T18:35:28Z',
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-11-24T18:35:28Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
    ],
    [
      '05 seq 4',
      '2026-11-24T18:35:28.592Z',
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-11-24T18:35:28.592Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".592Z" as ".000000"',
    ],
    [
      '05 seq 23',
      '2024-01-01',
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2024-01-01" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "" as "T"',
    ],
  ];
  it.each(rejected)('%s: %s → 400', (_where, value, message) => {
    const err = apiErrorOf(() => validateMicroTime(value, lease));
    expect(err.toStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 });
  });

  const goErrors: [string, string][] = [
    ['2026-11-24T18:35:28.5920000Z', 'cannot parse "0Z" as "Z07:00"'],
    ['2026-11-24T18:35:28.59200Z', 'cannot parse ".59200Z" as ".000000"'],
    ['2026-11-24T18:35:28.59a000Z', 'cannot parse ".59a000Z" as ".000000"'],
    ['2026-11-24 18:35:28.592000Z', 'cannot parse " 18:35:28.592000Z" as "T"'],
    ['26-11-24T18:35:28.592000Z', 'cannot parse "26-11-24T18:35:28.592000Z" as "2006"'],
    ['2026-1-24T18:35:28.592000Z', 'cannot parse "1-24T18:35:28.592000Z" as "01"'],
    ['2026-11-24T18:35:28.592000z', 'cannot parse "z" as "Z07:00"'],
    ['2026-11-24T18:35:28.592000+0200', 'cannot parse "+0200" as "Z07:00"'],
  ];
  it.each(goErrors)('%j: Go’s element-wise message', (value, tail) => {
    expect(() => normalizeMicroTime(value)).toThrow(
      new DecodeFailure(`parsing time "${value}" as "2006-01-02T15:04:05.000000Z07:00": ${tail}`),
    );
  });

  const rangeErrors: [string, string][] = [
    ['2026-13-24T18:35:28.592000Z', 'month out of range'],
    ['2026-02-30T18:35:28.592000Z', 'day out of range'],
    ['2026-11-24T24:35:28.592000Z', 'hour out of range'],
    ['2026-11-24T18:60:28.592000Z', 'minute out of range'],
    ['2026-11-24T18:35:60.592000Z', 'second out of range'],
    ['2026-11-24T18:35:28.592000+25:00', 'time zone offset hour out of range'],
  ];
  it.each(rangeErrors)('%j: %s', (value, what) => {
    expect(() => normalizeMicroTime(value)).toThrow(new DecodeFailure(`parsing time "${value}": ${what}`));
  });

  it('reports trailing text with Go’s quoting', () => {
    expect(() => normalizeMicroTime('2026-11-24T18:35:28.592000Zé')).toThrow(
      new DecodeFailure('parsing time "2026-11-24T18:35:28.592000Z\\xc3\\xa9": extra text: "\\xc3\\xa9"'),
    );
  });

  it('05 seq 2/5/6: accepts six digits and normalises offsets to UTC', () => {
    expect(validateMicroTime('2026-11-24T18:35:28.592000Z', lease)).toBe('2026-11-24T18:35:28.592000Z');
    expect(validateMicroTime('2024-05-01T12:00:00.123456+02:00', lease)).toBe('2024-05-01T10:00:00.123456Z');
    expect(validateMicroTime('2024-01-01T00:30:00.000001-01:00', lease)).toBe('2024-01-01T01:30:00.000001Z');
    expect(validateMicroTime('2024-03-01T00:30:00.000000+01:00', lease)).toBe('2024-02-29T23:30:00.000000Z');
    expect(validateMicroTime('2024-01-01T7:00:00.000000Z', lease)).toBe('2024-01-01T07:00:00.000000Z');
  });

  it('maps null and the zero time to null (Go omits them)', () => {
    expect(validateMicroTime(null, lease)).toBeNull();
    expect(validateMicroTime(undefined, lease)).toBeNull();
    expect(validateMicroTime('0001-01-01T00:00:00.000000Z', lease)).toBeNull();
  });

  it('rejects a non-string with the decoder’s type error', () => {
    expect(apiErrorOf(() => validateMicroTime(12, lease)).message).toBe(
      'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string',
    );
  });

  it('metav1.Time: RFC 3339 with optional fraction, returned in UTC seconds', () => {
    const ev = { kind: 'Event', version: 'v1' };
    expect(validateTime('2026-11-24T18:35:28Z', ev)).toBe('2026-11-24T18:35:28Z');
    expect(validateTime('2024-01-01T00:00:00.5+02:00', ev)).toBe('2023-12-31T22:00:00Z');
    expect(normalizeTime('2024-01-01T00:00:00,999999999999Z')).toBe('2024-01-01T00:00:00Z');
    expect(apiErrorOf(() => validateTime('2024-01-01', ev)).message).toBe(
      'Event in version "v1" cannot be handled as a Event: parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"',
    );
    expect(() => normalizeTime('2024-01-01T00:00:00.Z')).toThrow(
      new DecodeFailure('parsing time "2024-01-01T00:00:00.Z" as "2006-01-02T15:04:05Z07:00": cannot parse ".Z" as "Z07:00"'),
    );
  });
});

describe('decoding errors (400)', () => {
  it('05 seq 24: a string where an int32 is expected', () => {
    const detail = checkGoJsonType('15', 'int32', { struct: 'LeaseSpec', path: 'spec.leaseDurationSeconds' });
    expect(detail).toBe('json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32');
    expect(decodeError({ kind: 'Lease', version: 'v1' }, detail as string).toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('follows encoding/json for other mismatches', () => {
    const loc = { struct: 'LeaseSpec', path: 'spec.leaseDurationSeconds' };
    expect(checkGoJsonType(15, 'int32', loc)).toBeUndefined();
    expect(checkGoJsonType(null, 'int32', loc)).toBeUndefined();
    expect(checkGoJsonType(1.5, 'int32', loc)).toBe('json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32');
    expect(checkGoJsonType(2 ** 31, 'int32', loc)).toBe(
      'json: cannot unmarshal number 2147483648 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
    expect(checkGoJsonType(true, 'string', { struct: 'LeaseSpec', path: 'spec.holderIdentity' })).toBe(
      'json: cannot unmarshal bool into Go struct field LeaseSpec.spec.holderIdentity of type string',
    );
    expect(checkGoJsonType([], 'object', { struct: 'Lease', path: 'spec' }, 'v1.LeaseSpec')).toBe(
      'json: cannot unmarshal array into Go struct field Lease.spec of type v1.LeaseSpec',
    );
    expect(checkGoJsonType({}, 'array', undefined, '[]string')).toBe('json: cannot unmarshal object into Go value of type []string');
  });

  it('04 seq 18/20: strict decoding errors', () => {
    const sg = { kind: 'ServiceGroup', version: 'v1' };
    expect(decodeError(sg, strictDecodingMessage([unknownFieldProblem('spec.topExtra')])).message).toBe(
      'ServiceGroup in version "v1" cannot be handled as a ServiceGroup: strict decoding error: unknown field "spec.topExtra"',
    );
    expect(decodeError(sg, strictDecodingMessage([duplicateFieldProblem('metadata.name')])).message).toBe(
      'ServiceGroup in version "v1" cannot be handled as a ServiceGroup: strict decoding error: duplicate field "metadata.name"',
    );
    expect(strictDecodingMessage([unknownFieldProblem('a'), unknownFieldProblem('b')])).toBe('strict decoding error: unknown field "a", unknown field "b"');
  });

  it('02 seq 82: the body’s kind differs from the endpoint’s', () => {
    expect(
      decodeError({ kind: 'ConfigMap', version: 'v1', targetKind: 'Service' }, 'converting (v1.ConfigMap) to (core.Service): unknown conversion').message,
    ).toBe('ConfigMap in version "v1" cannot be handled as a Service: converting (v1.ConfigMap) to (core.Service): unknown conversion');
  });
});
