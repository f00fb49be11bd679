// Which kubectl tests and the playground run. On machines with the Google Cloud SDK, /usr/bin/kubectl is a
// dispatcher that picks the client matching the server's minor version (1.28 for testkube), while
// the product targets kubectl 1.32 (SPEC §8); use that one when it is there. KUBECTL overrides.
import { existsSync } from 'node:fs';

const SDK_KUBECTL_132 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

export function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  return existsSync(SDK_KUBECTL_132) ? SDK_KUBECTL_132 : 'kubectl';
}
