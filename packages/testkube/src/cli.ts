#!/usr/bin/env node
// `testkube serve --port P --write-kubeconfig FILE`: runs the in-memory API server until SIGINT/SIGTERM.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startTestKubeServer } from './index.js';

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('testkube')
    .command(
      'serve',
      'serve the in-memory Kubernetes API over HTTPS on 127.0.0.1',
      (y) =>
        y
          .option('port', { type: 'number', default: 0, describe: 'TCP port (0 picks a free one)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
          .option('write-kubeconfig', { type: 'string', describe: 'write a kubeconfig for this server to FILE', demandOption: true })
          .option('service-cidr', { type: 'string', default: '10.96.0.0/16', describe: 'IPv4 Service CIDR' })
          .option('service-cidr-v6', { type: 'string', describe: 'IPv6 Service CIDR (makes the cluster dual-stack)' })
          .option('bookmark-interval-ms', { type: 'number', default: 1000, describe: 'interval of watch BOOKMARK events' }),
      async (argv) => {
        const kube = await startTestKubeServer({
          port: argv.port,
          host: argv.host,
          kubeconfigPath: argv['write-kubeconfig'],
          bookmarkIntervalMs: argv['bookmark-interval-ms'],
          config: { serviceCIDR: argv['service-cidr'], ...(argv['service-cidr-v6'] ? { serviceCIDRv6: argv['service-cidr-v6'] } : {}) },
        });
        process.stdout.write(`${JSON.stringify({ url: kube.url, port: kube.port, kubeconfig: kube.kubeconfigPath })}\n`);
        const stop = async () => {
          await kube.stop();
          process.exit(0);
        };
        process.on('SIGINT', () => void stop());
        process.on('SIGTERM', () => void stop());
      },
    )
    .demandCommand(1, 'name a command: serve')
    .strict()
    .help()
    .parseAsync();
}

main().catch((err: unknown) => {
  process.stderr.write(`testkube: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
