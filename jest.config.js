// Jest runs in native ESM mode (node --experimental-vm-modules); TypeScript is compiled by SWC.
// Workspace imports (@purelb/<pkg>) resolve to the package sources, so tests need no build step;
// tests that spawn our CLIs as processes use the built dist/ and say so.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    // e2e/ is a workspace package outside packages/.
    '^@purelb/e2e$': '<rootDir>/e2e/src/index.ts',
    '^@purelb/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/packages/*/src/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  testTimeout: 30000,
  maxWorkers: 2,
};
