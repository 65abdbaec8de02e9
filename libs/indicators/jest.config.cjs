module.exports = { ...require('../../jest.preset.cjs'), displayName: 'indicators', rootDir: __dirname };
