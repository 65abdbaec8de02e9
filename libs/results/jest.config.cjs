module.exports = { ...require('../../jest.preset.cjs'), displayName: 'results', rootDir: __dirname };
