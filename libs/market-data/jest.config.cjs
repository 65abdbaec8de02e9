module.exports = { ...require('../../jest.preset.cjs'), displayName: 'market-data', rootDir: __dirname };
