// @purelb/e2e: the simulated multi-node cluster (network namespaces) for e2e tests, benchmarks and the playground.
export * from './cluster.js';
export * from './plan.js';
export { DEFAULT_PREFIX, DEFAULT_STATE_DIR, PHASES, readState, type ClusterState, type NodeRecord, type Phase, type PodRecord, type AgentRecord } from './state.js';
export { apiRequest, ApiStatusError, type ApiEndpoint } from './kube.js';
export { CommandError, type RunResult } from './sys.js';
