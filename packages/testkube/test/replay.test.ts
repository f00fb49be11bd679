// Every recorded scenario replays against a fresh testkube with no unexplained difference.
// Deliberate differences are listed in KNOWN_DIFFERENCES (and in packages/testkube/README.md).
import { describe, it, expect, afterEach } from '@jest/globals';
import { startTestKube, type TestKube } from '../src/index.js';
import { Replayer, loadRecording, type Difference } from './replay/harness.js';
import { KNOWN_DIFFERENCES } from './replay/known-differences.js';

const FILES = [
  '01-discovery.jsonl',
  '02-services-crud.jsonl',
  '03-watch.jsonl',
  '04-crd.jsonl',
  '05-leases.jsonl',
  '06-events.jsonl',
  '07-endpointslices-nodes.jsonl',
  '08-kubectl-flows.jsonl',
];

/** Out-of-band actions the recordings describe but could not record. */
const HOOKS: Record<string, Record<number, (kube: TestKube) => void | Promise<void>>> = {
  // 04 seq 20 sent a body with a duplicate key, which the recording stores parsed (the duplicate
  // is lost), so the replayed request is valid and creates sg-dup2; remove it again so that later
  // lists compare. The duplicate-field rejection itself is tested in crd-server.test.ts.
  '04-crd.jsonl': {
    21: (kube) => {
      const t = kube.server.registry.find('purelb.io', 'v1', 'servicegroups');
      if (t) kube.server.rest.delete(t, 'rec-crd', 'sg-dup2', {});
    },
  },
  // 03: etcd compaction before the "after compaction" steps; later the watch cache forgets RV0.
  '03-watch.jsonl': {
    37: (kube) => kube.faults.compact({ watchCache: false }),
    // The recording churned w-churn 400 times out of band (annotation `counter`), then waited until
    // the watch cache no longer held RV0; do the same churn, then evict the watch cache.
    50: async (kube) => {
      const svc = kube.server.registry.find('', 'v1', 'services')!;
      for (let i = 1; i <= 400; i++) {
        kube.server.rest.patch(svc, 'rec-watch', 'w-churn', 'merge', { metadata: { annotations: { counter: String(i) } } }, { warnings: [], userAgent: 'kube-recorder-scenario/1.0' });
      }
      kube.faults.compact({ watchCache: true });
    },
  },
};

function explained(file: string, d: Difference): boolean {
  return KNOWN_DIFFERENCES.some(
    (k) => k.file === file && (k.seq === undefined || k.seq === d.seq) && (k.path instanceof RegExp ? k.path.test(d.path) : k.path === d.path),
  );
}

describe('recorded kube-apiserver exchanges replay against testkube', () => {
  let kube: TestKube | undefined;
  afterEach(async () => {
    await kube?.stop();
    kube = undefined;
  });

  for (const file of FILES) {
    it(`${file} replays with no unexplained difference`, async () => {
      kube = await startTestKube({ bookmarkIntervalMs: 900 });
      const replayer = new Replayer(kube, HOOKS[file] ?? {});
      await replayer.replay(loadRecording(file));
      const unexplained = replayer.differences.filter((d) => !explained(file, d));
      if (unexplained.length) {
        process.stderr.write(
          `${file}: ${unexplained.length} unexplained differences\n` +
            unexplained
              .slice(0, 60)
              .map((d) => `  seq ${d.seq} [${d.step.slice(0, 60)}] ${d.path}: recorded ${JSON.stringify(d.recorded)?.slice(0, 300)} actual ${JSON.stringify(d.actual)?.slice(0, 300)}`)
              .join('\n') +
            '\n',
        );
      }
      expect(unexplained.map((d) => `${d.seq} ${d.path}`)).toEqual([]);
    }, 180_000);
  }
});
