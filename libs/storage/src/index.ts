export * from './errors';
export * from './key';
export * from './provider';
export { sha256Hex } from './integrity';
export { LocalFsStorageProvider, DEFAULT_CONTENT_TYPE, type LocalFsStorageProviderOptions } from './local/local-fs-storage-provider';
