// Google's OAuth for the one client (auth/oauth.ts): a Desktop app client (id and secret in the form), the loopback
// sign-in with PKCE, refresh tokens that do not rotate, revocation, and what each refusal means.
// https://developers.google.com/identity/protocols/oauth2/native-app
import { z } from 'zod';
import { createOAuthClient, type OAuthClient } from '../../auth/oauth.js';
import { tokenAnswer, type ClientSecret, type Refusal, type TokenGrant } from '../../auth/oauth-spec.js';
import { InputError, ProviderError } from '../../errors.js';
import { redact } from '../../log.js';
import type { ConnectorContext } from '../provider.js';
import { failure, reconnect } from './failure.js';
import { describeGoogleError, displayName } from './wire.js';

/**
 * Answer of `POST https://oauth2.googleapis.com/token` (https://developers.google.com/identity/protocols/oauth2/native-app#offline).
 * A refresh answer's `refresh_token`, if any, is ignored: Google does not rotate refresh tokens. The sign-in's answer
 * carries one (asked for with access_type=offline); any other value there counts as none.
 */
const tokenResponse = tokenAnswer.extend({
  token_type: z.string(),
  refresh_token: z.string().optional().catch(undefined),
});
export type GoogleToken = z.infer<typeof tokenResponse>;

/** The scopes the browser sign-in asks for: events to book; calendar settings so connect can check Meet is allowed. */
const loginScopes = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.readonly',
];

/** What the token endpoint's `error` means for the user, and the fix. */
function tokenFailureHint(error: string | undefined): string {
  if (error === 'invalid_grant') {
    return (
      'the refresh token has expired or been revoked (an OAuth app whose consent screen is in "Testing" gets refresh tokens that expire after 7 days; ' +
      `set it "In production" to get lasting ones): create a new refresh token, then reconnect: ${reconnect}`
    );
  }
  if (error === 'unauthorized_client')
    return `the refresh token was issued to another OAuth client: use the client id and secret that created it, then reconnect: ${reconnect}`;
  if (error === 'invalid_client')
    return `check the OAuth client id and secret (Google Cloud console → APIs & Services → Credentials), then reconnect: ${reconnect}`;
  return failure.reauthHint;
}

/** invalid_grant is a 400, invalid_client a 401: both mean the credentials given no longer work. */
function refused({ status, error, body }: Refusal, grant: TokenGrant): ProviderError | undefined {
  if (status !== 400 && status !== 401) return undefined;
  const what =
    error === 'invalid_client'
      ? 'the OAuth client'
      : grant.kind === 'refresh_token'
        ? 'the refresh token'
        : 'the sign-in';
  return new ProviderError(
    displayName,
    'auth_failed',
    `Google refused ${what}: ${redact(describeGoogleError(body) ?? `HTTP ${status}`)}`,
    { hint: tokenFailureHint(error), status },
  );
}

const noRefreshToken = (): ProviderError =>
  new ProviderError(displayName, 'auth_failed', 'Google signed you in but returned no refresh token', {
    hint: `remove the app's access at https://myaccount.google.com/permissions, then connect again: ${reconnect}`,
  });

/** The OAuth client (a Desktop app: its secret is sent in the form, as Google's installed-app flow does). */
export function googleClient(ctx: ConnectorContext, clientId: string, secret: ClientSecret): OAuthClient<GoogleToken> {
  const endpoints = ctx.endpoints as { auth: string; token: string };
  return createOAuthClient({
    provider: displayName,
    server: endpoints.token,
    tokenPath: 'token',
    timeoutMs: ctx.timeoutMs,
    client: { id: clientId, auth: 'client_secret_post', secret },
    // offline: a refresh token; consent: a new one even when this client was approved before.
    authorize: {
      authorizeUrl: endpoints.auth,
      scopes: loginScopes,
      extra: { access_type: 'offline', prompt: 'consent' },
    },
    rotates: false,
    signInAgain: reconnect,
    retry: ['refresh_token'],
    answer: tokenResponse,
    failure,
    refused,
    unreadable: (grant) => (grant.kind === 'refresh_token' ? undefined : noRefreshToken()),
    noRefreshToken,
    serverEnv: 'ALSATALK_GOOGLE_TOKEN_URL',
    // https://developers.google.com/identity/protocols/oauth2/native-app#tokenrevoke: the token alone; 200, or 400
    // invalid_token when it is already gone.
    revoke: {
      path: 'revoke',
      tokenIn: 'form',
      alreadyRevoked: ({ status, error }) => status === 400 && error === 'invalid_token',
    },
  });
}

/**
 * Runs the browser sign-in (authorization code + PKCE on a loopback redirect) and returns the refresh token.
 * https://developers.google.com/identity/protocols/oauth2/native-app
 */
export async function signIn(ctx: ConnectorContext, client: OAuthClient<GoogleToken>): Promise<string> {
  if (!ctx.login) {
    throw new InputError(
      '--refresh-token-stdin',
      'a refresh token is needed when no browser sign-in can run here',
      'pipe one in, or run connect in a terminal to sign in with the browser',
    );
  }
  return (await client.exchangeCode(await client.authorize(ctx.login))).refresh_token;
}
