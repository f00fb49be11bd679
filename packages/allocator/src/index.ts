// @purelb/allocator: the IPAM core (pure, synchronous) that the controller drives.
export * from './ipam/index.js';
