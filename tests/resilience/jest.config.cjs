// The resilience suite: its own PostgreSQL, Redis and S3, the API and two workers as processes,
// faults injected on purpose (tests/resilience/resilience.int.test.ts, docs/reliability.md).
const preset = require('../../jest.preset.cjs');
module.exports = { ...preset, displayName: 'resilience', rootDir: __dirname, testMatch: ['<rootDir>/*.test.ts'], testTimeout: 900_000 };
