// `pnpm --filter @purelb/crds generate`: writes the CRD manifests into the Helm chart.
// Usage: node dist/generate.js [output-dir]   (default: <repo>/charts/purelb/crds)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_OUTPUT_DIR, renderCrdFiles } from './render.js';

// This file runs from packages/crds/dist/, three levels below the repository root.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = process.argv[2] ?? join(repoRoot, CRD_OUTPUT_DIR);
mkdirSync(outDir, { recursive: true });
for (const { file, text } of renderCrdFiles()) {
  writeFileSync(join(outDir, file), text);
  console.log(`wrote ${join(outDir, file)}`);
}
