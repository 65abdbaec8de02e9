module.exports = { ...require('../../jest.preset.cjs'), displayName: 'paper-app', rootDir: __dirname };
