// The Microsoft identity platform (v2.0) as the Microsoft fake plays it for a public (desktop) client: the authorize
// page, and the token endpoint's authorization_code (with PKCE) and refresh_token (rotating) grants, with Microsoft's
// error shapes and AADSTS codes.
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow ·
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { http, type FakeRoute } from '../fake-http.js';
import type { Fault, Faults } from './fault.js';

/** The consumer tenant's GUID, which "can be used instead" of `consumers` (v2-protocols-oidc). */
export const consumerTenantId = '9188040d-6c67-4c5b-b112-36a304b66dad';
const graphResource = 'https://graph.microsoft.com/';

export type AccountKind = 'work' | 'personal';
/** The app registration's supported account types (its manifest's `signInAudience`). */
export type SignInAudience = 'AzureADandPersonalMicrosoftAccount' | 'AzureADMultipleOrgs' | 'AzureADMyOrg';

export interface MicrosoftUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
}

/** An authorization code the authorize page issued, with what its redemption must match. */
export interface IssuedCode {
  tenant: string;
  redirectUri: string;
  challenge: string | undefined;
  method: string;
  /** The scopes granted (as the token answer spells them) and whether `offline_access` was asked. */
  scope: string;
  offline: boolean;
  issuedAt: number;
  used: boolean;
}

const newRefreshToken = () => `1.A${randomBytes(48).toString('base64url')}`;

/**
 * The identity side of the fake's state, with its defaults: the app registration (a "Mobile and desktop applications"
 * platform: a public client, no secret), who signs in, and the tokens issued. microsoft.ts spreads it into its state.
 */
export function identityState() {
  const state = {
    clientId: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842',
    tenantId: 'aaaabbbb-0000-cccc-1111-dddd2222eeee',
    signInAudience: 'AzureADandPersonalMicrosoftAccount' as SignInAudience,
    /** Registered redirect URIs; the port of a localhost one is ignored when matching. */
    redirectUris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
    /** Authorize asks for PKCE with S256 (Microsoft only recommends it); false takes what Microsoft takes. */
    requirePkce: true,
    /** Who signs in: a work or school account, or a personal Microsoft account. */
    accountKind: 'work' as AccountKind,
    user: {
      id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
      displayName: 'Megan Bowen',
      mail: 'meganb@contoso.test',
      userPrincipalName: 'meganb@contoso.test',
    } as MicrosoftUser,
    consent: 'approve' as 'approve' | 'deny',
    /** What the person grants when asked (of the scopes asked), spelled as the token answer spells it. */
    scope: 'openid profile email https://graph.microsoft.com/Calendars.ReadWrite https://graph.microsoft.com/User.Read',
    tokenTtlSeconds: 3599,
    /** Codes "typically expire after about 10 minutes". */
    codeTtlSeconds: 600,
    /** The one refresh token that works now (each refresh replaces it); one is issued at start, for tests. */
    refreshToken: newRefreshToken() as string | undefined,
    replacedRefreshTokens: new Set<string>(),
    /** Microsoft's documented behaviour: a replaced refresh token keeps working. The fake refuses it by default. */
    oldRefreshTokensWork: false,
    /** Refresh tokens the person revoked (removed the app's access). */
    revoked: new Set<string>(),
    /** Access tokens and when they expire (ms). */
    tokens: new Map<string, number>(),
    /** The scope each access or refresh token carries. */
    grants: new Map<string, string>(),
    codes: new Map<string, IssuedCode>(),
  };
  state.grants.set(state.refreshToken ?? '', state.scope);
  return state;
}

/** What the identity routes read and write of the fake's state. */
export type IdentityState = ReturnType<typeof identityState> & {
  faults: Faults;
  calls: { authorize: number; token: number };
  requests: { authorize: URLSearchParams[]; token: URLSearchParams[] };
};

/** A scope as Microsoft compares it: `User.Read` is `https://graph.microsoft.com/User.Read` (scopes-oidc), any case. */
export const scopeKey = (scope: string): string => {
  const lower = scope.toLowerCase();
  return lower.startsWith(graphResource) ? lower.slice(graphResource.length) : lower;
};

/** True when the space-separated `scope` holds one of `names`. */
export const hasScope = (scope: string, names: readonly string[]): boolean => {
  const held = new Set(scope.split(' ').filter(Boolean).map(scopeKey));
  return names.some((name) => held.has(scopeKey(name)));
};

const timestamp = () =>
  new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

/** The token endpoint's error body, as reference-error-codes shows it: the AADSTS code leads `error_description`. */
function identityErrorBody(error: string, code: number, text: string) {
  const [traceId, correlationId, at] = [randomUUID(), randomUUID(), timestamp()];
  return {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${at}`,
    error_codes: [code],
    timestamp: at,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

const identityError = (status: number, error: string, code: number, text: string) =>
  Response.json(identityErrorBody(error, code, text), { status });

/** A fault (for `state.faults.inject('token', ...)`) that answers with a token-endpoint error, e.g. temporarily_unavailable. */
export const identityFault = (error: string, code: number, text: string, status = 400): Fault => ({
  status,
  body: identityErrorBody(error, code, text),
});

/** The AADSTS texts the fake answers with: reference-error-codes' (placeholders filled); 70008's as real payloads word it. */
const texts = {
  missing: (name: string) => `The request body must contain the following parameter: '${name}'.`,
  tenant: (tenant: string) =>
    `Tenant '${tenant}' not found. The tenant name wasn't found in the data store. Check to make sure you have the correct tenant ID.`,
  client: (id: string) =>
    `Application with identifier '${id}' was not found in the directory. The application wasn't found in the directory/tenant.`,
  publicWithSecret: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
  malformed: 'Invalid request. Request is malformed or invalid.',
  redeemed:
    'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  verifier: "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.",
  expired:
    'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  revoked:
    'The provided grant has expired due to it being revoked, and a fresh auth token is needed. Either an admin or a user revoked the tokens for this user, causing subsequent token refreshes to fail and require reauthentication. Have the user sign in again.',
  accountType:
    "The domain is not a valid login domain for the account type. The user's account does not match the expected account type for the given tenant.",
};

export function createIdentity(state: IdentityState, loginBase: string) {
  /** `common` and `organizations` and `consumers` (or its GUID) and the app's own tenant: the documented values. */
  const knownTenant = (tenant: string) =>
    ['common', 'organizations', 'consumers', consumerTenantId, state.tenantId].includes(tenant);

  /** The sign-in service refuses the account for this tenant: AADSTS500208 (wrong account type) or AADSTS50020. */
  const accountRefusal = (tenant: string): { code: number; text: string } | undefined => {
    const personal = state.accountKind === 'personal';
    if (personal && tenant === 'organizations') return { code: 500208, text: texts.accountType };
    if (!personal && (tenant === 'consumers' || tenant === consumerTenantId))
      return { code: 500208, text: texts.accountType };
    if (personal && tenant === state.tenantId)
      return {
        code: 50020,
        text: `User account '${state.user.userPrincipalName}' from identity provider 'live.com' does not exist in tenant '${tenant}' and cannot access the application '${state.clientId}' in that tenant.`,
      };
    return undefined;
  };

  /** The app registration refuses the tenant: a single-tenant app on /common (AADSTS50194), an Entra-only app on /consumers (AADSTS9002332). */
  const audienceRefusal = (tenant: string): { code: number; text: string } | undefined => {
    if (state.signInAudience === 'AzureADMyOrg' && ['common', 'organizations'].includes(tenant))
      return {
        code: 50194,
        text: `Application '${state.clientId}' isn't configured as a multitenant application. Use a tenant-specific endpoint or configure the application to be multitenant.`,
      };
    if (
      state.signInAudience !== 'AzureADandPersonalMicrosoftAccount' &&
      [`consumers`, consumerTenantId].includes(tenant)
    )
      return {
        code: 9002332,
        text: `Application '${state.clientId}' is configured for use by Microsoft Entra users only. Please do not use the /consumers endpoint to serve this request.`,
      };
    return undefined;
  };

  /** Registered when equal to one of `redirectUris` with the port dropped, which Microsoft ignores for localhost (reply-url#localhost-exceptions). */
  const registered = (uri: string): boolean => {
    const portless = (value: string) => {
      try {
        const url = new URL(value);
        if (url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname)) url.port = '';
        return url.toString();
      } catch {
        return undefined;
      }
    };
    const wanted = portless(uri);
    return wanted !== undefined && state.redirectUris.some((r) => portless(r) === wanted);
  };

  /** The scopes the person grants from those asked: the asked ones that `state.scope` holds, spelled as it spells them. */
  const grantFor = (asked: string[]) => {
    const keys = new Set(asked.map(scopeKey));
    return {
      scope: state.scope
        .split(' ')
        .filter((s) => s && keys.has(scopeKey(s)))
        .join(' '),
      offline: keys.has('offline_access'),
    };
  };

  /** An unsigned ID token: Microsoft's v2.0 claims that name the account (id-tokens). */
  const idToken = () => {
    const tid = state.accountKind === 'personal' ? consumerTenantId : state.tenantId;
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ typ: 'JWT', alg: 'none' })}.${part({
      aud: state.clientId,
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: state.user.displayName,
      oid: state.user.id,
      preferred_username: state.user.userPrincipalName,
      ...(state.user.mail ? { email: state.user.mail } : {}),
      sub: createHash('sha256').update(`${state.user.id}${state.clientId}`).digest('base64url'),
      tid,
      ver: '2.0',
    })}.`;
  };

  /** An access token valid for `tokenTtlSeconds` with `scope`; the fake's Graph routes accept it. */
  const accessToken = (scope = state.scope): string => {
    const token = `eyJ0eXAiOiJKV1QiLCJub25jZSI6.${randomBytes(48).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    state.tokens.set(token, Date.now() + state.tokenTtlSeconds * 1000);
    state.grants.set(token, scope);
    return token;
  };

  /** The token answer; a refresh token only when `offline_access` was asked, replacing the one before (rotation). */
  const issue = (grant: { scope: string; offline: boolean }) => {
    let refreshToken: string | undefined;
    if (grant.offline) {
      if (state.refreshToken) state.replacedRefreshTokens.add(state.refreshToken);
      refreshToken = newRefreshToken();
      state.refreshToken = refreshToken;
      state.grants.set(refreshToken, grant.scope);
    }
    return Response.json({
      token_type: 'Bearer',
      scope: grant.scope,
      expires_in: state.tokenTtlSeconds,
      ext_expires_in: state.tokenTtlSeconds,
      access_token: accessToken(grant.scope),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(hasScope(grant.scope, ['openid']) ? { id_token: idToken() } : {}),
    });
  };

  /** The user removed the app's access (My Apps, account.live.com/consent): its refresh tokens stop working. */
  const revoke = (): void => {
    if (state.refreshToken) state.revoked.add(state.refreshToken);
    for (const token of state.replacedRefreshTokens) state.revoked.add(token);
  };

  /** A refresh-grant `scope` may only ask for what was consented ("equivalent to or a subset"); else AADSTS65001. */
  const beyondGrant = (form: URLSearchParams, granted: string): Response | undefined => {
    const asked = (form.get('scope') ?? '').split(' ').filter((s) => s && scopeKey(s) !== 'offline_access');
    if (asked.every((s) => hasScope(granted, [s]))) return undefined;
    return identityError(
      400,
      'invalid_grant',
      65001,
      `The user or administrator hasn't consented to use the application with ID '${state.clientId}'. Send an interactive authorization request for this user and resource.`,
    );
  };

  const redeemCode = (form: URLSearchParams, tenant: string): Response => {
    const code = form.get('code');
    if (!code) return identityError(400, 'invalid_request', 900144, texts.missing('code'));
    const issued = state.codes.get(code);
    if (!issued) return identityError(400, 'invalid_grant', 9002313, texts.malformed);
    if (issued.used) return identityError(400, 'invalid_grant', 54005, texts.redeemed);
    issued.used = true;
    if (Date.now() - issued.issuedAt > state.codeTtlSeconds * 1000)
      return identityError(400, 'invalid_grant', 70008, texts.expired);
    if (issued.tenant !== tenant)
      return identityError(
        400,
        'invalid_grant',
        700005,
        'Provided Authorization Code is intended to use against other tenant, thus rejected.',
      );
    if (form.get('redirect_uri') !== issued.redirectUri)
      return identityError(
        400,
        'invalid_grant',
        50011,
        `The redirect URI '${form.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI used to acquire the authorization code.`,
      );
    if (issued.challenge !== undefined) {
      const verifier = form.get('code_verifier');
      if (!verifier) return identityError(400, 'invalid_request', 900144, texts.missing('code_verifier'));
      const expected = issued.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (expected !== issued.challenge) return identityError(400, 'invalid_grant', 501481, texts.verifier);
    }
    return beyondGrant(form, issued.scope) ?? issue(issued);
  };

  const redeemRefreshToken = (form: URLSearchParams, tenant: string): Response => {
    const sent = form.get('refresh_token');
    if (!sent) return identityError(400, 'invalid_request', 900144, texts.missing('refresh_token'));
    if (state.revoked.has(sent)) return identityError(400, 'invalid_grant', 50173, texts.revoked);
    const replaced = state.replacedRefreshTokens.has(sent);
    if (sent !== state.refreshToken && !(replaced && state.oldRefreshTokensWork))
      return identityError(
        400,
        'invalid_grant',
        replaced ? 70008 : 9002313,
        replaced ? texts.expired : texts.malformed,
      );
    const refused = accountRefusal(tenant);
    if (refused) return identityError(400, 'invalid_grant', refused.code, refused.text);
    const scope = state.grants.get(sent) ?? state.scope;
    return beyondGrant(form, scope) ?? issue({ scope, offline: true });
  };

  /** The sign-in service's own page, for errors it does not send back to the app (no redirect). */
  const errorPage = (code: number, text: string) =>
    new Response(`Sign in\nSorry, but we're having trouble signing you in.\n\nAADSTS${code}: ${text}`, {
      status: 400,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });

  const routes: FakeRoute[] = [
    // The authorize page (v2-oauth2-auth-code-flow#request-an-authorization-code): the person signs in and consents (or
    // declines) at once. A bad tenant, client or redirect URI, and an account the tenant does not take, stay on
    // Microsoft's page (no redirect: the redirect URI cannot be trusted, and a person reads the error there); other
    // errors go back to the redirect URI as `error` and `error_description`, in `response_mode` (query by default).
    // Microsoft only recommends PKCE for a desktop app and supports `plain`; with `requirePkce` (the default) the fake
    // asks for S256 so a client that drops it fails here.
    http.get(`${loginBase}/:tenant/oauth2/v2.0/authorize`, ({ request, params }) => {
      state.calls.authorize += 1;
      const query = new URL(request.url).searchParams;
      state.requests.authorize.push(query);
      const tenant = String(params.tenant);
      if (!knownTenant(tenant)) return errorPage(90002, texts.tenant(tenant));
      if (query.get('client_id') !== state.clientId)
        return errorPage(700016, texts.client(query.get('client_id') ?? ''));
      const redirectUri = query.get('redirect_uri') ?? '';
      if (!registered(redirectUri))
        return errorPage(
          50011,
          `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${state.clientId}'.`,
        );
      const mode = query.get('response_mode') ?? 'query';
      if (!['query', 'fragment', 'form_post'].includes(mode))
        return errorPage(70007, 'The app returned an unsupported value of response_mode when requesting a token.');
      const answer = (fields: Record<string, string>): Response => {
        const all = new URLSearchParams(fields);
        if (query.has('state')) all.set('state', query.get('state') ?? '');
        if (mode === 'form_post') {
          const inputs = [...all].map(
            ([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`,
          );
          return new Response(`<form method="POST" action="${redirectUri}">${inputs.join('')}</form>`, {
            headers: { 'content-type': 'text/html; charset=utf-8' },
          });
        }
        const back = new URL(redirectUri);
        if (mode === 'fragment') back.hash = all.toString();
        else for (const [k, v] of all) back.searchParams.set(k, v);
        return new Response(null, { status: 302, headers: { Location: back.toString() } });
      };
      const refuse = (error: string, code: number, text: string) =>
        answer({ error, error_description: `AADSTS${code}: ${text}` });

      const responseType = (query.get('response_type') ?? '').split(' ').filter(Boolean);
      if (!responseType.includes('code'))
        return refuse('unsupported_response_type', 70005, 'The app returned an unsupported response type.');
      if (responseType.length > 1)
        return refuse(
          'unsupported_response_type',
          700054,
          "Response_type 'id_token' isn't enabled for the application.",
        );
      const asked = (query.get('scope') ?? '').split(' ').filter(Boolean);
      if (asked.length === 0) return refuse('invalid_request', 900144, texts.missing('scope'));
      const challenge = query.get('code_challenge') ?? undefined;
      const method = query.get('code_challenge_method') ?? 'plain';
      if (query.has('code_challenge_method') && !challenge)
        return refuse('invalid_request', 900144, texts.missing('code_challenge'));
      if (state.requirePkce && !challenge) return refuse('invalid_request', 900144, texts.missing('code_challenge'));
      if (challenge && (challenge.length < 43 || challenge.length > 128))
        return refuse('invalid_request', 501491, 'Invalid size of Code_Challenge parameter.');
      if (!['plain', 'S256'].includes(method) || (state.requirePkce && method !== 'S256'))
        return refuse('invalid_request', 9002313, texts.malformed);
      const audience = audienceRefusal(tenant);
      if (audience) return refuse('invalid_request', audience.code, audience.text);
      const account = accountRefusal(tenant);
      if (account) return errorPage(account.code, account.text);
      if (state.consent === 'deny')
        return answer({
          error: 'access_denied',
          error_description: 'AADSTS65004: User declined to consent to access the app.',
        });
      const code = `1.A${randomBytes(64).toString('base64url')}`;
      state.codes.set(code, {
        tenant,
        redirectUri,
        challenge,
        method,
        ...grantFor(asked),
        issuedAt: Date.now(),
        used: false,
      });
      return answer({ code });
    }),

    // The token endpoint (v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token, #refresh-the-access-token), form
    // encoded. A public client "must not use secrets" (AADSTS700025). Microsoft says it does not revoke a refresh token
    // when it is used, but quotes RFC 6749 that a server MAY, and that the client "MUST discard the old refresh
    // token": the fake accepts only the latest one (AADSTS70008 for a replaced one) unless `oldRefreshTokensWork`.
    // `ext_expires_in` is not in the v2.0 doc's sample; Microsoft's answers carry it, equal to `expires_in`.
    http.post(`${loginBase}/:tenant/oauth2/v2.0/token`, async ({ request, params }) => {
      state.calls.token += 1;
      const fault = await state.faults.take('token');
      if (fault) return fault;
      const form = (request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')
        ? new URLSearchParams(await request.text())
        : new URLSearchParams();
      state.requests.token.push(form);
      const tenant = String(params.tenant);
      if (!knownTenant(tenant)) return identityError(400, 'invalid_request', 90002, texts.tenant(tenant));
      const grant = form.get('grant_type');
      if (!grant) return identityError(400, 'invalid_request', 900144, texts.missing('grant_type'));
      if (grant !== 'authorization_code' && grant !== 'refresh_token')
        return identityError(400, 'unsupported_grant_type', 70003, 'The app returned an unsupported grant type.');
      const clientId = form.get('client_id');
      if (!clientId) return identityError(400, 'invalid_request', 900144, texts.missing('client_id'));
      if (clientId !== state.clientId) return identityError(400, 'unauthorized_client', 700016, texts.client(clientId));
      if (form.has('client_secret') || form.has('client_assertion') || request.headers.has('authorization'))
        return identityError(401, 'invalid_client', 700025, texts.publicWithSecret);
      const audience = audienceRefusal(tenant);
      if (audience) return identityError(400, 'invalid_request', audience.code, audience.text);
      const answer = grant === 'authorization_code' ? redeemCode(form, tenant) : redeemRefreshToken(form, tenant);
      return answer.ok ? state.faults.lose('token', answer) : answer;
    }),
  ];

  return { routes, accessToken, revoke };
}
