// Converts whatever ky or fetch threw into one ProviderError whose message and hint a user can act on.
import { errorMessage, ProviderError, type ErrorCode } from '../errors.js';
import { redact, registerSecret } from '../log.js';
import { retryAfterSeconds } from './retry.js';

export interface FailureContext {
  /** Display name ("Zoom"). */
  provider: string;
  /** The provider's own explanation pulled from its error body, if any (already redacted here). */
  describe?: (body: unknown) => string | undefined;
  /** What fixes an authentication failure, e.g. the reconnect command. */
  reauthHint: string;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A wait for people: "42 s", "3 min", "2 h". */
export const waitFor = (seconds: number): string =>
  seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.ceil(seconds / 60)} min` : `${Math.ceil(seconds / 3600)} h`;

/** Form fields that carry a credential in a token request (client_secret, refresh_token, code, code_verifier, ...). */
const credentialField = /secret|token|code|verifier|password|assertion/i;

/**
 * Registers the credentials the failed request carried, so that an error body quoting one back (a provider echoing the
 * bearer token it refused, a token endpoint echoing the refresh token) is masked by `redact`, here and in the log lines
 * that follow (among log.ts's recent values): a credential that reached this request some other way than the OAuth
 * client (a Personal Access Token, an API key) may not be registered yet, and a request's own are always known.
 */
function registerSentCredentials(request: Request, body: unknown): void {
  const credential = /^[\w-]+\s+(\S+)$/.exec(request.headers.get('authorization') ?? '')?.[1];
  if (credential) registerSecret(credential);
  if (body instanceof URLSearchParams)
    for (const [key, value] of body) if (credentialField.test(key)) registerSecret(value);
}

/** Maps an HTTP status to our code and a default next step. */
function classify(status: number, ctx: FailureContext, retryAfter?: number): { code: ErrorCode; hint: string } {
  if (status === 401) return { code: 'auth_failed', hint: ctx.reauthHint };
  if (status === 403)
    return {
      code: 'permission_denied',
      hint: `check the ${ctx.provider} app's scopes and plan, then ${ctx.reauthHint}`,
    };
  if (status === 429) {
    const wait = retryAfter === undefined ? 'a minute' : waitFor(Math.max(1, retryAfter));
    return {
      code: 'rate_limited',
      hint: `${ctx.provider} is rate-limiting this account: retry this provider after ${wait}`,
    };
  }
  if (status >= 500)
    return { code: 'provider_unavailable', hint: `${ctx.provider} had a server error: retry in a few minutes` };
  return { code: 'provider_rejected', hint: `fix the request as ${ctx.provider} describes, then retry` };
}

/** Turns an error from a provider call into a ProviderError (already-converted errors pass through). */
export async function toProviderError(error: unknown, ctx: FailureContext): Promise<ProviderError> {
  return (await convertFailure(error, ctx)).error;
}

/**
 * The HTTP status of a failed call (ky's HTTPError carries the response), without reading its body: a caller that
 * branches on the status can still hand the error on whole to `convertFailure`, which reads the body once.
 */
export function httpStatus(error: unknown): number | undefined {
  const response = (error as { response?: unknown } | null)?.response;
  return response instanceof Response ? response.status : undefined;
}

/**
 * Like toProviderError, and also returns the parsed error body (undefined when there was no HTTP
 * answer), for providers that refine the error from fields of their own.
 */
export async function convertFailure(
  error: unknown,
  ctx: FailureContext,
): Promise<{ error: ProviderError; body: unknown }> {
  // Loaded already by the request that failed (http/client.ts loads ky lazily); a static import would load it at start-up.
  const { HTTPError, TimeoutError } = await import('ky');
  if (error instanceof HTTPError) {
    registerSentCredentials(error.request, error.options.body);
    const body = await readBody(error.response);
    const detail = ctx.describe?.(body);
    const retryAfter = retryAfterSeconds(error.response.headers);
    const { code, hint } = classify(error.response.status, ctx, retryAfter);
    const message = `${ctx.provider} answered HTTP ${error.response.status}${detail ? `: ${redact(detail)}` : ''}`;
    return {
      error: new ProviderError(ctx.provider, code, message, {
        hint,
        status: error.response.status,
        cause: error,
        ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
      }),
      body,
    };
  }
  return { error: toNonHttpError(error, ctx, error instanceof TimeoutError), body: undefined };
}

function toNonHttpError(error: unknown, ctx: FailureContext, kyTimeout: boolean): ProviderError {
  if (error instanceof ProviderError) return error;
  if (kyTimeout || (error instanceof DOMException && error.name === 'TimeoutError')) {
    return new ProviderError(ctx.provider, 'timeout', `${ctx.provider} did not answer in time`, {
      hint: `retry; if it keeps happening, check ${ctx.provider}'s status page or raise ALSATALK_PROVIDER_TIMEOUT_MS`,
    });
  }
  // ky's `.json()` on an answer cut short or garbled: the provider answered, so the network is not to blame.
  if (error instanceof SyntaxError) {
    return new ProviderError(
      ctx.provider,
      'provider_unavailable',
      `${ctx.provider} answered with a body that is not valid JSON (${redact(error.message)})`,
      {
        hint: `retry in a few minutes; if it keeps happening, check ${ctx.provider}'s status page`,
        cause: error,
      },
    );
  }
  if (error instanceof DOMException && error.name === 'AbortError') {
    return new ProviderError(ctx.provider, 'timeout', `the call to ${ctx.provider} was cancelled`, { hint: 'retry' });
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return new ProviderError(
    ctx.provider,
    'network_error',
    `cannot reach ${ctx.provider}: ${redact(cause ?? errorMessage(error))}`,
    {
      hint: 'check the network connection (and any ALSATALK_*_URL override), then retry',
      cause: error,
    },
  );
}
