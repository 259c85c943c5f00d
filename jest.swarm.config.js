/** The two-node swarm test, started by tests/swarm/run.sh once the stack is deployed. */
const fast = require('./jest.config');

module.exports = { ...fast, testMatch: ['<rootDir>/tests/swarm/**/*.test.ts'], globalSetup: undefined, globalTeardown: undefined };
