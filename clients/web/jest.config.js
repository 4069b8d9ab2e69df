// The client kit's own tests: request() and the refresher against stand-in HTTP servers that answer what the real
// gateway never would (huge, malformed, slow). Tests against the real gateway are in test/client/.
/** @type {import('jest').Config} */
export default {
  displayName: 'client',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};
