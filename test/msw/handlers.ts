// The fakes' routes as msw handlers: matched by the fakes' own router, so msw and the sandbox answer alike.
import { http, type RequestHandler } from 'msw';
import { respond, type FakeRoute } from '../../src/sandbox/fake-http.js';

/** One msw handler answering from `routes`; a request no route knows falls through (and is then unhandled: an error). */
export const mswHandler = (routes: readonly FakeRoute[]): RequestHandler =>
  http.all('*', ({ request }) => respond(routes, request));
