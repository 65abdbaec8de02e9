module.exports = { ...require('../../jest.preset.cjs'), displayName: 'paper', rootDir: __dirname };
