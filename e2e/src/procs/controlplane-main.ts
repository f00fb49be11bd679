// Process run inside the control-plane namespace: testkube listening on the control plane's LAN
// address (agents in node namespaces reach it over the simulated LAN like a real API server), plus a
// relay from a path-named Unix socket to that address, through which the host reaches it.
import { parseArgs } from 'node:util';
import { startTestKubeServer } from '@purelb/testkube';
import { exitOnSignals, fail, writeReadyFile } from './common.js';
import { startRelay } from './relay.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      kubeconfig: { type: 'string' },
      socket: { type: 'string' },
      'ready-file': { type: 'string' },
      'service-cidr': { type: 'string' },
      'service-cidr-v6': { type: 'string' },
      'run-dir': { type: 'string' },
    },
  });
  const { host, port, kubeconfig, socket } = values;
  const readyFile = values['ready-file'];
  if (!host || !port || !kubeconfig || !socket || !readyFile) throw new Error('need --host, --port, --kubeconfig, --socket and --ready-file');
  const kube = await startTestKubeServer({
    host,
    port: Number(port),
    kubeconfigPath: kubeconfig,
    config: {
      ...(values['service-cidr'] ? { serviceCIDR: values['service-cidr'] } : {}),
      ...(values['service-cidr-v6'] ? { serviceCIDRv6: values['service-cidr-v6'] } : {}),
    },
  });
  const relay = await startRelay({ kind: 'unix', path: socket }, { kind: 'tcp', host, port: kube.port });
  exitOnSignals(async () => {
    await relay.close();
    await kube.stop();
  });
  writeReadyFile(readyFile, { pid: process.pid, url: kube.url, port: kube.port, caPem: kube.caPem });
  process.stdout.write(`testkube serving on ${kube.url}, relay on ${socket}\n`);
}

main().catch((e: unknown) => fail('controlplane', e));
