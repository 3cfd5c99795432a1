// One ky instance per provider session: base URL, timeout, safe retries, and bearer auth that renews once on a 401.
import ky, { type KyInstance, type Options } from 'ky';

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
  /** Retry POST too: only for calls without side effects, such as a token request. */
  retryPost?: boolean;
}

/** Builds the provider's HTTP client; creates are never retried unless `retryPost` says they are safe. */
export function createHttp(options: HttpOptions): KyInstance {
  const auth = options.auth;
  const kyOptions: Options = {
    prefixUrl: options.prefixUrl,
    timeout: options.timeoutMs,
    retry: {
      limit: 2,
      methods: options.retryPost ? ['get', 'post'] : ['get'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      backoffLimit: 3000,
    },
    hooks: auth
      ? {
          beforeRequest: [
            async (request) => {
              request.headers.set('Authorization', await auth.header());
            },
          ],
          afterResponse: [
            async (request, requestOptions, response) => {
              if (response.status !== 401) return response;
              // The token may have been revoked or expired early: drop it, fetch a new one, and try exactly once more.
              // The retry goes through bare `ky` (no hooks), so a second 401 is final and cannot loop.
              auth.rejected(request.headers.get('Authorization') ?? '');
              request.headers.set('Authorization', await auth.header());
              return ky(request, { retry: 0, timeout: options.timeoutMs, signal: requestOptions.signal ?? null });
            },
          ],
        }
      : {},
  };
  return ky.create(kyOptions);
}
