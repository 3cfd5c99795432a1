// One ky instance per provider session: base URL, timeout, safe retries, and bearer auth that renews once on a 401.
import ky, { type KyInstance } from 'ky';
import { AppError } from '../errors.js';
import { traceHooks } from './trace.js';

/** Supplies the Authorization header and learns when the provider rejected it. */
export interface AuthScheme {
  /** The header value, e.g. `Bearer eyJ...`. */
  header(): Promise<string>;
  /** Called with the rejected header value after a 401, before the single retry. */
  rejected(header: string): void;
}

export interface HttpOptions {
  prefixUrl: string;
  timeoutMs: number;
  auth?: AuthScheme;
  /** Retry POST on 429/5xx too: only for calls without side effects, such as a token request. */
  retryPost?: boolean;
  /** Retry a 429 (default true); false where the provider's wait is long (Calendly: usually 60 s). */
  retryRateLimited?: boolean;
}

/** Builds the provider's HTTP client; creates are never retried on 5xx unless `retryPost` says that is safe. */
export function createHttp(options: HttpOptions): KyInstance {
  const { auth } = options;
  return ky.create({
    prefixUrl: options.prefixUrl,
    timeout: options.timeoutMs,
    retry: {
      limit: 2,
      methods: options.retryPost ? ['get', 'post'] : ['get'],
      statusCodes: options.retryRateLimited === false ? [408, 500, 502, 503, 504] : [408, 429, 500, 502, 503, 504],
      backoffLimit: 3000,
      // Our own errors come from the auth hook: a refused refresh token must not be sent again (Calendly and Zoom spend
      // it; Calendly allows 8 token requests a minute). ky would otherwise retry a GET on any error that is not HTTP.
      shouldRetry: ({ error }) => (error instanceof AppError ? false : undefined),
    },
    hooks: auth
      ? {
          beforeRequest: [
            async (request) => {
              request.headers.set('Authorization', await auth.header());
            },
            ...traceHooks.beforeRequest,
          ],
          afterResponse: [
            ...traceHooks.afterResponse,
            // A 401 means the request was refused before it had any effect, so even a create is sent once more,
            // with a fresh token: the old one may have expired early or been replaced by a newer S2S token.
            (request, _options, response, { retryCount }) => {
              if (response.status !== 401 || retryCount > 0) return undefined;
              auth.rejected(request.headers.get('Authorization') ?? '');
              return ky.retry({ delay: 0, code: 'TOKEN_REJECTED' });
            },
          ],
        }
      : traceHooks,
  });
}
