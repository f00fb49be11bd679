export * from './types.js';
export * from './errors.js';
export * from './math.js';
export * from './parse.js';
export * from './format.js';
