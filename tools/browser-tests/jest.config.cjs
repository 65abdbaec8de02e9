// Browser tests: the HTML report and the web console in a real headless Chromium (Debian's
// `chromium` driven by playwright-core). Screenshots go to .ci-reports/ (CI artefacts).
const preset = require('../../jest.preset.cjs');
module.exports = { ...preset, displayName: 'browser', rootDir: __dirname };
