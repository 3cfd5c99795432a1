// Zoho's OAuth for the one client (auth/oauth.ts): a client id and secret sent in the form, at the accounts server of
// the data centre that issued the grant; the browser sign-in with PKCE or a Self Client grant code; refusals that come
// inside an HTTP 200; refresh tokens that do not rotate; revocation with the token in the query string.
// https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token.html
import { z } from 'zod';
import { createOAuthClient, type OAuthClient } from '../../auth/oauth.js';
import { tokenAnswer, type ClientSecret, type Refusal, type TokenGrant } from '../../auth/oauth-spec.js';
import { ProviderError } from '../../errors.js';
import { redact } from '../../log.js';
import { failure, reconnect } from './failure.js';
import { apiConsole, consoleHelp, regions, zoho } from './manifest.js';
import { displayName } from './wire.js';

/** The one scope booking needs: create appointments in Zoho Bookings. */
export const bookingScope = 'zohobookings.data.CREATE';

/**
 * Answer of `POST {accounts}/oauth/v2/token`: `{access_token, refresh_token?, api_domain, token_type: "Bearer",
 * expires_in: 3600}`. A refresh does not return a new refresh token: Zoho does not rotate them.
 */
const tokenResponse = tokenAnswer.extend({ api_domain: z.url() });
export type ZohoToken = z.infer<typeof tokenResponse>;

const newGrantCode = `generate a new grant code in ${consoleHelp} → Generate Code (scope zohobookings.data.CREATE), or sign in with the browser instead (leave out --grant-code-stdin), then reconnect at once: ${reconnect}`;

/** Zoho matches the registered redirect URI exactly (https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html). */
export const registerRedirect = (port = '<port>') =>
  `in ${apiConsole} give the client (type "Server-based Applications") the Authorized Redirect URI http://127.0.0.1:${port}/callback, exactly, then sign in with that port: ${reconnect} --port ${port}`;

/**
 * What a refusal from the token endpoint means, and the fix. Refusals usually come in a 200
 * (`{"error":"invalid_code"}`); one with an error status below 500 means the same and gets the same fix.
 */
function refused(refusal: Refusal, grant: TokenGrant, server: string): ProviderError | undefined {
  const { error, error_description: description, status } = refusal;
  if (!error || status === undefined || status >= 500) return undefined;
  const reason = description ? `${description} (${error})` : error;
  const fail = (message: string, hint: string, code: 'auth_failed' | 'rate_limited' = 'auth_failed') =>
    new ProviderError(displayName, code, redact(message), { hint, status: 200 });
  const signIn = grant.kind === 'authorization_code';
  if (/too many requests/i.test(reason)) {
    return fail(
      `Zoho refused a token request: ${reason}`,
      'Zoho allows 10 access-token requests per 10 minutes: wait 10 minutes, then retry',
      'rate_limited',
    );
  }
  if (error === 'invalid_code' && signIn) {
    return fail(
      "Zoho refused the sign-in's authorization code (invalid_code): it was already used, expired (it lasts 2 minutes), or belongs to another data centre",
      `connect again and finish at once: ${reconnect}`,
    );
  }
  if (error === 'invalid_redirect_uri') {
    const port = signIn ? /:(\d+)\//.exec(grant.redirectUri)?.[1] : undefined;
    return fail(
      `Zoho refused the redirect URI${signIn ? ` ${grant.redirectUri}` : ''} (invalid_redirect_uri): it is not the one registered for this client`,
      registerRedirect(port),
    );
  }
  if (error === 'invalid_client' && signIn) {
    return fail(
      `the Zoho accounts server ${server} does not know this client id (invalid_client)`,
      `check --client-id; if the Zoho account lives in another data centre than the client, turn on Multi DC for the client in ${apiConsole} (Settings), or connect with --region ${regions.join('|')}: ${reconnect}`,
    );
  }
  if (error === 'invalid_code' && grant.kind === 'grant_code') {
    return fail(
      'Zoho refused the grant code (invalid_code): it was already used, has expired, or belongs to another data centre',
      `a grant code works once, for the 3 to 10 minutes chosen when it was made, at its own data centre (--region): ${newGrantCode}`,
    );
  }
  if (error === 'invalid_code') {
    return fail(
      'Zoho refused the refresh token (invalid_code): it was revoked, replaced as the oldest of more than 20, or belongs to another data centre',
      newGrantCode,
    );
  }
  if (error === 'invalid_client') {
    return fail(
      `the Zoho accounts server ${server} does not know this client id (invalid_client)`,
      `check --client-id, and connect at the data centre where the Self Client and the Bookings account live: --region ${regions.join('|')} (a client from another data centre is unknown here): ${reconnect}`,
    );
  }
  if (error === 'invalid_client_secret')
    return fail(
      'Zoho refused the client secret (invalid_client_secret)',
      `copy the client secret again from ${consoleHelp} → Client Secret, then reconnect: ${reconnect}`,
    );
  return fail(`Zoho refused the credentials: ${reason}`, failure.reauthHint);
}

/** A code exchange without refresh token: the sign-in's (no offline access granted) or a grant code's (not a Self Client). */
const noRefreshToken = (grant: TokenGrant): ProviderError =>
  grant.kind === 'authorization_code'
    ? new ProviderError(displayName, 'auth_failed', 'Zoho signed you in but returned no refresh token', {
        hint: `Zoho issues one only with access_type=offline and consent; remove alsatalk-mcp under Connected Apps in your Zoho account's settings, then connect again: ${reconnect}`,
      })
    : new ProviderError(displayName, 'auth_failed', 'Zoho exchanged the grant code but returned no refresh token', {
        hint: `make the code with a Self Client, which grants offline access: ${newGrantCode}`,
      });

/**
 * The OAuth client at the accounts server `server` (a grant lives at the data centre that issued it). The sign-in at
 * `{accounts}/oauth/v2/auth` sends PKCE, required of mobile/desktop clients and accepted from every client type
 * (https://www.zoho.com/accounts/protocol/oauth/mobile-and-desktop-apps/get-access-token.html).
 */
export function zohoClient(
  server: string,
  timeoutMs: number,
  clientId: string,
  secret: ClientSecret,
): OAuthClient<ZohoToken> {
  return createOAuthClient({
    provider: displayName,
    server,
    tokenPath: 'oauth/v2/token',
    timeoutMs,
    // Form fields in the body rather than the query string Zoho's examples use: secrets stay out of URLs and their logs.
    client: { id: clientId, auth: 'client_secret_post', secret },
    // offline: a refresh token; consent: a new one even when this client was approved before.
    authorize: {
      authorizeUrl: `${server.replace(/\/+$/, '')}/oauth/v2/auth`,
      scopes: [bookingScope],
      extra: { access_type: 'offline', prompt: 'consent' },
    },
    scheme: zoho.authScheme,
    rotates: false,
    signInAgain: reconnect,
    // A grant code works once: a retry after a lost answer could only fail, so only refreshes are retried.
    retry: ['refresh_token'],
    answer: tokenResponse,
    refusalsIn200: true,
    failure,
    refused: (refusal, grant) => refused(refusal, grant, server),
    unreadable: () =>
      new ProviderError(
        displayName,
        'provider_unavailable',
        `Zoho's token endpoint at ${server} answered without an access token and api_domain`,
        { hint: 'retry in a few minutes; if it persists, check --region (or ALSATALK_ZOHO_ACCOUNTS_URL)' },
      ),
    noRefreshToken,
    serverEnv: 'ALSATALK_ZOHO_ACCOUNTS_URL',
    // https://www.zoho.com/accounts/protocol/oauth/revoke-refresh-token.html: POST .../revoke?token=, answering
    // {"status":"success"}, or 400 for a token Zoho no longer knows (already revoked).
    revoke: { path: 'oauth/v2/token/revoke', tokenIn: 'query', alreadyRevoked: ({ status }) => status === 400 },
  });
}
