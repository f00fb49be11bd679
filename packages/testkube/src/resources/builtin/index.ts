// Every built-in resource type testkube serves, in discovery order within each group.
import type { ResourceType } from '../types.js';
import { configMapsResource } from './configmaps.js';
import { customResourceDefinitionsResource } from './crds.js';
import { daemonSetsResource } from './daemonsets.js';
import { deploymentsResource } from './deployments.js';
import { endpointsResource } from './endpoints.js';
import { endpointSlicesResource } from './endpointslices.js';
import { eventsResource, eventsV1Resource } from './events.js';
import { leasesResource } from './leases.js';
import { namespacesResource } from './namespaces.js';
import { nodesResource } from './nodes.js';
import { podsResource } from './pods.js';
import { secretsResource } from './secrets.js';
import { serviceAccountsResource } from './serviceaccounts.js';
import { servicesResource } from './services.js';

export { configMapsResource } from './configmaps.js';
export { customResourceDefinitionsResource } from './crds.js';
export { daemonSetsResource } from './daemonsets.js';
export { deploymentsResource } from './deployments.js';
export { endpointsResource } from './endpoints.js';
export { endpointSlicesResource } from './endpointslices.js';
export { eventsResource, eventsV1Resource, EVENTS_STORAGE } from './events.js';
export { leasesResource } from './leases.js';
export { namespacesResource, validateNamespaceFinalize, NAMESPACE_NAME_LABEL } from './namespaces.js';
export { nodesResource } from './nodes.js';
export { podsResource } from './pods.js';
export { secretsResource } from './secrets.js';
export { serviceAccountsResource } from './serviceaccounts.js';
export { servicesResource } from './services.js';

/** Fresh ResourceType objects (hooks close over nothing shared, so servers do not interfere). */
export function builtinResourceTypes(): ResourceType[] {
  return [
    // core/v1, alphabetical like /api/v1
    configMapsResource(),
    endpointsResource(),
    eventsResource(),
    namespacesResource(),
    nodesResource(),
    podsResource(),
    secretsResource(),
    serviceAccountsResource(),
    servicesResource(),
    // apps/v1
    daemonSetsResource(),
    deploymentsResource(),
    // coordination.k8s.io/v1
    leasesResource(),
    // discovery.k8s.io/v1
    endpointSlicesResource(),
    // events.k8s.io/v1
    eventsV1Resource(),
    // apiextensions.k8s.io/v1
    customResourceDefinitionsResource(),
  ];
}
