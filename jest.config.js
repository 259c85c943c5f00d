/** Unit, component and cluster tests in one run; cluster tests start real processes from dist/. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // Real processes and a real Redis on 2 cores: keep parallelism modest so timings stay honest.
  maxWorkers: 2,
};
