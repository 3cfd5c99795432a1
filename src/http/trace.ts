// `connect --verbose`: one line per HTTP call (method, host and path, status, time), never a query, header or body,
// which is where tokens, codes and secrets travel.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';

type Tracer = (line: string) => void;
let tracer: Tracer | undefined;

/** Sends a line per request to `trace` until the returned function is called. */
export function traceHttp(trace: Tracer): () => void {
  tracer = trace;
  return () => {
    if (tracer === trace) tracer = undefined;
  };
}

const where = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
};

/** Start times by `METHOD url`: ky hands afterResponse another Request object than beforeRequest. */
const started = new Map<string, number[]>();
const key = (request: Request): string => `${request.method} ${request.url}`;

export function traceRequest(request: Request): void {
  if (!tracer) return;
  started.set(key(request), [...(started.get(key(request)) ?? []), Date.now()]);
  tracer(`→ ${request.method} ${where(request.url)}`);
}

export function traceResponse(request: Request, response: Response): void {
  if (!tracer) return;
  const since = started.get(key(request))?.shift();
  tracer(
    `← ${response.status} ${request.method} ${where(request.url)}${since === undefined ? '' : ` (${Date.now() - since} ms)`}`,
  );
}

/** What undici's diagnostics channels say of a request (Node's own fetch publishes them). */
interface UndiciRequest {
  method: string;
  origin: string;
  path: string;
}

/**
 * While tracing is on, traces the fetches an SDK makes to `base` (Resend's SDK calls the global fetch and offers no
 * hook): through undici's diagnostics channels. Only URLs under `base`, so that ky's calls, traced by their own hooks,
 * are not traced twice. Returns the function that stops it.
 */
export function traceFetchesTo(base: string): () => void {
  if (!tracer) return () => undefined;
  const since = new WeakMap<object, number>();
  const under = (request: UndiciRequest): boolean => `${request.origin}${request.path}`.startsWith(base);
  const onCreate = (message: unknown): void => {
    const { request } = message as { request: UndiciRequest };
    if (!tracer || !under(request)) return;
    since.set(request, Date.now());
    tracer(`→ ${request.method} ${where(`${request.origin}${request.path}`)}`);
  };
  const onHeaders = (message: unknown): void => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    if (!tracer || !under(request)) return;
    const started = since.get(request);
    tracer(
      `← ${response.statusCode} ${request.method} ${where(`${request.origin}${request.path}`)}${started === undefined ? '' : ` (${Date.now() - started} ms)`}`,
    );
  };
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:headers', onHeaders);
  return () => {
    unsubscribe('undici:request:create', onCreate);
    unsubscribe('undici:request:headers', onHeaders);
  };
}
