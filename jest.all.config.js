/**
 * `npm run test:all`: the fast tier plus the cluster tests (real launcher, processes from dist/),
 * the browser test (Chromium) and the bench's quick run. tests/compose runs through
 * `npm run test:compose`, which first brings the stack up.
 */
const fast = require('./jest.config');

module.exports = {
  ...fast,
  testMatch: [...fast.testMatch, '<rootDir>/tests/cluster/**/*.test.ts', '<rootDir>/tests/e2e/**/*.test.ts'],
};
