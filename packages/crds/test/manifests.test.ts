// The chart's CRD files must be exactly what the generator renders today: editing src/manifests.ts
// without running `pnpm --filter @purelb/crds generate` (or hand-editing the YAML) fails here.
import { describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CRD_OUTPUT_DIR, allCrds, renderCrdFiles, type SchemaProps } from '../src/index.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dir = join(repoRoot, CRD_OUTPUT_DIR);

describe('generated CRD files', () => {
  it('are up to date with src/manifests.ts (run `pnpm --filter @purelb/crds generate` if not)', () => {
    for (const { file, text } of renderCrdFiles()) {
      expect({ file, text: readFileSync(join(dir, file), 'utf8') }).toEqual({ file, text });
    }
  });

  it('are the only files in the chart CRD directory (no stale leftovers of a renamed CRD)', () => {
    expect(readdirSync(dir).sort()).toEqual(renderCrdFiles().map((f) => f.file).sort());
  });

  it('parse back to the objects they were rendered from', () => {
    const files = renderCrdFiles();
    allCrds().forEach((crd, i) => expect(parse(files[i]!.text)).toEqual(crd));
  });
});

describe('CRD objects', () => {
  const [sg, lbna] = allCrds();

  it('have the names, short names and category of SPEC §3', () => {
    expect(sg!.metadata.name).toBe('servicegroups.purelb.io');
    expect(sg!.spec.names).toMatchObject({ kind: 'ServiceGroup', shortNames: ['sg'], categories: ['purelb'] });
    expect(lbna!.metadata.name).toBe('lbnodeagents.purelb.io');
    expect(lbna!.spec.names).toMatchObject({ kind: 'LBNodeAgent', shortNames: ['lbna'], categories: ['purelb'] });
    expect(sg!.spec.versions[0]!.subresources).toEqual({ status: {} });
  });

  it('ServiceGroup prints the columns of SPEC §3.1', () => {
    expect(sg!.spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'Allocated-V4',
      'Allocated-V6',
      'Available-V4',
      'Available-V6',
      'Valid',
      'Age',
    ]);
  });

  it('bound every string and list that a CEL rule reads (kube-apiserver refuses rules of unbounded cost)', () => {
    // Walk each schema; any node with rules that is a string must have maxLength, any list above a
    // rule-bearing node must have maxItems.
    const unbounded: string[] = [];
    const walk = (s: SchemaProps, path: string, listBounded: boolean): void => {
      const rules = s['x-kubernetes-validations'] ?? [];
      if (rules.length > 0 && s.type === 'string' && s.maxLength === undefined) unbounded.push(path);
      if (rules.length > 0 && !listBounded) unbounded.push(`${path} (inside an unbounded list)`);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.${k}`, listBounded);
      if (s.items) walk(s.items, `${path}[]`, listBounded && s.maxItems !== undefined);
    };
    for (const crd of allCrds()) walk(crd.spec.versions[0]!.schema.openAPIV3Schema, crd.spec.names.kind, true);
    expect(unbounded).toEqual([]);
  });
});
