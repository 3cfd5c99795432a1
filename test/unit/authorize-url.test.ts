// The authorize URL: every parameter the flow needs, the provider's extras, and the endpoint's own query kept.
import { describe, expect, it } from 'vitest';
import { buildAuthorizeUrl, type AuthorizeUrlInput } from '../../src/auth/authorize-url.js';

const base: AuthorizeUrlInput = {
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  clientId: 'client-123.apps.googleusercontent.com',
  redirectUri: 'http://127.0.0.1:53682/callback',
  scopes: ['openid', 'https://www.googleapis.com/auth/calendar.events'],
  state: 'state-value-0123456789abcdef',
  challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
};

const paramsOf = (url: string): Record<string, string> => Object.fromEntries(new URL(url).searchParams);

describe('buildAuthorizeUrl', () => {
  it('asks for a code with PKCE, the state and the space-joined scopes', () => {
    const url = buildAuthorizeUrl(base);
    expect(url.startsWith('https://accounts.google.com/o/oauth2/v2/auth?')).toBe(true);
    expect(paramsOf(url)).toEqual({
      response_type: 'code',
      client_id: 'client-123.apps.googleusercontent.com',
      redirect_uri: 'http://127.0.0.1:53682/callback',
      scope: 'openid https://www.googleapis.com/auth/calendar.events',
      state: 'state-value-0123456789abcdef',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
  });

  it('encodes the space between scopes as %20, which every server reads as a space', () => {
    const url = buildAuthorizeUrl({ ...base, scopes: ['a', 'b+c'] });
    expect(url).toContain('scope=a%20b%2Bc');
    expect(paramsOf(url).scope).toBe('a b+c');
  });

  it('percent-encodes the redirect URI', () => {
    expect(buildAuthorizeUrl(base)).toContain('redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback');
  });

  it('leaves scope out when there are no scopes', () => {
    expect(new URL(buildAuthorizeUrl({ ...base, scopes: [] })).searchParams.has('scope')).toBe(false);
  });

  it("adds Google's offline access and consent prompt", () => {
    const params = paramsOf(buildAuthorizeUrl({ ...base, extra: { access_type: 'offline', prompt: 'consent' } }));
    expect(params).toMatchObject({ access_type: 'offline', prompt: 'consent', response_type: 'code' });
  });

  it("adds Zoho's offline access", () => {
    const url = buildAuthorizeUrl({
      ...base,
      authorizeUrl: 'https://accounts.zoho.com/oauth/v2/auth',
      scopes: ['zohobookings.data.CREATE'],
      extra: { access_type: 'offline' },
    });
    expect(url.startsWith('https://accounts.zoho.com/oauth/v2/auth?')).toBe(true);
    expect(paramsOf(url)).toMatchObject({ access_type: 'offline', scope: 'zohobookings.data.CREATE' });
  });

  it('keeps a query the authorize URL already has, and its path', () => {
    const url = new URL(
      buildAuthorizeUrl({
        ...base,
        authorizeUrl: 'https://login.example.test/tenant/x/authorize?hl=de&tenant=acme%20corp',
      }),
    );
    expect(url.pathname).toBe('/tenant/x/authorize');
    expect(url.searchParams.get('hl')).toBe('de');
    expect(url.searchParams.get('tenant')).toBe('acme corp');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('sets each flow parameter once, even when the authorize URL already carried one', () => {
    const url = new URL(
      buildAuthorizeUrl({ ...base, authorizeUrl: 'https://login.example.test/auth?response_type=token&scope=old' }),
    );
    expect(url.searchParams.getAll('response_type')).toEqual(['code']);
    expect(url.searchParams.getAll('scope')).toEqual([base.scopes.join(' ')]);
  });

  it('drops a fragment, which RFC 6749 forbids on the endpoint', () => {
    expect(buildAuthorizeUrl({ ...base, authorizeUrl: 'https://login.example.test/auth#x' })).not.toContain('#');
  });

  it('refuses extras that would replace a flow parameter', () => {
    expect(() => buildAuthorizeUrl({ ...base, extra: { code_challenge_method: 'plain' } })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('code_challenge_method') }),
    );
    expect(() => buildAuthorizeUrl({ ...base, extra: { state: 'other' } })).toThrow(/state/);
  });

  it('refuses an authorize URL that is not absolute', () => {
    expect(() => buildAuthorizeUrl({ ...base, authorizeUrl: '/oauth/authorize' })).toThrow(
      expect.objectContaining({ field: 'authorizeUrl' }),
    );
  });

  it('is pure: the same input gives the same URL', () => {
    expect(buildAuthorizeUrl(base)).toBe(buildAuthorizeUrl(base));
  });
});
