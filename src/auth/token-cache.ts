// One access token per connection, shared by every concurrent booking: fetched once (single flight), reused until expiry.
import type { AuthScheme } from '../http/client.js';

export interface IssuedToken {
  accessToken: string;
  /** Epoch milliseconds after which the provider no longer accepts the token. */
  expiresAt: number;
  /** The scopes granted with it, when the provider says (OAuth's space-separated `scope`). */
  scopes?: string[] | undefined;
}

/** OAuth's `scope` string (space-separated; Zoho and some others use commas) as a list. */
export const parseScopes = (scope: string | undefined): string[] | undefined =>
  scope === undefined ? undefined : scope.split(/[\s,]+/).filter(Boolean);

/** An OAuth token answer (RFC 6749 §5.1) as an issued token: its expiry counted from now, its scopes as a list. */
export const issuedToken = (answer: {
  access_token: string;
  expires_in: number;
  scope?: string | undefined;
}): IssuedToken => ({
  accessToken: answer.access_token,
  expiresAt: Date.now() + answer.expires_in * 1000,
  scopes: parseScopes(answer.scope),
});

/** Wraps a token fetch so that every token issued is also reported (to keep `status` current); reporting never fails it. */
export function reporting(
  fetchToken: () => Promise<IssuedToken>,
  report?: (token: IssuedToken) => void,
): () => Promise<IssuedToken> {
  if (!report) return fetchToken;
  return async () => {
    const token = await fetchToken();
    try {
      report(token);
    } catch {
      // A status line is not worth a failed booking.
    }
    return token;
  };
}

/** Caches a bearer token; concurrent callers share one in-flight fetch, and a rejected token is dropped once. */
export class TokenCache {
  #current: IssuedToken | undefined;
  #inFlight: Promise<IssuedToken> | undefined;

  /**
   * @param fetchToken asks the provider for a fresh token
   * @param skewMs renew this long before the stated expiry, so a token never dies mid-request
   */
  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
    private readonly skewMs = 60_000,
  ) {}

  async get(): Promise<string> {
    const current = this.#current;
    if (current && current.expiresAt - this.skewMs > this.now()) return current.accessToken;
    this.#inFlight ??= this.fetchToken()
      .then((token) => {
        this.#current = token;
        return token;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return (await this.#inFlight).accessToken;
  }

  /** Forgets `token` after the provider rejected it (401); a newer token fetched meanwhile is kept. */
  invalidate(token: string): void {
    if (this.#current?.accessToken === token) this.#current = undefined;
  }
}

/**
 * The Authorization header for a cached token (`Bearer` unless the provider names its own scheme, as Zoho does),
 * dropping the token from the cache when the provider refuses it.
 */
export function tokenAuth(tokens: TokenCache, scheme = 'Bearer'): AuthScheme {
  const prefix = `${scheme} `;
  return {
    header: async () => `${prefix}${await tokens.get()}`,
    rejected: (header) => {
      if (header.startsWith(prefix)) tokens.invalidate(header.slice(prefix.length));
    },
  };
}
