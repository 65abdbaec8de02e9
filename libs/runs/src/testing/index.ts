/** Test support of `@coinhts/runs`: the RunIndex contract suite. */
export * from './run-index-contract';
export * from './pg-test-schema';
export * from './old-layouts';
