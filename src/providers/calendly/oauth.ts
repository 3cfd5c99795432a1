// Calendly's OAuth 2.1 sign-in (authorization code + PKCE) and its single-use refresh tokens.
// Token endpoint: https://developer.calendly.com/api-docs/calendly-o-auth/o-auth/post-oauth-refresh-token
// Rotation: https://developer.calendly.com/refresh-token-rotation-guide · Revoke: .../calendly-o-auth/o-auth/post-oauth-revoke
import { z } from 'zod';
import { rotatingRefresh } from '../../auth/rotating-refresh.js';
import type { IssuedToken } from '../../auth/token-cache.js';
import { AppError, InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { convertFailure } from '../../http/failure.js';
import { redact, registerSecret } from '../../log.js';
import {
  connectCommand,
  type ConnectorContext,
  type RevokeContext,
  type RevokeOutcome,
  type SessionContext,
} from '../provider.js';
import { displayName } from './wire.js';

const reconnect = connectCommand('calendly');

/** Every scope the booking flow uses (https://developer.calendly.com/docs/authentication/scopes). */
import { calendlyScopes } from './manifest.js';

export { calendlyScopes };

/** The user's own OAuth app: a native app has no secret; a web app authenticates with one. */
export interface CalendlyClient {
  clientId: string;
  clientSecret?: string | undefined;
}

/** Answer of POST /oauth/token (`owner` is the user's URI); every answer carries a new refresh token. */
const tokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  expires_in: z.number().positive(),
  created_at: z.number().optional(),
  owner: z.string().optional(),
  organization: z.string().optional(),
});
export type CalendlyToken = z.infer<typeof tokenAnswer>;

/** RFC 6749 §5.2 error body, as the token and revoke endpoints send it. */
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

const signInAgain = (client: CalendlyClient): string =>
  `${reconnect} --client-id ${client.clientId}${client.clientSecret ? ' --client-secret-stdin' : ''}`;

/** The redirect URI to register, for hints: Calendly allows plain HTTP only to `localhost`, and only for Sandbox apps. */
export const redirectHelp = (port = '<port>'): string =>
  `register http://localhost:${port}/callback as a redirect URI of a Sandbox Calendly OAuth app (developer.calendly.com → My Apps), then sign in with that port: ${reconnect} --client-id <id> --port ${port}. ` +
  'A Production app accepts only HTTPS redirect URIs, which a local sign-in cannot offer: use a Personal Access Token there (--token-stdin)';

/** Web clients authenticate with Basic client_id:client_secret; native (public) clients send client_id in the body. */
function clientAuth(client: CalendlyClient): { headers?: Record<string, string> } {
  return client.clientSecret
    ? {
        headers: {
          Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
        },
      }
    : {};
}

/**
 * POSTs a grant to `/oauth/token`. A refusal is `auth_failed` with the likely cause; a refresh that may have reached
 * Calendly but got no answer says so, since that spent the stored refresh token.
 */
export async function tokenRequest(
  authBase: string,
  timeoutMs: number,
  client: CalendlyClient,
  fields: Record<string, string>,
): Promise<CalendlyToken> {
  const refresh = fields.grant_type === 'refresh_token';
  // No automatic retry, not even for a refresh: Calendly spends the refresh token on receipt, and allows 8 token requests a minute.
  const http = createHttp({ prefixUrl: authBase, timeoutMs });
  let body: unknown;
  try {
    body = await http
      .post('oauth/token', {
        body: new URLSearchParams({ ...fields, client_id: client.clientId }),
        ...clientAuth(client),
      })
      .json();
  } catch (error) {
    const { error: converted, body: errorBody } = await convertFailure(error, {
      provider: displayName,
      reauthHint: `sign in to Calendly again: ${signInAgain(client)}`,
    });
    const refusal = oauthError.safeParse(errorBody).data;
    if (refusal && (converted.status === 400 || converted.status === 401)) {
      const detail = redact(`${refusal.error_description ?? refusal.error} (${refusal.error})`);
      if (refusal.error === 'invalid_client') {
        throw new ProviderError(displayName, 'auth_failed', `Calendly does not know this OAuth client: ${detail}`, {
          hint: `copy the client id${client.clientSecret ? ' and secret' : ''} from the app's page at developer.calendly.com → My Apps (a native app has no secret; leave --client-secret-stdin out), then ${signInAgain(client)}`,
          status: converted.status,
        });
      }
      if (refresh && refusal.error === 'invalid_grant') {
        throw new ProviderError(
          displayName,
          'auth_failed',
          `Calendly refused the stored refresh token (${detail}): the app's access was removed, or the token was already used (Calendly's refresh tokens work once: another copy of alsatalk-mcp refreshed it, or Calendly's answer to an earlier refresh was lost)`,
          {
            hint: `sign in to Calendly again: ${signInAgain(client)}`,
            status: converted.status,
          },
        );
      }
      throw new ProviderError(
        displayName,
        'auth_failed',
        `Calendly refused ${refresh ? 'the refresh token' : 'the sign-in'}: ${detail}`,
        {
          hint: refresh
            ? `sign in to Calendly again: ${signInAgain(client)}`
            : `${redirectHelp()}; then sign in within 10 minutes of approving`,
          status: converted.status,
        },
      );
    }
    if (refresh && (converted.code === 'timeout' || converted.code === 'network_error')) {
      throw new ProviderError(
        displayName,
        converted.code,
        `${converted.message} while renewing the Calendly sign-in; if Calendly received the request, it has already replaced the stored refresh token`,
        {
          hint: `retry; if Calendly then refuses the refresh token, sign in again: ${signInAgain(client)}`,
        },
      );
    }
    throw converted;
  }
  const token = tokenAnswer.safeParse(body);
  if (!token.success) {
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      "Calendly's token endpoint answered without an access token",
      { hint: 'retry in a few minutes; if it persists, check ALSATALK_CALENDLY_AUTH_URL' },
    );
  }
  registerSecret(token.data.access_token);
  if (token.data.refresh_token) registerSecret(token.data.refresh_token);
  return token.data;
}

/**
 * The browser sign-in at `{auth}/oauth/authorize` with PKCE, on an `http://localhost:<port>/callback` redirect: the only
 * plain-HTTP redirect Calendly accepts ("For the Sandbox environment, we allow HTTP with localhost domain").
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
  const authBase = ctx.endpoints.auth ?? 'https://auth.calendly.com';
  let authorized: Awaited<ReturnType<typeof ctx.login.authorize>>;
  try {
    authorized = await ctx.login.authorize({
      provider: displayName,
      authorizeUrl: `${authBase}/oauth/authorize`,
      clientId: client.clientId,
      scopes: calendlyScopes,
      redirectHost: 'localhost',
      note: port
        ? `the Calendly app must list http://localhost:${port}/callback among its redirect URIs (a Sandbox app: Production apps accept only HTTPS).`
        : `Calendly accepts only a redirect URI registered for the app. Without --port the sign-in listens on a random port, which Calendly will refuse: ${redirectHelp()}.`,
    });
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
  registerSecret(authorized.code);
  registerSecret(authorized.verifier);
  const token = await tokenRequest(authBase, ctx.timeoutMs, client, {
    grant_type: 'authorization_code',
    code: authorized.code,
    redirect_uri: authorized.redirectUri,
    code_verifier: authorized.verifier,
  });
  if (!token.refresh_token) {
    throw new ProviderError(displayName, 'auth_failed', 'Calendly signed you in but returned no refresh token', {
      hint: `connect again: ${signInAgain(client)}`,
    });
  }
  return { ...token, refresh_token: token.refresh_token };
}

/** Access tokens for a session, from the stored refresh token that every refresh replaces. */
export function sessionTokens(ctx: SessionContext, clientId: string, hasSecret: boolean): () => Promise<IssuedToken> {
  const authBase = ctx.endpoints.auth ?? 'https://auth.calendly.com';
  return rotatingRefresh({
    ctx,
    provider: displayName,
    refresh: async (refreshToken) => {
      const client = { clientId, clientSecret: hasSecret ? await ctx.secret('client_secret') : undefined };
      return tokenRequest(authBase, ctx.timeoutMs, client, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
    },
    signInAgain: signInAgain({ clientId, clientSecret: hasSecret ? 'x' : undefined }),
  });
}

/**
 * POST /oauth/revoke needs the client secret, so only a web app's grant can be revoked from here; a native app's is
 * removed in Calendly (Integrations & apps). 400 `invalid_request` is what Calendly answers for an unknown token.
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
  const http = createHttp({ prefixUrl: ctx.endpoints.auth ?? 'https://auth.calendly.com', timeoutMs: ctx.timeoutMs });
  try {
    await http.post('oauth/revoke', {
      body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, token: refreshToken }),
    });
  } catch (error) {
    const { error: converted, body } = await convertFailure(error, {
      provider: displayName,
      reauthHint: `remove the app in Calendly → Integrations & apps`,
    });
    if (converted.status === 400 && oauthError.safeParse(body).data?.error === 'invalid_request') return 'revoked';
    throw converted;
  }
  return 'revoked';
}
