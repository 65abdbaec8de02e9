module.exports = { ...require('../../jest.preset.cjs'), displayName: 'runs', rootDir: __dirname };
