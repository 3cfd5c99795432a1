// `connect --verbose`: one line per HTTP call (method, host and path, status, time), never a query, header or body,
// which is where tokens, codes and secrets travel.

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
