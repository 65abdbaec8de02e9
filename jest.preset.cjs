// Shared Jest settings: SWC transpiles TypeScript (type checking is the `typecheck` target),
// and workspace imports resolve to library sources so tests never need a build first.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)s$': [require.resolve('@swc/jest'), {
      jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022',
        transform: { legacyDecorator: true, decoratorMetadata: true } },
      module: { type: 'commonjs' },
    }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@coinhts/engine/(testing|parallel)$': path.join(root, 'libs/engine/src/$1/index.ts'),
    '^@coinhts/(runs|storage)/testing$': path.join(root, 'libs/$1/src/testing/index.ts'),
    '^@coinhts/results/model$': path.join(root, 'libs/results/src/model.ts'),
    '^@coinhts/market-data/testing$': path.join(root, 'libs/market-data/src/testing/index.ts'),
    '^@coinhts/([a-z-]+)$': path.join(root, 'libs/$1/src/index.ts'),
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
