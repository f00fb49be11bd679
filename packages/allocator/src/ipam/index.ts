export * from './types.js';
export * from './freeset.js';
export * from './ipam.js';
export { failures, orphanMessages } from './messages.js';
