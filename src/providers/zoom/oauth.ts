// Zoom's OAuth for the one client (auth/oauth.ts): a Server-to-Server app's account credentials (Basic client auth), or
// a General app's public client (authorization code + PKCE, rotating refresh tokens), and what each refusal means.
// https://developers.zoom.us/docs/internal-apps/s2s-oauth/ · https://developers.zoom.us/docs/integrations/PKCE/
import { createOAuthClient, type OAuthClient } from '../../auth/oauth.js';
import type { ClientSecret, Refusal, TokenGrant } from '../../auth/oauth-spec.js';
import { ProviderError } from '../../errors.js';
import { redact } from '../../log.js';
import { failure, reconnect, userFailure } from './failure.js';
import { describeZoomError, displayName, oauthError, userTokenResponse, type ZoomToken } from './wire.js';

const common = (oauthUrl: string, timeoutMs: number) =>
  ({
    provider: displayName,
    server: oauthUrl,
    tokenPath: 'oauth/token',
    timeoutMs,
    answer: userTokenResponse,
    serverEnv: 'ALSATALK_ZOOM_OAUTH_URL',
  }) as const;

/**
 * A Server-to-Server OAuth app: `account_credentials` for the account, in the query as Zoom documents it, with Basic
 * client auth; retried after a 5xx or a timeout, since a second token request spends nothing.
 */
export function appClient(
  oauthUrl: string,
  timeoutMs: number,
  clientId: string,
  secret: ClientSecret,
): OAuthClient<ZoomToken> {
  return createOAuthClient({
    ...common(oauthUrl, timeoutMs),
    client: { id: clientId, auth: 'client_secret_basic', secret },
    rotates: false,
    signInAgain: reconnect,
    retry: ['client_credentials'],
    clientCredentials: { grantType: 'account_credentials', paramsIn: 'query' },
    failure,
    // The token endpoint answers 400 or 401 for a wrong account id, client id or secret.
    refused: ({ status, converted }) =>
      converted && (status === 400 || status === 401)
        ? new ProviderError(displayName, 'auth_failed', `Zoom rejected the app credentials: ${converted.message}`, {
            hint: failure.reauthHint,
            status,
          })
        : undefined,
  });
}

/**
 * A General app's public client: `client_id` in the form, no Authorization header
 * (https://developers.zoom.us/docs/integrations/PKCE/). Zoom grants the scopes chosen on the app's Scopes page, so the
 * authorize request names none.
 */
export function publicClient(oauthUrl: string, timeoutMs: number, clientId: string): OAuthClient<ZoomToken> {
  return createOAuthClient({
    ...common(oauthUrl, timeoutMs),
    client: { id: clientId, auth: 'none' },
    authorize: { authorizeUrl: `${oauthUrl}/oauth/authorize`, scopes: [] },
    rotates: true,
    signInAgain: `${reconnect} --client-id ${clientId}`,
    // Retrying a refresh is safe: if Zoom never saw the first try the retry works; if it did, the token is spent either way.
    retry: ['refresh_token'],
    failure: userFailure,
    refused: (refusal, grant) => userRefusal(refusal, grant, clientId),
  });
}

/** A refused user-level grant is `auth_failed`, naming the likely cause. */
function userRefusal({ status, body }: Refusal, grant: TokenGrant, clientId: string): ProviderError | undefined {
  if (status !== 400 && status !== 401) return undefined;
  const refresh = grant.kind === 'refresh_token';
  const code = oauthError.safeParse(body).data?.error;
  const detail = redact(describeZoomError(body) ?? `HTTP ${status}`);
  if (refresh && code === 'invalid_grant') {
    return new ProviderError(
      displayName,
      'auth_failed',
      `Zoom refused the stored refresh token (${detail}): the app's access was removed, or an older refresh token was sent after Zoom had issued a newer one (another copy of alsatalk-mcp refreshed it, or Zoom's answer to an earlier refresh was lost)`,
      { hint: `sign in to Zoom again: ${reconnect} --client-id ${clientId}`, status },
    );
  }
  return new ProviderError(
    displayName,
    'auth_failed',
    `Zoom refused ${refresh ? 'the refresh token' : 'the sign-in'}: ${detail}`,
    {
      hint:
        code === 'invalid_client'
          ? `use the public client id from the app's App Credentials page ("Use Public Client OAuth" on), then connect again: ${reconnect} --client-id <public client id>`
          : `check that the General app has "Use Public Client OAuth" on and http://127.0.0.1/callback among its redirect URLs, then connect again: ${reconnect} --client-id <public client id>`,
      status,
    },
  );
}
