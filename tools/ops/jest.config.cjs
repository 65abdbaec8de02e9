// Tests of the ops tools (backup/restore, bucket set-up, alerts test) and the static checks of
// docker/ (Dockerfile lint, compose file, .env.example coverage). Services come from the
// environment (`source tools/services.sh`); a missing one fails the test with that hint.
module.exports = { ...require('../../jest.preset.cjs'), displayName: 'ops', rootDir: __dirname, testTimeout: 120_000 };
