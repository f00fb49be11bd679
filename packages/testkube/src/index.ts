// testkube: an in-memory Kubernetes API server for tests and the local playground.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { TestKubeServer, type Faults } from './server.js';
import { generateServingCertificate } from './tls.js';
import { buildKubeconfig, writeKubeconfig } from './kubeconfig.js';
import type { ServerConfig } from './resources/types.js';

export { TestKubeServer, type Faults } from './server.js';
export { ApiError } from './errors.js';
export type { KubeObject, ResourceType, ServerConfig } from './resources/types.js';

export interface StartTestKubeOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Where to write the kubeconfig; default: a new temporary directory. */
  kubeconfigPath?: string;
  /** Cluster settings (Service CIDRs, NodePort range). */
  config?: Partial<ServerConfig>;
  bookmarkIntervalMs?: number;
  initialResourceVersion?: number;
}

/** What `startTestKubeServer` returns: everything but the client-node KubeConfig. */
export type TestKubeServerHandle = Omit<TestKube, 'kubeConfig'>;

export interface TestKube {
  url: string;
  port: number;
  kubeconfigPath: string;
  /** The kubeconfig file's text. */
  kubeconfigYaml: string;
  /** A client-node KubeConfig pointing at this server (trusting its CA). */
  kubeConfig: KubeConfig;
  caPem: string;
  faults: Faults;
  server: TestKubeServer;
  stop(): Promise<void>;
}

/** Starts testkube and adds a client-node KubeConfig for it (loaded on demand: it is heavy). */
export async function startTestKube(options: StartTestKubeOptions = {}): Promise<TestKube> {
  const handle = await startTestKubeServer(options);
  const { KubeConfig: KubeConfigClass } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfigClass();
  kubeConfig.loadFromString(handle.kubeconfigYaml);
  return { ...handle, kubeConfig };
}

/** Starts testkube without loading @kubernetes/client-node (the CLI uses this to start fast). */
export async function startTestKubeServer(options: StartTestKubeOptions = {}): Promise<TestKubeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const tls = await generateServingCertificate([host, 'localhost']);
  const server = new TestKubeServer({
    port: options.port ?? 0,
    host,
    config: options.config,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    initialResourceVersion: options.initialResourceVersion,
    tls: { certPem: tls.certPem, keyPem: tls.keyPem },
  });
  const port = await server.listen();
  const url = `https://${host}:${port}`;
  // A temporary directory we create for the kubeconfig is removed again on stop().
  const ownDir = options.kubeconfigPath ? undefined : mkdtempSync(join(tmpdir(), 'testkube-'));
  const kubeconfigPath = options.kubeconfigPath ?? join(ownDir!, 'kubeconfig');
  const kubeconfigYaml = buildKubeconfig({ server: url, caPem: tls.caPem });
  writeKubeconfig(kubeconfigPath, kubeconfigYaml);
  return {
    url,
    port,
    kubeconfigPath,
    kubeconfigYaml,
    caPem: tls.caPem,
    faults: server.faults,
    server,
    stop: async () => {
      await server.close();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}
export { kubectlBinary } from './kubectl.js';
