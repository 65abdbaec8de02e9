// tools/docker-emulate: the Dockerfiles replayed natively and the compose topology started from the
// emulated images, with the full-stack smoke scenario run against it (needs root; see README.md).
const preset = require('../../jest.preset.cjs');
module.exports = { ...preset, displayName: 'docker-emulate', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.test.ts'], testTimeout: 600_000 };
