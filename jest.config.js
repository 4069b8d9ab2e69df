// jose 6 is ESM-only, so the whole suite runs as native ESM (NODE_OPTIONS=--experimental-vm-modules).
// Projects: the gateway's tests (test/) and each workspace package's own.
/** @type {import('jest').Config} */
const gateway = {
  displayName: 'gateway',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@acs-identity-gateway/emulator$': '<rootDir>/packages/emulator/src/index.ts',
    '^@acs-identity-gateway/client$': '<rootDir>/clients/web/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // npm run coverage: every gateway source file counts, loaded by a test or not.
  collectCoverageFrom: ['<rootDir>/src/**/*.ts'],
  // One embedded MongoDB (or MONGODB_URI) for the whole run; tests get databases via test/support/mongo.ts.
  globalSetup: '<rootDir>/test/support/globalSetup.mjs',
  globalTeardown: '<rootDir>/test/support/globalTeardown.mjs',
};

export default {
  projects: [gateway, '<rootDir>/packages/emulator', '<rootDir>/clients/web'],
  testTimeout: 60000,
  maxWorkers: 2,
};
