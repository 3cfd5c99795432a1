// Calendly's OAuth 2.1 server as documented: the authorize page, POST /oauth/token (web clients with Basic auth, native
// clients with client_id in the body; single-use refresh tokens) and POST /oauth/revoke.
// https://developer.calendly.com/api-docs/calendly-o-auth/ · https://developer.calendly.com/refresh-token-rotation-guide
import { createHash, randomBytes } from 'node:crypto';
import { http, type FakeRoute } from '../fake-http.js';
import type { Faults } from './fault.js';

/** RFC 6749 §5.2, the shape Calendly's auth server answers refusals with. */
const oauthError = (status: number, error: string, description: string) =>
  Response.json({ error, error_description: description }, { status });

export function createCalendlyOAuth(
  authBase: string,
  owner: { user: () => string; organization: () => string },
  faults: Faults,
  /** Calendly's 8 token requests a minute, when the fake enforces it (calendly-limits.ts): a 429, else undefined. */
  overLimit: () => Response | undefined = () => undefined,
) {
  const oauth = {
    /** A native app has no secret and sends client_id in the body; a web app authenticates with Basic. */
    client: { id: 'cal-client-8f3a2b1c', secret: 'cal-secret-4d5e6f7a8b9c', kind: 'native' as 'native' | 'web' },
    /** The app's registered redirect URIs; undefined accepts any http://localhost:<port>/callback (a Sandbox app). */
    registeredRedirectUris: undefined as string[] | undefined,
    /** What the person does on the consent page. */
    consent: 'approve' as 'approve' | 'deny',
    tokenTtlSeconds: 7200,
    scope:
      'users:read event_types:read availability:read scheduled_events:read scheduled_events:write scheduling_links:write',
    codes: new Map<string, { challenge: string; redirectUri: string; used: boolean }>(),
    /** Refresh tokens that still work once; each is removed on use (rotation). */
    liveRefreshTokens: new Set<string>(),
    issuedRefreshTokens: [] as string[],
    accessTokens: new Map<string, number>(),
    authorizeRequests: [] as URLSearchParams[],
    /** Each token request's grant type, in order. */
    tokenRequests: [] as string[],
    revokeRequests: [] as string[],
    /** Refreshes whose answer is lost on the way back (the connection drops) after Calendly spent the token. */
    loseRefreshAnswers: 0,
  };

  const issue = () => {
    const accessToken = `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.at`;
    const refreshToken = randomBytes(32).toString('hex');
    oauth.accessTokens.set(accessToken, Date.now() + oauth.tokenTtlSeconds * 1000);
    oauth.liveRefreshTokens.add(refreshToken);
    oauth.issuedRefreshTokens.push(refreshToken);
    return Response.json({
      token_type: 'Bearer',
      access_token: accessToken,
      refresh_token: refreshToken,
      scope: oauth.scope,
      created_at: Math.floor(Date.now() / 1000),
      expires_in: oauth.tokenTtlSeconds,
      owner: owner.user(),
      organization: owner.organization(),
    });
  };

  /** Web clients: Basic client_id:client_secret; native clients: client_id in the body and no secret. */
  const clientRefusal = (request: Request, form: URLSearchParams): Response | undefined => {
    const basic = /^Basic (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString().split(':')
      : [form.get('client_id'), form.get('client_secret')];
    const unknown = () =>
      oauthError(
        401,
        'invalid_client',
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
      );
    if (id !== oauth.client.id) return unknown();
    if (oauth.client.kind === 'web' && secret !== oauth.client.secret) return unknown();
    return undefined;
  };

  const routes: FakeRoute[] = [
    // The consent page approves (or denies) at once and redirects, as a person would; a wrong client or redirect URI
    // gets Calendly's error page and no redirect.
    http.get(`${authBase}/oauth/authorize`, ({ request }) => {
      const query = new URL(request.url).searchParams;
      oauth.authorizeRequests.push(query);
      const redirectUri = query.get('redirect_uri') ?? '';
      if (query.get('client_id') !== oauth.client.id)
        return new Response('<h1>Client authentication failed due to unknown client.</h1>', {
          status: 401,
          headers: { 'Content-Type': 'text/html' },
        });
      const registered = oauth.registeredRedirectUris
        ? oauth.registeredRedirectUris.includes(redirectUri)
        : /^http:\/\/localhost:\d+\/callback$/.test(redirectUri);
      if (!registered)
        return new Response('<h1>The redirect uri included is not valid.</h1>', {
          status: 400,
          headers: { 'Content-Type': 'text/html' },
        });
      const back = new URL(redirectUri);
      back.searchParams.set('state', query.get('state') ?? '');
      if (
        query.get('response_type') !== 'code' ||
        query.get('code_challenge_method') !== 'S256' ||
        !query.get('code_challenge')
      ) {
        back.searchParams.set('error', 'invalid_request');
      } else if (oauth.consent === 'deny') {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
      } else {
        const code = randomBytes(32).toString('hex');
        oauth.codes.set(code, { challenge: query.get('code_challenge') ?? '', redirectUri, used: false });
        back.searchParams.set('code', code);
      }
      return new Response(null, { status: 302, headers: { Location: back.toString() } });
    }),

    http.post(`${authBase}/oauth/token`, async ({ request }) => {
      const fault = await faults.take('token');
      if (fault) return fault;
      const limited = overLimit();
      if (limited) return limited;
      if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded'))
        return oauthError(400, 'invalid_request', 'The request is missing a required parameter.');
      const form = new URLSearchParams(await request.text());
      oauth.tokenRequests.push(form.get('grant_type') ?? '');
      const refused = clientRefusal(request, form);
      if (refused) return refused;
      if (form.get('grant_type') === 'authorization_code') {
        const issued = oauth.codes.get(form.get('code') ?? '');
        const invalidGrant = () =>
          oauthError(
            400,
            'invalid_grant',
            'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
          );
        if (!issued || issued.used || form.get('redirect_uri') !== issued.redirectUri) return invalidGrant();
        issued.used = true;
        if (
          createHash('sha256')
            .update(form.get('code_verifier') ?? '')
            .digest('base64url') !== issued.challenge
        )
          return invalidGrant();
        return issue();
      }
      if (form.get('grant_type') === 'refresh_token') {
        // Single use: a refresh token is revoked as soon as it is spent, and reusing it fails.
        if (!oauth.liveRefreshTokens.delete(form.get('refresh_token') ?? '')) {
          return oauthError(
            400,
            'invalid_grant',
            'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
          );
        }
        const answer = issue();
        if (oauth.loseRefreshAnswers > 0) {
          oauth.loseRefreshAnswers -= 1;
          return Response.error();
        }
        return answer;
      }
      return oauthError(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
    }),

    // Documented with client_id, client_secret and token in the form; 400 invalid_request for anything wrong.
    http.post(`${authBase}/oauth/revoke`, async ({ request }) => {
      const fault = await faults.take('revoke');
      if (fault) return fault;
      const form = new URLSearchParams(await request.text());
      const token = form.get('token') ?? '';
      oauth.revokeRequests.push(token);
      if (form.get('client_id') !== oauth.client.id || form.get('client_secret') !== oauth.client.secret)
        return oauthError(403, 'unauthorized_client', 'You are not authorized to revoke this token');
      if (oauth.liveRefreshTokens.delete(token)) {
        oauth.accessTokens.clear();
        return Response.json({});
      }
      if (oauth.accessTokens.delete(token)) return Response.json({});
      return oauthError(
        400,
        'invalid_request',
        'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
      );
    }),
  ];

  /** Whether a bearer token is an access token this server issued and that has not expired. */
  const accepts = (token: string): boolean => (oauth.accessTokens.get(token) ?? 0) > Date.now();
  return { oauth, routes, accepts };
}
