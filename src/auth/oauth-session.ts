// A provider session's access tokens from its OAuth client: from the stored refresh token (a rotated one saved before
// use) or from the app's own credentials, fetched one at a time (TokenCache) and each reported for `status`.
import type { AuthScheme } from '../http/client.js';
import type { TokenStore } from './sign-in.js';
import type { OAuthClient } from './oauth.js';
import type { TokenAnswer } from './oauth-spec.js';
import { rotatingRefresh } from './rotating-refresh.js';
import { issuedToken, reporting, TokenCache, tokenAuth, type IssuedToken } from './token-cache.js';

export interface SessionTokens {
  tokens: TokenCache;
  /** The Authorization header of API calls (the spec's scheme), renewed once after a 401. */
  auth: AuthScheme;
}

function session(ctx: TokenStore, client: OAuthClient<TokenAnswer>, fetch: () => Promise<IssuedToken>) {
  const tokens = new TokenCache(reporting(fetch, ctx.recordToken));
  return { tokens, auth: tokenAuth(tokens, client.spec.scheme) };
}

/**
 * Access tokens from the stored `refresh_token`. Where refresh tokens rotate, each new one is saved before its access
 * token is handed out, and a refused one is tried once more if another process saved a newer one (rotating-refresh.ts).
 * @param onAnswer sees each token answer first (Zoho's names the API host)
 */
export function refreshedTokens<A extends TokenAnswer>(
  ctx: TokenStore,
  client: OAuthClient<A>,
  onAnswer?: (answer: A) => void,
): SessionTokens {
  const refresh = async (refreshToken: string): Promise<A> => {
    const answer = await client.refresh(refreshToken);
    onAnswer?.(answer);
    return answer;
  };
  const { spec } = client;
  const fetch = spec.rotates
    ? rotatingRefresh({ ctx, provider: spec.provider, refresh, signInAgain: spec.signInAgain })
    : async () => issuedToken(await refresh(await ctx.secret('refresh_token')));
  return session(ctx, client, fetch);
}

/** Access tokens of the app itself (Zoom's Server-to-Server OAuth): the client-credentials grant, each time one is due. */
export function appTokens<A extends TokenAnswer>(
  ctx: TokenStore,
  client: OAuthClient<A>,
  params: Record<string, string>,
): SessionTokens {
  return session(ctx, client, async () => issuedToken(await client.clientCredentials(params)));
}
