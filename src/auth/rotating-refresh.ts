// Access tokens from a stored refresh token that the provider replaces on every use (Zoom's public client, Calendly).
import { issuedToken, type IssuedToken } from './token-cache.js';
import { errorMessage, ProviderError } from '../errors.js';
import { redact } from '../log.js';
import type { TokenStore } from './sign-in.js';

/** One token answer: the access token, its lifetime, and the refresh token that replaces the one sent. */
export interface RefreshAnswer {
  access_token: string;
  expires_in: number;
  refresh_token?: string | undefined;
  scope?: string | undefined;
}

export interface RotatingRefreshOptions {
  ctx: TokenStore;
  /** Display name, for errors. */
  provider: string;
  /** Spends `refreshToken` at the token endpoint; a refused token is a ProviderError `auth_failed`. */
  refresh: (refreshToken: string) => Promise<RefreshAnswer>;
  /** What to do when the new refresh token cannot be kept (the command to sign in again). */
  signInAgain: string;
}

/**
 * The fetch behind a TokenCache (which makes concurrent callers share one refresh). The new refresh token is saved
 * before the access token is handed out, so a crash loses at most an access token, never the only live refresh token.
 */
export function rotatingRefresh(options: RotatingRefreshOptions): () => Promise<IssuedToken> {
  const { ctx, refresh } = options;
  return async () => {
    const sent = await ctx.secret('refresh_token');
    let answer: RefreshAnswer;
    try {
      answer = await refresh(sent);
    } catch (error) {
      // Another process sharing this keychain may have rotated the token meanwhile: one try with the newer one.
      const latest =
        error instanceof ProviderError && error.code === 'auth_failed' ? await ctx.secret('refresh_token') : sent;
      if (latest === sent) throw error;
      answer = await refresh(latest);
    }
    if (answer.refresh_token) {
      try {
        await ctx.saveSecret('refresh_token', answer.refresh_token);
      } catch (error) {
        throw new ProviderError(
          options.provider,
          'auth_failed',
          `${options.provider} issued a new refresh token (the stored one no longer works) but it could not be saved: ${redact(errorMessage(error))}`,
          {
            hint: `make the OS keychain writable, then sign in again: ${options.signInAgain}`,
            cause: error,
          },
        );
      }
    }
    return issuedToken(answer);
  };
}
