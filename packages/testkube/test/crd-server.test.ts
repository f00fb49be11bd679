// Custom resource decoding through the HTTP server: what the recordings could not replay verbatim.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import https from 'node:https';
import { startTestKube, type TestKube } from '../src/index.js';

let kube: TestKube;

function raw(method: string, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: any; warning?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, kube.url), { method, ca: kube.caPem, headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain-text answers such as `404 page not found`
        }
        resolve({ status: res.statusCode!, body: parsed, warning: res.headers.warning as string | undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { size: { type: 'integer' } },
                'x-kubernetes-validations': [{ rule: 'self.size <= 10', message: 'size must be at most 10' }],
              },
            },
          },
        },
      },
    ],
  },
};

beforeAll(async () => {
  kube = await startTestKube();
  expect((await raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(CRD))).status).toBe(201);
  for (let i = 0; i < 100; i++) {
    const r = await raw('GET', '/apis/example.com/v1', '');
    if (r.status === 200) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('CRD not established');
});
afterAll(() => kube.stop());

describe('custom resources through the server', () => {
  it('rejects a duplicate JSON key under fieldValidation=Strict, as kube-apiserver does', async () => {
    const body = '{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"g1","name":"g2"},"spec":{"size":1}}';
    const r = await raw('POST', '/apis/example.com/v1/namespaces/default/gadgets?fieldValidation=Strict', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: duplicate field "metadata.name"');
  });

  it('prunes unknown fields with a Warning by default and refuses them under Strict', async () => {
    const body = JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g3' }, spec: { size: 2, extra: true } });
    const warned = await raw('POST', '/apis/example.com/v1/namespaces/default/gadgets', body);
    expect(warned.status).toBe(201);
    expect(warned.warning).toBe('299 - "unknown field \\"spec.extra\\""');
    expect(warned.body.spec).toEqual({ size: 2 });
    const strict = await raw('POST', '/apis/example.com/v1/namespaces/default/gadgets?fieldValidation=Strict', body.replace('g3', 'g4'));
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('strict decoding error: unknown field "spec.extra"');
  });

  it('enforces x-kubernetes-validations rules with a 422', async () => {
    const body = JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g5' }, spec: { size: 11 } });
    const r = await raw('POST', '/apis/example.com/v1/namespaces/default/gadgets', body);
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec');
    expect(r.body.message).toContain('size must be at most 10');
  });
});
