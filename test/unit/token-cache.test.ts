// TokenCache: single-flight fetches, renewal before expiry, invalidation after a 401, retry after a failed fetch.
import { describe, expect, it } from 'vitest';
import { TokenCache, tokenAuth, type IssuedToken } from '../../src/auth/token-cache.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake provider: every fetch is recorded and answered by the test through its deferred. */
function fakeIssuer() {
  const calls: Array<Deferred<IssuedToken>> = [];
  const fetchToken = (): Promise<IssuedToken> => {
    const call = deferred<IssuedToken>();
    calls.push(call);
    return call.promise;
  };
  return { calls, fetchToken };
}

/** A fake provider that answers at once with token-1, token-2, ... each valid for one hour from `clock.now`. */
function countingIssuer(clock: { now: number }) {
  let count = 0;
  return {
    get count() {
      return count;
    },
    fetchToken: async (): Promise<IssuedToken> => {
      count += 1;
      return { accessToken: `token-${count}`, expiresAt: clock.now + 3_600_000 };
    },
  };
}

describe('TokenCache', () => {
  it('ten concurrent get() calls share exactly one fetch', async () => {
    const issuer = fakeIssuer();
    const cache = new TokenCache(issuer.fetchToken, () => 0);
    const waiting = Array.from({ length: 10 }, () => cache.get());
    expect(issuer.calls).toHaveLength(1);
    issuer.calls[0]?.resolve({ accessToken: 'token-1', expiresAt: 3_600_000 });
    expect(await Promise.all(waiting)).toEqual(Array(10).fill('token-1'));
    expect(issuer.calls).toHaveLength(1);
  });

  it('reuses the token until it comes within the skew of its expiry, then renews it', async () => {
    const clock = { now: 0 };
    const issuer = countingIssuer(clock);
    const cache = new TokenCache(issuer.fetchToken, () => clock.now, 60_000);
    expect(await cache.get()).toBe('token-1'); // expires at 3_600_000
    clock.now = 3_500_000; // 100 s before expiry: still fine
    expect(await cache.get()).toBe('token-1');
    expect(issuer.count).toBe(1);
    clock.now = 3_550_000; // 50 s before expiry: inside the 60 s skew
    expect(await cache.get()).toBe('token-2');
    expect(issuer.count).toBe(2);
    expect(await cache.get()).toBe('token-2');
    expect(issuer.count).toBe(2);
  });

  it('renews an already expired token', async () => {
    const clock = { now: 0 };
    const issuer = countingIssuer(clock);
    const cache = new TokenCache(issuer.fetchToken, () => clock.now);
    await cache.get();
    clock.now = 10_000_000;
    expect(await cache.get()).toBe('token-2');
  });

  it('invalidate(token) forces a new fetch', async () => {
    const clock = { now: 0 };
    const issuer = countingIssuer(clock);
    const cache = new TokenCache(issuer.fetchToken, () => clock.now);
    expect(await cache.get()).toBe('token-1');
    cache.invalidate('token-1');
    expect(await cache.get()).toBe('token-2');
    expect(issuer.count).toBe(2);
  });

  it('invalidating an older token keeps the newer one', async () => {
    const clock = { now: 0 };
    const issuer = countingIssuer(clock);
    const cache = new TokenCache(issuer.fetchToken, () => clock.now);
    await cache.get();
    cache.invalidate('token-1'); // request A got a 401
    expect(await cache.get()).toBe('token-2');
    cache.invalidate('token-1'); // request B, which also used token-1, reports its 401 late
    expect(await cache.get()).toBe('token-2');
    expect(issuer.count).toBe(2);
  });

  it('a failed fetch rejects every waiter, and the next get() tries again', async () => {
    const issuer = fakeIssuer();
    const cache = new TokenCache(issuer.fetchToken, () => 0);
    const waiting = Array.from({ length: 3 }, () => cache.get());
    issuer.calls[0]?.reject(new Error('Zoom rejected the app credentials'));
    const results = await Promise.allSettled(waiting);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results)
      expect((r as PromiseRejectedResult).reason).toEqual(new Error('Zoom rejected the app credentials'));

    const retry = cache.get();
    expect(issuer.calls).toHaveLength(2);
    issuer.calls[1]?.resolve({ accessToken: 'token-after-retry', expiresAt: 3_600_000 });
    expect(await retry).toBe('token-after-retry');
  });

  it('a failed renewal does not hand out the expired token', async () => {
    const clock = { now: 0 };
    const issuer = fakeIssuer();
    const cache = new TokenCache(issuer.fetchToken, () => clock.now);
    const first = cache.get();
    issuer.calls[0]?.resolve({ accessToken: 'old', expiresAt: 120_000 });
    expect(await first).toBe('old');
    clock.now = 100_000;
    const renewal = cache.get();
    issuer.calls[1]?.reject(new Error('network down'));
    await expect(renewal).rejects.toThrow('network down');
  });
});

describe('tokenAuth', () => {
  it('sends the cached token under its scheme and drops it when the provider refuses it', async () => {
    let n = 0;
    const cache = new TokenCache(async () => ({ accessToken: `t${++n}`, expiresAt: Number.MAX_SAFE_INTEGER }));
    const auth = tokenAuth(cache, 'Zoho-oauthtoken');
    expect(await auth.header()).toBe('Zoho-oauthtoken t1');
    auth.rejected('Bearer t1'); // another scheme's header is not ours to drop
    expect(await auth.header()).toBe('Zoho-oauthtoken t1');
    auth.rejected('Zoho-oauthtoken t1');
    expect(await auth.header()).toBe('Zoho-oauthtoken t2');
    expect(await tokenAuth(cache).header()).toBe('Bearer t2');
  });
});
