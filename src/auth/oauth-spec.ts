// What a provider tells the one OAuth client (oauth.ts): its token endpoint, how its client authenticates, which grants
// may be sent again, how it revokes, and what each refusal means for the user. Provider files hold their spec; this
// file holds the shapes, and the RFC 6749 token answer and error body every provider shares.
import { z } from 'zod';
import type { ProviderError } from '../errors.js';
import type { FailureContext } from '../http/failure.js';
import type { AuthorizeRequest } from './sign-in.js';

/** The grants a token endpoint is asked for. */
export type TokenGrant =
  /** A browser sign-in's code, with the redirect URI and PKCE verifier it was issued for (RFC 6749 §4.1.3, RFC 7636). */
  | { kind: 'authorization_code'; code: string; redirectUri: string; verifier: string }
  /** A code made without a redirect: Zoho's Self Client "Generate Code". Sent as `authorization_code` too. */
  | { kind: 'grant_code'; code: string }
  | { kind: 'refresh_token'; refreshToken: string }
  /** The app's own token (RFC 6749 §4.4), under the provider's grant name and with its parameters (Zoom's account id). */
  | { kind: 'client_credentials'; params: Record<string, string> };
export type GrantKind = TokenGrant['kind'];

/** A client secret, or how to read it when a request needs it (a session reads it from the keychain each time). */
export type ClientSecret = string | (() => Promise<string>);

/** How the client authenticates at the token endpoint (RFC 8414 `token_endpoint_auth_method`). */
export type OAuthClientCredentials =
  /** A public client: `client_id` in the form, no secret (Zoom's public client, Calendly's native apps). */
  | { id: string; auth: 'none' }
  | {
      id: string;
      /** `client_secret_basic`: HTTP Basic `base64(id:secret)`, as Zoom and Calendly document it (not form-encoded first). */
      auth: 'client_secret_basic' | 'client_secret_post';
      secret: ClientSecret;
      /** Basic, and `client_id` in the form as well (Calendly's web apps). */
      idInForm?: boolean;
    };

/** RFC 6749 §5.1, the fields every provider's answer has; a spec extends it with its own (Zoho's `api_domain`). */
export const tokenAnswer = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

/** RFC 6749 §5.2 error body, e.g. `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`. */
const oauthErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

/** A refused or failed token (or revocation) request, as a spec's `refused` sees it. */
export interface Refusal {
  /** The RFC 6749 §5.2 `error` and its description, when the body is such an error. */
  error?: string | undefined;
  error_description?: string | undefined;
  /** The HTTP status: 200 for a refusal inside a success (Zoho); undefined when no answer came (a timeout). */
  status: number | undefined;
  /** The answer's body, parsed. */
  body: unknown;
  /** The generic conversion (http/failure.ts) of a failed request; absent for a refusal inside an HTTP 200. */
  converted?: ProviderError | undefined;
}

/** RFC 7009 revocation, with each provider's way of sending the token and of saying "already revoked". */
export interface RevokeSpec {
  /** Relative to the spec's `server`. */
  path: string;
  /** RFC 7009 sends the token in the form; Zoho takes it in the query string. */
  tokenIn: 'form' | 'query';
  /** `client_secret_post`: the client's id and secret in the form, before the token (Calendly); else the token alone. */
  clientAuth?: 'client_secret_post';
  /** The provider's answer for a token it no longer knows: the grant is gone already, which counts as revoked. */
  alreadyRevoked: (refusal: Refusal) => boolean;
  /** The conversion of other failures, when it differs from the token requests' (`failure`). */
  failure?: FailureContext;
}

/** One provider's OAuth, as the client needs it. */
export interface OAuthSpec<A extends TokenAnswer = TokenAnswer> {
  /** Display name, for errors. */
  provider: string;
  /** The OAuth host (after environment overrides); paths are relative to it, as ky's `prefixUrl`. */
  server: string;
  tokenPath: string;
  timeoutMs: number;
  client: OAuthClientCredentials;
  /** The browser sign-in's authorization endpoint and what it asks for. */
  authorize?: Pick<AuthorizeRequest, 'authorizeUrl' | 'scopes' | 'extra' | 'redirectHost'>;
  /** The Authorization scheme of API calls with the access token: `Bearer` unless the provider names its own. */
  scheme?: string;
  /** Each refresh answer carries a new refresh token and the one sent dies (Zoom's public client, Calendly). */
  rotates: boolean;
  /** The command that signs in again, for the errors of a rotating refresh and a code exchange without refresh token. */
  signInAgain: string;
  /** Grants sent again after a 5xx, a network error or a timeout (http/client.ts `retryPost`). Never a code exchange. */
  retry: readonly GrantKind[];
  /** The token answer: `tokenAnswer`, extended with the provider's own fields (Zoho's `api_domain`). */
  answer: z.ZodType<A>;
  /** The token endpoint reports refusals inside an HTTP 200 as well (Zoho). */
  refusalsIn200?: boolean;
  /** The client-credentials grant's name and where its parameters go (Zoom's `account_credentials`: the query). */
  clientCredentials?: { grantType: string; paramsIn: 'query' | 'form' };
  revoke?: RevokeSpec;
  /** The generic conversion of a failed token request (http/failure.ts). */
  failure: FailureContext;
  /** What a failed or refused token request means for the user, or undefined for the generic conversion. */
  refused: (refusal: Refusal, grant: TokenGrant) => ProviderError | undefined;
  /** The error for an answer without an access token, or undefined for "<provider>'s token endpoint answered without…". */
  unreadable?: (grant: TokenGrant) => ProviderError | undefined;
  /** The error for a code exchange that returned no refresh token (default: "<provider> signed you in but…"). */
  noRefreshToken?: (grant: TokenGrant) => ProviderError;
  /** The environment variable that overrides `server`, named in the default `unreadable` hint. */
  serverEnv: string;
}

/** The §5.2 error in a body, or nothing for any other shape. */
export function refusalOf(body: unknown): Pick<Refusal, 'error' | 'error_description'> {
  const parsed = oauthErrorBody.safeParse(body);
  return parsed.success ? parsed.data : {};
}
