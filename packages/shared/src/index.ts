export * from './ip/index.js';
export * from './log.js';
export * from './config.js';
