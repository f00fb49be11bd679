export * from './constants.js';
export * from './types.js';
export * from './problems.js';
export * from './manifests.js';
export * from './render.js';
export * from './servicegroup.js';
export * from './lbnodeagent.js';
export * from './status.js';
