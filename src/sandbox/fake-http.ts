// The router the fake providers are written with. One fake's routes answer in-process through msw in the tests and
// over a real HTTP server in `alsatalk-mcp sandbox`, so both serve exactly the same behaviour.

/** Path parameters by name (`:userId` in a route's URL), URI-decoded. */
export type Params = Record<string, string>;

export type Resolver = (info: { request: Request; params: Params }) => Response | Promise<Response>;

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One endpoint of a fake provider: a method and an absolute URL whose path segments may be `:name` parameters. */
export interface FakeRoute {
  method: Method;
  url: string;
  resolver: Resolver;
}

const route =
  (method: Method) =>
  (url: string, resolver: Resolver): FakeRoute => ({ method, url, resolver });

/** Route builders named like msw's `http.get(...)`, so a fake reads like any msw handler file. */
export const http = {
  get: route('GET'),
  post: route('POST'),
  patch: route('PATCH'),
  put: route('PUT'),
  delete: route('DELETE'),
};

const segments = (pathname: string): string[] => pathname.replace(/\/+$/, '').split('/');

/** Each route's URL, parsed once: a request is matched against every route of every fake. */
const parsed = new WeakMap<FakeRoute, { origin: string; pattern: string[] }>();
const patternOf = (candidate: FakeRoute): { origin: string; pattern: string[] } => {
  let entry = parsed.get(candidate);
  if (!entry) {
    const url = new URL(candidate.url);
    entry = { origin: url.origin, pattern: segments(url.pathname) };
    parsed.set(candidate, entry);
  }
  return entry;
};

/** The route's parameters when it answers `request` (same method, origin and path; the query is ignored), else undefined. */
function matchRoute(candidate: FakeRoute, request: Request, url = new URL(request.url)): Params | undefined {
  if (candidate.method !== request.method) return undefined;
  const { origin, pattern } = patternOf(candidate);
  if (origin !== url.origin) return undefined;
  const actual = segments(url.pathname);
  if (pattern.length !== actual.length) return undefined;
  const params: Params = {};
  for (const [i, part] of pattern.entries()) {
    const value = actual[i] ?? '';
    if (part.startsWith(':')) {
      if (value === '') return undefined;
      params[part.slice(1)] = decodeURIComponent(value);
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}

/** The first route that answers `request`, with its parameters. */
export function findRoute(
  routes: readonly FakeRoute[],
  request: Request,
): { route: FakeRoute; params: Params } | undefined {
  const url = new URL(request.url);
  for (const candidate of routes) {
    const params = matchRoute(candidate, request, url);
    if (params) return { route: candidate, params };
  }
  return undefined;
}

/** Answers `request` from `routes`; undefined when no route matches. */
export async function respond(routes: readonly FakeRoute[], request: Request): Promise<Response | undefined> {
  const found = findRoute(routes, request);
  return found ? found.route.resolver({ request, params: found.params }) : undefined;
}
