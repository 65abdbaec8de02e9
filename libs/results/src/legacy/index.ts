export * from './legacy-format';
export * from './legacy-mapping';
export * from './legacy-import';
