// The one OAuth client (src/auth/oauth.ts) driven by specs: client authentication, where grant parameters go, which
// grants are retried, refusals (in an error status or an HTTP 200), revocation, and a session's rotating refresh.
// msw plays an authorization server at the network edge.
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthClient } from '../../src/auth/oauth.js';
import { tokenAnswer, type OAuthSpec, type Refusal, type TokenGrant } from '../../src/auth/oauth-spec.js';
import { refreshedTokens } from '../../src/auth/oauth-session.js';
import { ProviderError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { SessionContext } from '../../src/providers/provider.js';

const server = 'https://auth.example.test';
const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
afterEach(() => msw.resetHandlers());
afterAll(() => msw.close());

/** A request as the token endpoint saw it. */
interface Seen {
  url: URL;
  authorization: string | null;
  form: URLSearchParams;
  body: string;
}

/** Answers POSTs to `path` with `answer` (one per call, the last repeated), recording each request. */
function endpoint(path: string, ...answers: Array<() => Response>): Seen[] {
  const seen: Seen[] = [];
  msw.use(
    http.post(`${server}/${path}`, async ({ request }) => {
      const body = await request.text();
      seen.push({
        url: new URL(request.url),
        authorization: request.headers.get('authorization'),
        form: new URLSearchParams(body),
        body,
      });
      const answer = answers[Math.min(seen.length, answers.length) - 1];
      return answer ? answer() : HttpResponse.json({}, { status: 500 });
    }),
  );
  return seen;
}

const issued =
  (extra: Record<string, unknown> = {}) =>
  () =>
    HttpResponse.json({ access_token: 'access-token-1', token_type: 'Bearer', expires_in: 3600, ...extra });

/** A spec with the generic defaults; each test overrides what it checks. */
function spec(overrides: Partial<OAuthSpec> = {}): OAuthSpec {
  return {
    provider: 'Example',
    server,
    tokenPath: 'oauth/token',
    timeoutMs: 5000,
    client: { id: 'client-1', auth: 'none' },
    rotates: false,
    signInAgain: 'npx alsatalk-mcp connect example',
    retry: [],
    answer: tokenAnswer,
    failure: { provider: 'Example', reauthHint: 'reconnect Example' },
    refused: () => undefined,
    serverEnv: 'ALSATALK_EXAMPLE_URL',
    ...overrides,
  };
}

describe('client authentication and grant parameters', () => {
  it('client_secret_basic sends Basic base64(id:secret), as Zoom and Calendly document it, and client_id in the form only when asked', async () => {
    const seen = endpoint('oauth/token', issued());
    const secret = 'sec-ret_with.chars~';
    await createOAuthClient(
      spec({ client: { id: 'id_1', auth: 'client_secret_basic', secret, idInForm: true } }),
    ).refresh('refresh-token-1');
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from(`id_1:${secret}`).toString('base64')}`);
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-token-1',
      client_id: 'id_1',
    });
  });

  it('client_secret_post reads a lazy secret when the request is made and sends it in the form', async () => {
    const seen = endpoint('oauth/token', issued());
    let reads = 0;
    const client = createOAuthClient(
      spec({ client: { id: 'c', auth: 'client_secret_post', secret: async () => `secret-${++reads}` } }),
    );
    expect(reads).toBe(0);
    await client.refresh('refresh-token-1');
    await client.refresh('refresh-token-1');
    expect(seen.map((s) => s.form.get('client_secret'))).toEqual(['secret-1', 'secret-2']);
    expect(seen[0]?.authorization).toBeNull();
  });

  it('a public client sends its id in the form, and a sign-in sends the code, redirect URI and PKCE verifier', async () => {
    const seen = endpoint('oauth/token', issued({ refresh_token: 'refresh-token-2' }));
    const token = await createOAuthClient(spec()).exchangeCode({
      code: 'code-123456',
      params: new URLSearchParams(),
      redirectUri: 'http://127.0.0.1:5555/callback',
      verifier: 'verifier-123456',
    });
    expect(token.refresh_token).toBe('refresh-token-2');
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      grant_type: 'authorization_code',
      code: 'code-123456',
      redirect_uri: 'http://127.0.0.1:5555/callback',
      code_verifier: 'verifier-123456',
      client_id: 'client-1',
    });
  });

  it("client credentials under the provider's grant name, in the query with no body (Zoom's account_credentials)", async () => {
    const seen = endpoint('oauth/token', issued());
    await createOAuthClient(
      spec({
        client: { id: 'c', auth: 'client_secret_basic', secret: 's' },
        clientCredentials: { grantType: 'account_credentials', paramsIn: 'query' },
      }),
    ).clientCredentials({ account_id: 'acct-1' });
    expect(Object.fromEntries(seen[0]?.url.searchParams ?? [])).toEqual({
      grant_type: 'account_credentials',
      account_id: 'acct-1',
    });
    expect(seen[0]?.body).toBe('');
  });

  it('the API header uses the spec scheme, Bearer by default', () => {
    expect(createOAuthClient(spec()).header('t')).toBe('Bearer t');
    expect(createOAuthClient(spec({ scheme: 'Zoho-oauthtoken' })).header('t')).toBe('Zoho-oauthtoken t');
  });
});

describe('retries follow the spec, per grant', () => {
  it('a refresh listed in `retry` is sent again after a 503', async () => {
    const seen = endpoint('oauth/token', () => HttpResponse.json({}, { status: 503 }), issued());
    await createOAuthClient(spec({ retry: ['refresh_token'] })).refresh('refresh-token-1');
    expect(seen).toHaveLength(2);
  });

  it('a grant not listed (Calendly: none) is sent once, and its failure is the generic conversion', async () => {
    const seen = endpoint('oauth/token', () => HttpResponse.json({}, { status: 503 }));
    const failed = await createOAuthClient(spec({ retry: [] }))
      .refresh('refresh-token-1')
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(failed).toBeInstanceOf(ProviderError);
    expect((failed as ProviderError).code).toBe('provider_unavailable');
  });

  it('a code exchange is never retried, even when refreshes are', async () => {
    const seen = endpoint('oauth/token', () => HttpResponse.json({}, { status: 503 }));
    await expect(createOAuthClient(spec({ retry: ['refresh_token'] })).exchangeCode({ code: 'c' })).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });
});

describe('refusals', () => {
  it('hands the §5.2 error, its status, body and conversion, with the grant, to the spec and throws its error', async () => {
    endpoint('oauth/token', () =>
      HttpResponse.json({ error: 'invalid_grant', error_description: 'Token expired' }, { status: 400 }),
    );
    const calls: Array<{ refusal: Refusal; grant: TokenGrant }> = [];
    const mapped = new ProviderError('Example', 'auth_failed', 'mapped');
    const failed = createOAuthClient(
      spec({
        refused: (refusal, grant) => {
          calls.push({ refusal, grant });
          return mapped;
        },
      }),
    ).refresh('refresh-token-1');
    await expect(failed).rejects.toBe(mapped);
    const [call] = calls;
    expect(call?.grant).toEqual({ kind: 'refresh_token', refreshToken: 'refresh-token-1' });
    expect(call?.refusal).toMatchObject({ error: 'invalid_grant', error_description: 'Token expired', status: 400 });
    expect(call?.refusal.converted?.message).toBe('Example answered HTTP 400');
  });

  it('reads a refusal inside an HTTP 200 only where the spec says so (Zoho)', async () => {
    endpoint('oauth/token', () => HttpResponse.json({ error: 'invalid_code' }));
    const refused = (refusal: Refusal) =>
      new ProviderError('Example', 'auth_failed', `refused ${refusal.error} with ${refusal.status}`);
    await expect(createOAuthClient(spec({ refusalsIn200: true, refused })).refresh('r')).rejects.toThrow(
      'refused invalid_code with 200',
    );
    await expect(createOAuthClient(spec({ refused })).refresh('r')).rejects.toThrow(
      "Example's token endpoint answered without an access token",
    );
  });

  it('an answer without an access token is provider_unavailable, naming the override to check', async () => {
    endpoint('oauth/token', () => HttpResponse.json({ token_type: 'Bearer' }));
    const failed = (await createOAuthClient(spec())
      .refresh('r')
      .catch((e: unknown) => e)) as ProviderError;
    expect(failed.code).toBe('provider_unavailable');
    expect(failed.hint).toBe('retry in a few minutes; if it persists, check ALSATALK_EXAMPLE_URL');
  });

  it('a code exchange without a refresh token fails, naming the sign-in again', async () => {
    endpoint('oauth/token', issued());
    await expect(createOAuthClient(spec()).exchangeCode({ code: 'c' })).rejects.toMatchObject({
      code: 'auth_failed',
      message: 'Example signed you in but returned no refresh token',
      hint: 'connect again: npx alsatalk-mcp connect example',
    });
  });

  it('a rotating refresh that got no answer says the stored token may be spent', async () => {
    endpoint('oauth/token', () => HttpResponse.error());
    const failed = (await createOAuthClient(spec({ rotates: true }))
      .refresh('r')
      .catch((e: unknown) => e)) as ProviderError;
    expect(failed.code).toBe('network_error');
    expect(failed.message).toMatch(
      /while renewing the Example sign-in; if Example received the request, it has already replaced the stored refresh token$/,
    );
    expect(failed.hint).toBe(
      'retry; if Example then refuses the refresh token, sign in again: npx alsatalk-mcp connect example',
    );
  });
});

describe('revocation', () => {
  it('RFC 7009: the token in the form, with the client id and secret when the spec says', async () => {
    const seen = endpoint('oauth/revoke', () => new HttpResponse(null, { status: 200 }));
    const client = createOAuthClient(
      spec({
        client: { id: 'c', auth: 'client_secret_basic', secret: 's' },
        revoke: {
          path: 'oauth/revoke',
          tokenIn: 'form',
          clientAuth: 'client_secret_post',
          alreadyRevoked: () => false,
        },
      }),
    );
    expect(await client.revoke('refresh-token-1')).toBe('revoked');
    expect(seen[0]?.body).toBe('client_id=c&client_secret=s&token=refresh-token-1');
    expect(seen[0]?.authorization).toBeNull();
  });

  it("the token in the query (Zoho), and the provider's already-revoked answer counts as revoked", async () => {
    const seen = endpoint('oauth/revoke', () => HttpResponse.json({ error: 'invalid_token' }, { status: 400 }));
    const revoke = { path: 'oauth/revoke', tokenIn: 'query' as const };
    const lenient = createOAuthClient(spec({ revoke: { ...revoke, alreadyRevoked: (r) => r.status === 400 } }));
    expect(await lenient.revoke('refresh-token-1')).toBe('revoked');
    expect(seen[0]?.url.searchParams.get('token')).toBe('refresh-token-1');
    expect(seen[0]?.body).toBe('');
    const strict = createOAuthClient(spec({ revoke: { ...revoke, alreadyRevoked: () => false } }));
    await expect(strict.revoke('refresh-token-1')).rejects.toMatchObject({ code: 'provider_rejected', status: 400 });
  });
});

/** A session context over an in-memory keychain. */
function session(stored: Record<string, string>) {
  const saved: string[] = [];
  const ctx: SessionContext = {
    endpoints: {},
    timeoutMs: 5000,
    log: createLogger('error', () => undefined),
    settings: {},
    secret: async (key) => stored[key] ?? '',
    saveSecret: async (key, value) => {
      saved.push(`${key}=${value}`);
      stored[key] = value;
    },
  };
  return { ctx, saved, stored };
}

describe('a session’s refreshed tokens', () => {
  it('saves a rotated refresh token before handing out its access token, and shares one refresh between callers', async () => {
    const seen = endpoint('oauth/token', issued({ refresh_token: 'refresh-token-2' }));
    const { ctx, saved } = session({ refresh_token: 'refresh-token-1' });
    const { tokens, auth } = refreshedTokens(ctx, createOAuthClient(spec({ rotates: true })));
    const [a, b] = await Promise.all([tokens.get(), tokens.get()]);
    expect([a, b]).toEqual(['access-token-1', 'access-token-1']);
    expect(seen).toHaveLength(1);
    expect(saved).toEqual(['refresh_token=refresh-token-2']);
    expect(await auth.header()).toBe('Bearer access-token-1');
  });

  it('tries once more with a newer refresh token that another process saved meanwhile', async () => {
    const { ctx, stored } = session({ refresh_token: 'refresh-token-old' });
    const seen = endpoint(
      'oauth/token',
      () => {
        stored.refresh_token = 'refresh-token-newer'; // Another copy refreshed while this request was on its way.
        return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      },
      issued({ refresh_token: 'refresh-token-3' }),
    );
    const refused = (r: Refusal) =>
      r.status === 400 ? new ProviderError('Example', 'auth_failed', 'spent') : undefined;
    const { tokens } = refreshedTokens(ctx, createOAuthClient(spec({ rotates: true, refused })));
    expect(await tokens.get()).toBe('access-token-1');
    expect(seen.map((s) => s.form.get('refresh_token'))).toEqual(['refresh-token-old', 'refresh-token-newer']);
    expect(stored.refresh_token).toBe('refresh-token-3');
  });

  it('keeps a refresh token that does not rotate, and lets the provider read each answer (Zoho’s api_domain)', async () => {
    endpoint('oauth/token', issued({ refresh_token: 'ignored-refresh-token' }));
    const { ctx, saved } = session({ refresh_token: 'refresh-token-1' });
    const answers: string[] = [];
    const { tokens } = refreshedTokens(ctx, createOAuthClient(spec()), (answer) => answers.push(answer.access_token));
    await tokens.get();
    expect(saved).toEqual([]);
    expect(answers).toEqual(['access-token-1']);
  });
});
