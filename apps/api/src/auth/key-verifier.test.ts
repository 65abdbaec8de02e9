import { CachedKeyVerifier, type ApiKeyLookup } from './key-verifier';

function fakeLookup(records: Record<string, { id: string; name: string; scopes: string[]; revokedAt: number | null }>) {
  const calls = { find: 0, touch: [] as string[] };
  const lookup: ApiKeyLookup = {
    findByKey: async (k) => {
      calls.find++;
      return records[k] ?? null;
    },
    touch: async (id) => {
      calls.touch.push(id);
    },
  };
  return { lookup, calls };
}

describe('CachedKeyVerifier', () => {
  it('caches answers for ttlMs, then asks again (a revocation takes effect after the TTL)', async () => {
    let now = 1_000;
    const rec = { id: 'k1', name: 'ci', scopes: ['read'], revokedAt: null as number | null };
    const { lookup, calls } = fakeLookup({ key1: rec });
    const v = new CachedKeyVerifier(lookup, { ttlMs: 500, now: () => now });
    expect(await v.verify('key1')).toEqual({ keyId: 'k1', name: 'ci', scopes: ['read'] });
    rec.revokedAt = 1_100;
    now = 1_400;
    expect(await v.verify('key1')).not.toBeNull();
    expect(calls.find).toBe(1);
    now = 1_501;
    expect(await v.verify('key1')).toBeNull();
    expect(calls.find).toBe(2);
  });

  it('caches unknown keys too, and records use at most once per touchEveryMs', async () => {
    let now = 0;
    const { lookup, calls } = fakeLookup({ a: { id: 'A', name: 'a', scopes: ['run'], revokedAt: null } });
    const v = new CachedKeyVerifier(lookup, { ttlMs: 10_000, touchEveryMs: 60_000, now: () => now });
    expect(await v.verify('nope')).toBeNull();
    expect(await v.verify('nope')).toBeNull();
    expect(calls.find).toBe(1);
    await v.verify('a');
    now = 30_000;
    await v.verify('a');
    now = 61_000;
    await v.verify('a');
    expect(calls.touch).toEqual(['A', 'A']);
  });

  it('with ttlMs 0 asks every time', async () => {
    const { lookup, calls } = fakeLookup({});
    const v = new CachedKeyVerifier(lookup, { ttlMs: 0 });
    await v.verify('x');
    await v.verify('x');
    expect(calls.find).toBe(2);
  });
});
