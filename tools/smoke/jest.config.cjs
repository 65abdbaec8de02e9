// The full-stack smoke test: builds the apps, starts the API and two workers as OS processes
// against PostgreSQL, Redis and S3 from the environment (`source tools/services.sh`).
const preset = require('../../jest.preset.cjs');
module.exports = { ...preset, displayName: 'smoke', rootDir: __dirname, testMatch: ['<rootDir>/*.test.ts'], testTimeout: 600_000 };
