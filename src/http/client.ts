// One ky instance per provider session: base URL, timeout, safe retries (retry.ts), and bearer auth that renews once on a 401.
// ky is loaded on the first request, not at start-up: importing it touches fetch's globals, and Node builds its whole
// fetch implementation on that first touch (~35 ms and ~9 MB), which the server's `tools/list` answer must not wait for.
import type { BeforeErrorHook, default as KyDefault, HTTPError, KyInstance, Options, ResponsePromise } from 'ky';
import { AppError } from '../errors.js';
import { backoffLimitMs, jitter, maxRetryAfterMs, retryAfterSeconds, retryLimit } from './retry.js';
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
  /**
   * Send a POST again after a 5xx, a network error or a timeout too, not only after a 429: only where a second one
   * cannot do a second thing, such as a token request. A create is retried by the booking instead, after looking for
   * what the first one may have made.
   */
  retryPost?: boolean;
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

/**
 * Failures of requests this layer may send again (GETs; POSTs marked `retryPost`): their retries are spent here already,
 * so the booking must not repeat the chain on top (tries would multiply). A failed create (a plain POST) is not in it.
 */
const handled = new WeakSet<object>();

/** Whether `error` (or one of its causes) is a failure this layer already retried as far as its policy allows. */
export function retriedByHttp(error: unknown): boolean {
  for (let e = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause)
    if (handled.has(e)) return true;
  return false;
}

/** The method of the request a fetch failure belongs to: a network error carries no request of its own. */
const failedMethod = new WeakMap<object, string>();

const tracked =
  (mayResend: (method: string) => boolean): typeof fetch =>
  async (input, init) => {
    try {
      // globalThis.fetch at call time, not bound at creation: msw (tests) patches it after modules load.
      return await globalThis.fetch(input, init);
    } catch (error) {
      if (typeof error === 'object' && error !== null) {
        const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
        failedMethod.set(error, method);
        if (mayResend(method)) handled.add(error);
      }
      throw error;
    }
  };

/**
 * Reads an error answer's body now and keeps it in a copy. Left unread (an answer ky retries; one whose status alone
 * decides, such as a look-up's 404), the body of a response ky cloned for a hook makes undici reject, unhandled, when
 * the request's signal aborts later (the booking's timeout, seconds after the call returned), which ends the server.
 */
async function bufferBody(error: HTTPError): Promise<void> {
  const { response } = error;
  const body = await response.arrayBuffer().catch(() => new ArrayBuffer(0));
  error.response = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  }) as HTTPError['response'];
}

function create(ky: Ky, options: HttpOptions): KyInstance {
  const { auth } = options;
  const mayResend = (method: string): boolean => method === 'GET' || options.retryPost === true;
  const markHandled: BeforeErrorHook = async (error) => {
    await bufferBody(error);
    if (mayResend(error.request.method)) handled.add(error);
    return error;
  };
  return ky.create({
    prefixUrl: options.prefixUrl,
    timeout: options.timeoutMs,
    fetch: tracked(mayResend),
    retry: {
      limit: retryLimit,
      methods: ['get', 'post'],
      statusCodes: [408, 429, 500, 502, 503, 504],
      // ky waits what these answers name (Retry-After, or a rate-limit reset header) instead of its own backoff.
      afterStatusCodes: [429, 503],
      backoffLimit: backoffLimitMs,
      jitter,
      shouldRetry: ({ error }) => {
        // Our own errors come from the auth hook: a refused refresh token must not be sent again (Calendly and Zoom
        // spend it; Calendly allows 8 token requests a minute).
        if (error instanceof AppError) return false;
        const response = (error as { response?: unknown }).response;
        const status = response instanceof Response ? response.status : undefined;
        // A wait longer than a booking can afford fails now, with the wait in the hint (http/failure.ts).
        if (response instanceof Response && (retryAfterSeconds(response.headers) ?? 0) * 1000 > maxRetryAfterMs)
          return false;
        const request = (error as { request?: unknown }).request;
        const method = request instanceof Request ? request.method : failedMethod.get(error);
        // A 429 was refused before it did anything; any other failed POST may have done its work.
        if (method === 'POST' && !options.retryPost && status !== 429) return false;
        return undefined;
      },
    },
    // One afterResponse hook, not one per concern: ky clones the response (a stream tee) for every hook it runs.
    hooks: auth
      ? {
          beforeRequest: [
            async (request) => {
              try {
                request.headers.set('Authorization', await auth.header());
              } catch (error) {
                // The token layer retries what is safe itself; a refresh that failed (with a rotating refresh token,
                // perhaps after spending it) must not be repeated by the booking.
                if (typeof error === 'object' && error !== null) handled.add(error);
                throw error;
              }
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
          beforeError: [markHandled],
        }
      : {
          beforeRequest: [traceRequest],
          afterResponse: [(request, _options, response) => traceResponse(request, response)],
          beforeError: [markHandled],
        },
  });
}
