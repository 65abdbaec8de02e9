// Runs every project's tests in one Jest process tree (used by tools/test-all.sh for one summary).
module.exports = {
  projects: [
    '<rootDir>/libs/*/jest.config.cjs',
    '<rootDir>/apps/*/jest.config.cjs',
    '<rootDir>/tools/ops/jest.config.cjs',
    '<rootDir>/tools/smoke/jest.config.cjs',
    '<rootDir>/tests/resilience/jest.config.cjs',
    '<rootDir>/tools/docker-emulate/jest.config.cjs',
  ],
};
