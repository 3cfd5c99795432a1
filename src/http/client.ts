// One ky instance per provider session: base URL, timeout, safe retries, and bearer auth that renews once on a 401.
// ky is loaded on the first request, not at start-up: importing it touches fetch's globals, and Node builds its whole
// fetch implementation on that first touch (~35 ms and ~9 MB), which the server's `tools/list` answer must not wait for.
import type { default as KyDefault, KyInstance, Options, ResponsePromise } from 'ky';
import { AppError } from '../errors.js';
import { traceRequest, traceResponse } from './trace.js';

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

/** What providers call: ky's request methods and `extend`. */
export type Http = Pick<KyInstance, 'get' | 'post' | 'put' | 'patch' | 'delete' | 'extend'>;

type Ky = typeof KyDefault;
let loading: Promise<Ky> | undefined;
const loadKy = (): Promise<Ky> => (loading ??= import('ky').then((m) => m.default));

const bodyMethods = ['json', 'text', 'arrayBuffer', 'blob', 'formData', 'bytes'] as const;

/**
 * ky's ResponsePromise, for a call made once ky is loaded. A body method (`.json()`) called right away, as every caller
 * does, is applied to ky's own promise, so ky still sets the matching Accept header and treats an empty body as ky does.
 */
function deferred(instance: Promise<KyInstance>, send: (ky: KyInstance) => ResponsePromise): ResponsePromise {
  let pick: ((response: ResponsePromise) => Promise<unknown>) | undefined;
  const result = instance.then((ky) => {
    const response = send(ky);
    return pick ? pick(response) : response;
  });
  const promise = result as unknown as Record<string, unknown>;
  for (const method of bodyMethods) {
    promise[method] = () => {
      pick = (response) => (response[method] as () => Promise<unknown>)();
      return result;
    };
  }
  return promise as unknown as ResponsePromise;
}

function lazyHttp(instance: Promise<KyInstance>): Http {
  const method =
    (name: 'get' | 'post' | 'put' | 'patch' | 'delete') =>
    (url: Parameters<KyInstance['get']>[0], options?: Options): ResponsePromise =>
      deferred(instance, (ky) => ky[name](url, options));
  return {
    get: method('get'),
    post: method('post'),
    put: method('put'),
    patch: method('patch'),
    delete: method('delete'),
    extend: (options) => lazyHttp(instance.then((ky) => ky.extend(options))) as KyInstance,
  } as Http;
}

/** Builds the provider's HTTP client; creates are never retried on 5xx unless `retryPost` says that is safe. */
export function createHttp(options: HttpOptions): Http {
  return lazyHttp(loadKy().then((ky) => create(ky, options)));
}

function create(ky: Ky, options: HttpOptions): KyInstance {
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
    // One afterResponse hook, not one per concern: ky clones the response (a stream tee) for every hook it runs.
    hooks: auth
      ? {
          beforeRequest: [
            async (request) => {
              request.headers.set('Authorization', await auth.header());
              traceRequest(request);
            },
          ],
          afterResponse: [
            // A 401 means the request was refused before it had any effect, so even a create is sent once more,
            // with a fresh token: the old one may have expired early or been replaced by a newer S2S token.
            (request, _options, response, { retryCount }) => {
              traceResponse(request, response);
              if (response.status !== 401 || retryCount > 0) return undefined;
              auth.rejected(request.headers.get('Authorization') ?? '');
              return ky.retry({ delay: 0, code: 'TOKEN_REJECTED' });
            },
          ],
        }
      : { beforeRequest: [traceRequest], afterResponse: [(request, _options, response) => traceResponse(request, response)] },
  });
}
