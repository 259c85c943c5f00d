/**
 * `npm test`: unit and component tests (real Redis, real HTTP, in-process or one child each),
 * one shared redis-server for the run. The slow tiers are in jest.all.config.js.
 */
const fast = ['<rootDir>/tests/unit/**/*.test.ts', '<rootDir>/tests/component/**/*.test.ts'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: fast,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 30000,
  // Real processes and a real Redis on 2 cores: keep parallelism modest so timings stay honest.
  maxWorkers: 2,
};
