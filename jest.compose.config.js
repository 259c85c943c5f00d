/** The compose kill experiment, started by tests/compose/run.sh once the stack is up. */
const fast = require('./jest.config');

module.exports = { ...fast, testMatch: ['<rootDir>/tests/compose/**/*.test.ts'], globalSetup: undefined, globalTeardown: undefined };
