// The authorization-code request URL (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3): where the browser goes to ask for consent.
import { InputError } from '../errors.js';

export interface AuthorizeUrlInput {
  /** The provider's authorization endpoint; a query it already carries (a tenant, a locale) is kept. */
  authorizeUrl: string;
  clientId: string;
  /** The loopback address the provider sends the browser back to; it must match the app's registration exactly. */
  redirectUri: string;
  /** Joined with spaces; the `scope` parameter is left out when there are none. */
  scopes: readonly string[];
  state: string;
  /** The S256 challenge from `createPkce()`. */
  challenge: string;
  /** Provider-specific parameters, e.g. Google's `{ access_type: 'offline', prompt: 'consent' }` or Zoho's `{ access_type: 'offline' }`. */
  extra?: Readonly<Record<string, string>>;
}

/** Parameters the flow itself owns: an `extra` entry may not replace them, or it could silently drop PKCE or the state check. */
const flowParams = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

/**
 * Builds the URL to open in the browser. Pure: no randomness, no I/O.
 * @throws InputError when `authorizeUrl` is not an absolute URL or `extra` tries to set a flow parameter
 */
export function buildAuthorizeUrl(input: AuthorizeUrlInput): string {
  let url: URL;
  try {
    url = new URL(input.authorizeUrl);
  } catch {
    throw new InputError('authorizeUrl', 'must be an absolute URL');
  }
  const extra = Object.entries(input.extra ?? {});
  const clash = extra.find(([key]) => (flowParams as readonly string[]).includes(key));
  if (clash)
    throw new InputError('extra', `"${clash[0]}" is set by the authorization flow itself and cannot be overridden`);

  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', input.clientId);
  params.set('redirect_uri', input.redirectUri);
  if (input.scopes.length > 0) params.set('scope', input.scopes.join(' '));
  else params.delete('scope');
  params.set('state', input.state);
  params.set('code_challenge', input.challenge);
  params.set('code_challenge_method', 'S256');
  for (const [key, value] of extra) params.set(key, value);
  // URLSearchParams writes a space as `+`, which only form decoders read as a space; `%20` means a space to every
  // decoder. A literal `+` is already `%2B` here, so every remaining `+` in the query is an encoded space.
  url.search = url.search.replaceAll('+', '%20');
  // RFC 6749 §3.1: the endpoint URI must not carry a fragment.
  url.hash = '';
  return url.toString();
}
