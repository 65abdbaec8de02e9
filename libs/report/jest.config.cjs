module.exports = { ...require('../../jest.preset.cjs'), displayName: 'report', rootDir: __dirname };
