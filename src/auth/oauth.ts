// The one OAuth 2.0 client of every provider: the code exchange of a browser sign-in (PKCE), refresh, client credentials
// and revocation (RFC 6749, 7636, 7009), driven by the provider's OAuthSpec. Requests go through http/client.ts, so they
// share its timeouts, its retry policy (per grant, from the spec), the --verbose trace, and msw in tests.
import { ProviderError } from '../errors.js';
import { createHttp } from '../http/client.js';
import { convertFailure } from '../http/failure.js';
import { registerSecret } from '../log.js';
import type { AuthorizedCode, BrowserLogin } from './sign-in.js';
import {
  refusalOf,
  type ClientSecret,
  type OAuthClientCredentials,
  type OAuthSpec,
  type TokenAnswer,
  type TokenGrant,
} from './oauth-spec.js';

export interface OAuthClient<A extends TokenAnswer> {
  readonly spec: OAuthSpec<A>;
  /** The browser sign-in (auth/browser-login.ts) at the spec's authorization endpoint; its code and verifier are secrets. */
  authorize(login: BrowserLogin, note?: string): Promise<AuthorizedCode>;
  /** Exchanges a sign-in's code (or a code made without redirect) for the first tokens, refresh token included. */
  exchangeCode(code: AuthorizedCode | { code: string }): Promise<A & { refresh_token: string }>;
  /** Spends (or uses) `refreshToken`; with a rotating spec the answer's refresh token replaces it (see oauth-session.ts). */
  refresh(refreshToken: string): Promise<A>;
  /** The app's own token: the spec's client-credentials grant with the provider's parameters. */
  clientCredentials(params: Record<string, string>): Promise<A>;
  /** Revokes `token` at the spec's revocation endpoint; a token the provider no longer knows counts as revoked. */
  revoke(token: string): Promise<'revoked'>;
  /** The Authorization header value of an API call made with `accessToken`. */
  header(accessToken: string): string;
}

const secretOf = async (secret: ClientSecret): Promise<string> => (typeof secret === 'string' ? secret : secret());

/** Adds the client's authentication to a token request: Basic, or the id (and secret) in the form. */
async function authenticate(
  client: OAuthClientCredentials,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<void> {
  if (client.auth === 'none') {
    form.set('client_id', client.id);
    return;
  }
  const secret = await secretOf(client.secret);
  if (client.auth === 'client_secret_basic') {
    headers.Authorization = `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`;
    if (client.idInForm) form.set('client_id', client.id);
    return;
  }
  form.set('client_id', client.id);
  form.set('client_secret', secret);
}

/** The grant's own parameters: in the form, or (Zoom's client credentials) in the query string. */
function grantParams(
  spec: OAuthSpec<TokenAnswer>,
  grant: TokenGrant,
): { form: URLSearchParams; query?: URLSearchParams } {
  switch (grant.kind) {
    case 'authorization_code':
      return {
        form: new URLSearchParams({
          grant_type: 'authorization_code',
          code: grant.code,
          redirect_uri: grant.redirectUri,
          code_verifier: grant.verifier,
        }),
      };
    case 'grant_code':
      return { form: new URLSearchParams({ grant_type: 'authorization_code', code: grant.code }) };
    case 'refresh_token':
      return { form: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken }) };
    case 'client_credentials': {
      const { grantType, paramsIn } = spec.clientCredentials ?? { grantType: 'client_credentials', paramsIn: 'form' };
      const params = new URLSearchParams({ grant_type: grantType, ...grant.params });
      return paramsIn === 'query' ? { form: new URLSearchParams(), query: params } : { form: params };
    }
  }
}

/**
 * A refresh of a rotating token that got no answer may have reached the provider and spent the stored token: say what
 * the next refusal would mean.
 */
function spentInFlight(spec: OAuthSpec<TokenAnswer>, converted: ProviderError): ProviderError | undefined {
  if (converted.code !== 'timeout' && converted.code !== 'network_error') return undefined;
  const { provider, signInAgain } = spec;
  return new ProviderError(
    provider,
    converted.code,
    `${converted.message} while renewing the ${provider} sign-in; if ${provider} received the request, it has already replaced the stored refresh token`,
    { hint: `retry; if ${provider} then refuses the refresh token, sign in again: ${signInAgain}` },
  );
}

const unreadableAnswer = (spec: OAuthSpec<TokenAnswer>): ProviderError =>
  new ProviderError(
    spec.provider,
    'provider_unavailable',
    `${spec.provider}'s token endpoint answered without an access token`,
    { hint: `retry in a few minutes; if it persists, check ${spec.serverEnv}` },
  );

const noRefreshToken = (spec: OAuthSpec<TokenAnswer>): ProviderError =>
  new ProviderError(spec.provider, 'auth_failed', `${spec.provider} signed you in but returned no refresh token`, {
    hint: `connect again: ${spec.signInAgain}`,
  });

/** The OAuth client for one provider's spec (and one client of it). */
export function createOAuthClient<A extends TokenAnswer>(spec: OAuthSpec<A>): OAuthClient<A> {
  async function tokenRequest(grant: TokenGrant): Promise<A> {
    const http = createHttp({
      prefixUrl: spec.server,
      timeoutMs: spec.timeoutMs,
      retryPost: spec.retry.includes(grant.kind),
    });
    const { form, query } = grantParams(spec, grant);
    const headers: Record<string, string> = {};
    await authenticate(spec.client, form, headers);
    let body: unknown;
    try {
      body = await http
        .post(spec.tokenPath, {
          ...(form.size > 0 ? { body: form } : {}),
          ...(query ? { searchParams: query } : {}),
          ...(Object.keys(headers).length > 0 ? { headers } : {}),
        })
        .json();
    } catch (error) {
      const { error: converted, body: errorBody } = await convertFailure(error, spec.failure);
      const refusal = { ...refusalOf(errorBody), status: converted.status, body: errorBody, converted };
      throw (
        spec.refused(refusal, grant) ??
        (spec.rotates && grant.kind === 'refresh_token' ? spentInFlight(spec, converted) : undefined) ??
        converted
      );
    }
    if (spec.refusalsIn200) {
      const refusal = refusalOf(body);
      const refused = refusal.error !== undefined ? spec.refused({ ...refusal, status: 200, body }, grant) : undefined;
      if (refused) throw refused;
    }
    const token = spec.answer.safeParse(body);
    if (!token.success) throw spec.unreadable?.(grant) ?? unreadableAnswer(spec);
    // Masked at once; a connection holds them while in use (connections/connections.ts), and lets them go when replaced.
    registerSecret(token.data.access_token);
    if (token.data.refresh_token) registerSecret(token.data.refresh_token);
    return token.data;
  }

  return {
    spec,

    async authorize(login, note) {
      if (!spec.authorize) throw new Error(`${spec.provider} has no browser sign-in`);
      const { authorizeUrl, scopes, extra, redirectHost } = spec.authorize;
      const authorized = await login.authorize({
        provider: spec.provider,
        authorizeUrl,
        clientId: spec.client.id,
        scopes,
        ...(extra ? { extra } : {}),
        ...(note ? { note } : {}),
        ...(redirectHost ? { redirectHost } : {}),
      });
      registerSecret(authorized.code);
      registerSecret(authorized.verifier);
      return authorized;
    },

    async exchangeCode(code) {
      const grant: TokenGrant =
        'verifier' in code
          ? { kind: 'authorization_code', code: code.code, redirectUri: code.redirectUri, verifier: code.verifier }
          : { kind: 'grant_code', code: code.code };
      const token = await tokenRequest(grant);
      if (!token.refresh_token) throw spec.noRefreshToken?.(grant) ?? noRefreshToken(spec);
      return { ...token, refresh_token: token.refresh_token };
    },

    refresh: (refreshToken) => tokenRequest({ kind: 'refresh_token', refreshToken }),

    clientCredentials: (params) => tokenRequest({ kind: 'client_credentials', params }),

    async revoke(token) {
      const revoke = spec.revoke;
      if (!revoke) throw new Error(`${spec.provider} offers no revocation`);
      const http = createHttp({ prefixUrl: spec.server, timeoutMs: spec.timeoutMs });
      const form = new URLSearchParams();
      if (revoke.clientAuth === 'client_secret_post') {
        form.set('client_id', spec.client.id);
        if (spec.client.auth !== 'none') form.set('client_secret', await secretOf(spec.client.secret));
      }
      if (revoke.tokenIn === 'form') form.set('token', token);
      try {
        await http.post(revoke.path, {
          ...(form.size > 0 ? { body: form } : {}),
          ...(revoke.tokenIn === 'query' ? { searchParams: { token } } : {}),
        });
      } catch (error) {
        const { error: converted, body } = await convertFailure(error, revoke.failure ?? spec.failure);
        if (revoke.alreadyRevoked({ ...refusalOf(body), status: converted.status, body, converted })) return 'revoked';
        throw converted;
      }
      return 'revoked';
    },

    header: (accessToken) => `${spec.scheme ?? 'Bearer'} ${accessToken}`,
  };
}
