// What auth/ needs from the rest of the program, as auth/ defines it (the arrows point from providers to auth): the
// browser sign-in's request and answer, and where a session's secrets and renewed tokens are kept.
import type { IssuedToken } from './token-cache.js';

/** What a provider asks the browser sign-in for. */
export interface AuthorizeRequest {
  /** Display name, for what the person reads. */
  provider: string;
  authorizeUrl: string;
  clientId: string;
  scopes: readonly string[];
  /** Provider-specific parameters, e.g. Google's `access_type=offline`. */
  extra?: Record<string, string>;
  /** Something the person must know before signing in (Zoho: register the exact redirect URI). */
  note?: string;
  /** The redirect URI's host: 127.0.0.1 unless the provider takes an HTTP redirect only to `localhost` (Calendly). */
  redirectHost?: '127.0.0.1' | 'localhost';
}

/** The authorization code and what exchanging it needs (the same redirect URI and the PKCE verifier). */
export interface AuthorizedCode {
  code: string;
  /** Every callback parameter (Zoho adds `accounts-server`). */
  params: URLSearchParams;
  redirectUri: string;
  verifier: string;
}

/** The authorization-code flow with PKCE (S256) on a 127.0.0.1 loopback redirect. */
export interface BrowserLogin {
  authorize(request: AuthorizeRequest): Promise<AuthorizedCode>;
}

/** A session's secrets (SessionContext in providers/provider.ts satisfies it). */
export interface TokenStore {
  /** A stored secret; a missing one is a ProviderError `not_connected`. */
  secret(key: string): Promise<string>;
  /** Replaces a stored secret (a rotated refresh token) before the access token that came with it is used. */
  saveSecret(key: string, value: string): Promise<void>;
  /** Records each access token issued (its expiry and scopes, never the token) for `status`. */
  recordToken?: ((token: IssuedToken) => void) | undefined;
}
