// The Microsoft identity platform (v2.0) for the one OAuth client (auth/oauth.ts): a public client (a "Mobile and
// desktop applications" registration, no secret), the authorization code flow with PKCE on a localhost redirect, and
// refresh tokens that replace themselves at every use. Microsoft has no revocation endpoint for this flow.
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
import { createOAuthClient, type OAuthClient } from '../../auth/oauth.js';
import { tokenAnswer, type Refusal, type TokenAnswer, type TokenGrant } from '../../auth/oauth-spec.js';
import { InputError, ProviderError } from '../../errors.js';
import { redact } from '../../log.js';
import type { ConnectorContext } from '../provider.js';
import { failure, reconnect } from './failure.js';
import { describeMicrosoftError, displayName, graphScopes, identityCodes } from './wire.js';

/** `common`, `organizations`, `consumers`, or a tenant (a GUID or a domain such as contoso.onmicrosoft.com). */
export const tenantPattern =
  /^(common|organizations|consumers|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$/i;

/** The command that signs this app in again. */
const signInAgain = (clientId: string, tenant: string): string =>
  `${reconnect} --client-id ${clientId}${tenant !== 'common' ? ` --tenant ${tenant}` : ''}`;

/** What an AADSTS code means for the user (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes). */
function refusalHint(codes: number[], grant: TokenGrant, again: string, tenant: string): string {
  const has = (code: number) => codes.includes(code);
  if (has(700025))
    return `the app registration is not a public client: add the "Mobile and desktop applications" platform with the redirect URI http://localhost/callback, then ${again}`;
  if (has(700016))
    return `no app with this client id in the tenant "${tenant}": copy the Application (client) ID from the Microsoft Entra admin center, and give --tenant the app's tenant if it is single-tenant: ${again}`;
  if (has(50194))
    return `the app is single-tenant, so "common" cannot sign in to it: give its tenant id (Overview → Directory (tenant) ID): ${reconnect} --tenant <tenant id>`;
  if (has(9002332) || has(50020) || has(500208))
    return `this kind of account cannot sign in to the app through the tenant "${tenant}": use --tenant organizations for a work or school account, consumers for a personal one, or common for both: ${again}`;
  if (has(50011))
    return `add the redirect URI http://localhost/callback to the app's "Mobile and desktop applications" platform, then ${again}`;
  if (has(65001) || has(90094))
    return `an administrator must consent to the app's permissions (offline_access, Calendars.ReadWrite, User.Read) for your organisation, then ${again}`;
  if (grant.kind === 'refresh_token')
    return `the refresh token expired or was revoked (90 days unused, a password change, or the app's access removed): ${again}`;
  return `start the sign-in again: ${again}`;
}

/** Every 400 or 401 of the token endpoint means the sign-in or the refresh token no longer works. */
function refused({ status, body }: Refusal, grant: TokenGrant, clientId: string, tenant: string) {
  if (status !== 400 && status !== 401) return undefined;
  const again = signInAgain(clientId, tenant);
  return new ProviderError(
    displayName,
    'auth_failed',
    `Microsoft refused ${grant.kind === 'refresh_token' ? 'the refresh token' : 'the sign-in'}: ${redact(describeMicrosoftError(body) ?? `HTTP ${status}`)}`,
    { hint: refusalHint(identityCodes(body), grant, again, tenant), status },
  );
}

/** The public client of the app registration, against `tenant`'s endpoints. */
export function microsoftClient(ctx: ConnectorContext, clientId: string, tenant: string): OAuthClient<TokenAnswer> {
  const endpoints = ctx.endpoints as { login: string };
  const base = `${endpoints.login.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/oauth2/v2.0`;
  return createOAuthClient({
    provider: displayName,
    server: base,
    tokenPath: 'token',
    timeoutMs: ctx.timeoutMs,
    client: { id: clientId, auth: 'none' },
    // A localhost redirect URI matches whatever the port ("the port component … is ignored",
    // https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions); select_account lets a
    // person with several accounts choose the one whose calendar is booked.
    authorize: {
      authorizeUrl: `${base}/authorize`,
      scopes: graphScopes,
      redirectHost: 'localhost',
      extra: { prompt: 'select_account' },
    },
    rotates: true,
    signInAgain: signInAgain(clientId, tenant),
    // A refresh sent again is harmless: "the Microsoft identity platform doesn't revoke old refresh tokens when used".
    retry: ['refresh_token'],
    // `access_token`, `token_type` Bearer, `expires_in`, `scope`, and `refresh_token` (offline_access was asked for).
    answer: tokenAnswer,
    failure,
    refused: (refusal, grant) => refused(refusal, grant, clientId, tenant),
    serverEnv: 'ALSATALK_MICROSOFT_LOGIN_URL',
  });
}

/** Runs the browser sign-in (authorization code + PKCE on a localhost redirect): the first token answer. */
export async function signIn(ctx: ConnectorContext, client: OAuthClient<TokenAnswer>) {
  if (!ctx.login)
    throw new InputError(
      '--refresh-token-stdin',
      'a refresh token is needed when no browser sign-in can run here',
      'pipe one in, or run connect in a terminal to sign in with the browser',
    );
  return client.exchangeCode(await client.authorize(ctx.login));
}
