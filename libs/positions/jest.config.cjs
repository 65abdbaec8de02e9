module.exports = { ...require('../../jest.preset.cjs'), displayName: 'positions', rootDir: __dirname };
