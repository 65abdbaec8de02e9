/**
 * Test support of `@coinhts/storage` (the `./testing` entry point): the provider contract suite,
 * an in-memory provider, and a throwaway S3 bucket for integration tests.
 */
export { describeStorageProviderContract, type StorageProviderContractHarness, type StorageProviderContractOptions } from './contract';
export { InMemoryStorageProvider } from './in-memory-storage-provider';
export { createS3TestBucket, s3TestConnection, type S3TestBucket, type S3TestConnection } from './s3-test-bucket';
export { sampleArchiveInput } from './sample-archive';
