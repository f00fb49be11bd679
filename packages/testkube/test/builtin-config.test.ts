// ConfigMap, Secret, ServiceAccount and Endpoints hooks: key validation, stringData merged into
// data, per-type required Secret keys, immutability, field selectors and printers.
import { describe, expect, it } from '@jest/globals';
import { configMapsResource } from '../src/resources/builtin/configmaps.js';
import { endpointsResource } from '../src/resources/builtin/endpoints.js';
import { secretsResource } from '../src/resources/builtin/secrets.js';
import { serviceAccountsResource } from '../src/resources/builtin/serviceaccounts.js';
import { checkFieldSelectorFor, parseFieldSelector } from '../src/selectors.js';
import { FakeRegistry, fakeCtx } from './builtin-harness.js';

const CM = configMapsResource();
const SECRET = secretsResource();
const SA = serviceAccountsResource();
const EP = endpointsResource();
const NOW = new Date('2026-11-24T18:40:00Z');

describe('configmaps', () => {
  it('validates keys and refuses keys present in both data and binaryData', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(CM, { metadata: { name: 'c' }, data: { 'bad key': 'x', k: 'v' }, binaryData: { k: 'AA==' } });
    expect(res.status).toBe(422);
    expect(res.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        field: 'data[bad key]',
      },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "k": duplicate of key present in binaryData', field: 'data[k]' },
    ]);
  });

  it('freezes data once immutable', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    reg.create(CM, { metadata: { name: 'c' }, data: { k: 'v' }, immutable: true });
    const res = reg.patch(CM, 'c', 'merge', { data: { k: 'w' } });
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueForbidden', message: 'Forbidden: field is immutable when `immutable` is set', field: 'data' },
    ]);
    expect(reg.patch(CM, 'c', 'merge', { metadata: { labels: { a: 'b' } } }).status).toBe(200);
  });

  it('prints the number of data and binaryData keys', () => {
    expect(CM.table!.cells({ metadata: { name: 'c', creationTimestamp: '2026-11-24T18:39:00Z' }, data: { a: '1' }, binaryData: { b: 'AA==' } }, NOW)).toEqual([
      'c',
      2,
      '60s',
    ]);
  });
});

describe('secrets', () => {
  it('merges stringData into data, defaults the type and drops stringData', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(SECRET, { metadata: { name: 's' }, data: { a: 'b2xk' }, stringData: { a: 'new', b: 'two' } });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ a: Buffer.from('new').toString('base64'), b: Buffer.from('two').toString('base64') });
    expect(res.body.stringData).toBeUndefined();
    expect(res.body.type).toBe('Opaque');
  });

  it('refuses data that is not base64 while decoding', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(SECRET, { metadata: { name: 's' }, data: { a: 'not base64!' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  });

  it('requires the keys of typed secrets', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const tls = reg.create(SECRET, { metadata: { name: 't' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } });
    expect(tls.body.message).toBe('Secret "t" is invalid: data[tls.key]: Required value');
    const sa = reg.create(SECRET, { metadata: { name: 'sa' }, type: 'kubernetes.io/service-account-token' });
    expect(sa.body.message).toBe('Secret "sa" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value');
  });

  it('keeps the type immutable and supports the type field selector', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    reg.create(SECRET, { metadata: { name: 's' } });
    const res = reg.patch(SECRET, 's', 'merge', { type: 'example.com/other' });
    expect(res.body.message).toBe('Secret "s" is invalid: type: Invalid value: "example.com/other": field is immutable');
    expect(SECRET.fieldSelectors!.type!(reg.get(SECRET, 's'))).toBe('Opaque');
    expect(() => checkFieldSelectorFor(parseFieldSelector('data=x'), SECRET)).toThrow('field label not supported: data');
  });

  it('prints type and the number of keys', () => {
    expect(SECRET.table!.cells({ metadata: { name: 's', creationTimestamp: '2026-11-24T18:30:00Z' }, type: 'Opaque', data: { a: 'AA==' } }, NOW)).toEqual([
      's',
      'Opaque',
      1,
      '10m',
    ]);
  });
});

describe('serviceaccounts', () => {
  it('stores what is sent and prints the number of secrets', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(SA, { metadata: { name: 'lb' }, secrets: [{ name: 'a' }] });
    expect(res.body).toEqual({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: expect.objectContaining({ name: 'lb', namespace: 'ns' }), secrets: [{ name: 'a' }] });
    expect(SA.table!.cells(res.body, NOW)).toEqual(['lb', 1, '0s']);
    expect(reg.create(SA, { metadata: { name: 'Bad_Name' } }).status).toBe(422);
  });
});

describe('endpoints', () => {
  it('defaults port protocols, validates addresses and prints ip:port entries', () => {
    const reg = new FakeRegistry(fakeCtx(), 'ns');
    const res = reg.create(EP, {
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '2001:db8::1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }], ports: [{ port: 80 }] }],
    });
    expect(res.status).toBe(201);
    expect(res.body.subsets[0].ports).toEqual([{ port: 80, protocol: 'TCP' }]);
    expect(EP.table!.cells(res.body, NOW)).toEqual(['web', '10.0.0.1:80,[2001:db8::1]:80,10.0.0.2:80 + 1 more...', '0s']);
    expect(EP.table!.cells({ metadata: { name: 'e' } }, NOW)[1]).toBe('<none>');
    const bad = reg.create(EP, { metadata: { name: 'x' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: 80 }] }] });
    expect(bad.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)', field: 'subsets[0].addresses[0].ip' },
    ]);
  });
});
