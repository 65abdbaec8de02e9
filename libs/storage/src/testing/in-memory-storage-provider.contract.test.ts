import { describeStorageProviderContract } from './contract';
import { InMemoryStorageProvider } from './in-memory-storage-provider';

describeStorageProviderContract('InMemoryStorageProvider (test fake)', async () => {
  const provider = new InMemoryStorageProvider();
  return { provider, tamper: async (key) => provider.corrupt(key, 10), dispose: async () => undefined };
});
