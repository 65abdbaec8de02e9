// hyparquet (the independent Parquet reader used by cross-check tests) ships ESM only, so it is
// transformed like our sources; everything else in node_modules is left alone.
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'storage',
  rootDir: __dirname,
  transformIgnorePatterns: ['/node_modules/(?!hyparquet/)'],
};
