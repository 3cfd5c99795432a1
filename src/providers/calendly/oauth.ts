// Calendly's OAuth 2.1 for the one client (auth/oauth.ts): the sign-in (authorization code + PKCE), single-use refresh
// tokens, revocation, and what each refusal means.
// Token endpoint: https://developer.calendly.com/api-docs/calendly-o-auth/o-auth/post-oauth-refresh-token
// Rotation: https://developer.calendly.com/refresh-token-rotation-guide · Revoke: .../calendly-o-auth/o-auth/post-oauth-revoke
import { z } from 'zod';
import { createOAuthClient, type OAuthClient } from '../../auth/oauth.js';
import { tokenAnswer, type ClientSecret, type Refusal, type TokenGrant } from '../../auth/oauth-spec.js';
import { refreshedTokens, type SessionTokens } from '../../auth/oauth-session.js';
import { AppError, InputError, ProviderError } from '../../errors.js';
import { redact } from '../../log.js';
import { connectCommand, type ConnectorContext, type RevokeContext, type RevokeOutcome } from '../provider.js';
import type { SessionContext } from '../provider.js';
import { pacedTokens } from './limits.js';
import { calendlyScopes } from './manifest.js';
import { displayName } from './wire.js';

const reconnect = connectCommand('calendly');

/** The user's own OAuth app: a native app has no secret; a web app authenticates with one. */
export interface CalendlyClient {
  clientId: string;
  clientSecret?: ClientSecret | undefined;
}

/** Answer of POST /oauth/token (`owner` is the user's URI); every answer carries a new refresh token. */
const tokenResponse = tokenAnswer.extend({
  created_at: z.number().optional(),
  owner: z.string().optional(),
  organization: z.string().optional(),
});
export type CalendlyToken = z.infer<typeof tokenResponse>;

const signInAgain = (client: CalendlyClient): string =>
  `${reconnect} --client-id ${client.clientId}${client.clientSecret ? ' --client-secret-stdin' : ''}`;

const authBase = (ctx: ConnectorContext): string => ctx.endpoints.auth ?? 'https://auth.calendly.com';

/** The redirect URI to register, for hints: Calendly allows plain HTTP only to `localhost`, and only for Sandbox apps. */
const redirectHelp = (port = '<port>'): string =>
  `register http://localhost:${port}/callback as a redirect URI of a Sandbox Calendly OAuth app (developer.calendly.com → My Apps), then sign in with that port: ${reconnect} --client-id <id> --port ${port}. ` +
  'A Production app accepts only HTTPS redirect URIs, which a local sign-in cannot offer: use a Personal Access Token there (--token-stdin)';

/**
 * Web clients authenticate with Basic client_id:client_secret (and client_id in the form); native (public) clients send
 * client_id in the form. The browser sign-in is at `{auth}/oauth/authorize` on an `http://localhost:<port>/callback`
 * redirect: the only plain-HTTP redirect Calendly accepts ("For the Sandbox environment, we allow HTTP with localhost").
 */
function calendlyClient(ctx: ConnectorContext, client: CalendlyClient): OAuthClient<CalendlyToken> {
  const server = authBase(ctx);
  return createOAuthClient({
    provider: displayName,
    server,
    tokenPath: 'oauth/token',
    timeoutMs: ctx.timeoutMs,
    client: client.clientSecret
      ? { id: client.clientId, auth: 'client_secret_basic', secret: client.clientSecret, idInForm: true }
      : { id: client.clientId, auth: 'none' },
    authorize: { authorizeUrl: `${server}/oauth/authorize`, scopes: calendlyScopes, redirectHost: 'localhost' },
    rotates: true,
    signInAgain: signInAgain(client),
    // No automatic retry, not even for a refresh: Calendly spends the refresh token on receipt, and allows 8 token requests a minute.
    retry: [],
    answer: tokenResponse,
    failure: { provider: displayName, reauthHint: `sign in to Calendly again: ${signInAgain(client)}` },
    refused: (refusal, grant) => refused(refusal, grant, client),
    serverEnv: 'ALSATALK_CALENDLY_AUTH_URL',
    // POST /oauth/revoke takes the client's id and secret in the form; 400 invalid_request is its answer for an unknown token.
    revoke: {
      path: 'oauth/revoke',
      tokenIn: 'form',
      clientAuth: 'client_secret_post',
      alreadyRevoked: ({ status, error }) => status === 400 && error === 'invalid_request',
      failure: { provider: displayName, reauthHint: `remove the app in Calendly → Integrations & apps` },
    },
  });
}

/** A refusal is `auth_failed` with the likely cause. */
function refused(
  { error, error_description: description, status }: Refusal,
  grant: TokenGrant,
  client: CalendlyClient,
): ProviderError | undefined {
  if (error === undefined || (status !== 400 && status !== 401)) return undefined;
  const refresh = grant.kind === 'refresh_token';
  const detail = redact(`${description ?? error} (${error})`);
  if (error === 'invalid_client') {
    return new ProviderError(displayName, 'auth_failed', `Calendly does not know this OAuth client: ${detail}`, {
      hint: `copy the client id${client.clientSecret ? ' and secret' : ''} from the app's page at developer.calendly.com → My Apps (a native app has no secret; leave --client-secret-stdin out), then ${signInAgain(client)}`,
      status,
    });
  }
  if (refresh && error === 'invalid_grant') {
    return new ProviderError(
      displayName,
      'auth_failed',
      `Calendly refused the stored refresh token (${detail}): the app's access was removed, or the token was already used (Calendly's refresh tokens work once: another copy of alsatalk-mcp refreshed it, or Calendly's answer to an earlier refresh was lost)`,
      { hint: `sign in to Calendly again: ${signInAgain(client)}`, status },
    );
  }
  return new ProviderError(
    displayName,
    'auth_failed',
    `Calendly refused ${refresh ? 'the refresh token' : 'the sign-in'}: ${detail}`,
    {
      hint: refresh
        ? `sign in to Calendly again: ${signInAgain(client)}`
        : `${redirectHelp()}; then sign in within 10 minutes of approving`,
      status,
    },
  );
}

/**
 * The browser sign-in, on the redirect URI registered with `port`.
 * @returns the first token answer, with its refresh token
 */
export async function signIn(
  ctx: ConnectorContext,
  client: CalendlyClient,
  port: string | undefined,
): Promise<CalendlyToken & { refresh_token: string }> {
  if (!ctx.login) {
    throw new InputError(
      '--token-stdin',
      'a browser sign-in cannot run here',
      `run connect in a terminal to sign in with the browser, or use a Personal Access Token: ${reconnect} --token-stdin`,
    );
  }
  const oauth = calendlyClient(ctx, client);
  let authorized: Awaited<ReturnType<typeof oauth.authorize>>;
  try {
    authorized = await oauth.authorize(
      ctx.login,
      port
        ? `the Calendly app must list http://localhost:${port}/callback among its redirect URIs (a Sandbox app: Production apps accept only HTTPS).`
        : `Calendly accepts only a redirect URI registered for the app. Without --port the sign-in listens on a random port, which Calendly will refuse: ${redirectHelp()}.`,
    );
  } catch (error) {
    // Calendly shows its error page in the browser for an unregistered redirect URI and never calls back.
    if (error instanceof AppError && error.code === 'timeout') {
      throw new AppError('timeout', error.message, {
        hint: `if Calendly showed an error about the redirect URI: ${redirectHelp(port)}; otherwise ${error.hint ?? `connect again: ${reconnect}`}`,
        cause: error,
      });
    }
    throw error;
  }
  return oauth.exchangeCode(authorized);
}

/** Access tokens for a session, from the stored refresh token that every refresh replaces, paced (limits.ts). */
export function sessionTokens(ctx: SessionContext, clientId: string, hasSecret: boolean): SessionTokens {
  const clientSecret = hasSecret ? () => ctx.secret('client_secret') : undefined;
  return refreshedTokens(ctx, pacedTokens(calendlyClient(ctx, { clientId, clientSecret }), ctx));
}

/**
 * POST /oauth/revoke needs the client secret, so only a web app's grant can be revoked from here; a native app's is
 * removed in Calendly (Integrations & apps).
 */
export async function revokeGrant(ctx: RevokeContext, clientId: string): Promise<RevokeOutcome> {
  const [refreshToken, clientSecret] = [await ctx.secret('refresh_token'), await ctx.secret('client_secret')];
  if (!refreshToken) return 'nothing';
  if (!clientSecret) {
    throw new ProviderError(
      displayName,
      'permission_denied',
      'Calendly revokes a grant only for an app with a client secret, and this one is a native app',
    );
  }
  return calendlyClient(ctx, { clientId, clientSecret }).revoke(refreshToken);
}
