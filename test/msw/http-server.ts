// The fakes' routes over a real HTTP server on 127.0.0.1 (the sandbox's own server), for child processes under test.
import { respond, type FakeRoute } from '../../src/sandbox/fake-http.js';
import { serveHttp } from '../../src/sandbox/http-server.js';

export interface FakeHttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Replaces the routes that answer from now on. */
  use(routes: readonly FakeRoute[]): void;
  close(): Promise<void>;
}

export async function startFakeHttpServer(): Promise<FakeHttpServer> {
  let routes: readonly FakeRoute[] = [];
  const server = await serveHttp((request) => respond(routes, request));
  return {
    url: server.url,
    use(next) {
      routes = next;
    },
    close: () => server.close(),
  };
}
