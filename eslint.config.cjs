// Lint: hygiene for all code, and the layer rules of ARCHITECTURE.md as errors.
// Domain libs (type:domain) may import only domain libs and no I/O module; adapters may not
// import apps; the application layer (type:application, libs/runs) imports domain and adapters
// and is imported only by apps and tools; apps wire everything.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const ioModules = [
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'tls', 'child_process', 'cluster',
  'readline', 'v8', 'vm', 'inspector',
  'pg', 'typeorm', 'bullmq', 'redis', 'ioredis', '@aws-sdk/*', 'apache-arrow', 'parquet-wasm', 'express',
  'pino', 'nodemailer', 'undici', 'axios', 'node-fetch',
];
const nodeIo = ['fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'dgram', 'dns', 'tls', 'child_process', 'cluster',
  'readline', 'v8', 'vm', 'inspector', 'os', 'worker_threads', 'path'];

module.exports = [
  { ignores: ['**/dist/**', 'apps/cli/.bundle/**', '**/node_modules/**', '**/tmp/**', 'tools/bench/vendor/**', 'libs/report/src/generated/**', 'apps/console/static/**', '**/*.cjs', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: false,
        allow: [],
        depConstraints: [
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: ioModules },
          // The configuration module parses an env record it is given: no I/O, no other lib.
          { sourceTag: 'type:config', onlyDependOnLibsWithTags: [], bannedExternalImports: ioModules },
          { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:config'] },
          // The application layer (@coinhts/runs) builds on domain and adapters; only apps and tools import it.
          { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:config'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:config', 'type:application'] },
          { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:domain', 'type:adapter', 'type:config', 'type:application'] },
        ],
      }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Domain code: no I/O, no environment. Node built-ins are also banned by name here, because
    // `node:`-prefixed specifiers are not external packages for the Nx rule.
    files: ['libs/indicators/src/**/*.ts', 'libs/positions/src/**/*.ts', 'libs/engine/src/**/*.ts', 'libs/report/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'libs/engine/src/parallel/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeIo.flatMap((m) => [{ name: m, message: 'Domain libraries do no I/O (ARCHITECTURE.md).' }, { name: `node:${m}`, message: 'Domain libraries do no I/O (ARCHITECTURE.md).' }]),
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Configuration is passed in; only apps/*/src/config.ts reads process.env.' }],
    },
  },
  {
    // The configuration module takes the environment as an argument; it never reads it, and the
    // only node module it uses is path (string operations).
    files: ['libs/config/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeIo.filter((m) => m !== 'path').flatMap((m) => [{ name: m, message: 'The config module does no I/O.' }, { name: `node:${m}`, message: 'The config module does no I/O.' }]),
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The config module is given the environment; it never reads process.env.' }],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
