// Serves a fetch-style handler (Request in, Response out) over a real HTTP server on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** When a request arrived and when its answer left, as performance.now() milliseconds. */
export interface Timing {
  /** The request's head had arrived; its body was not read yet. */
  arrivedAt: number;
  /** The answer's last byte was handed to the socket (or the connection was dropped on purpose). */
  answered: Promise<number>;
}

/** Answers one request; undefined means no route knows it (a 404 naming the request). */
export type FetchHandler = (request: Request, timing: Timing) => Promise<Response | undefined>;

export interface RunningHttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  close(): Promise<void>;
}

async function toRequest(req: http.IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && chunks.length > 0;
  return new Request(`${origin}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/**
 * Listens on 127.0.0.1 only (never another interface: the sandbox hands out tokens, even fake ones).
 * @param port 0 picks a free port
 */
export async function serveHttp(handle: FetchHandler, port = 0): Promise<RunningHttpServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    const arrivedAt = performance.now();
    let answer: (at: number) => void = () => undefined;
    const answered = new Promise<number>((resolve) => {
      answer = resolve;
    });
    // Stamped as soon as the answer is handed to the socket: 'finish' can come later, once this process is free again.
    const end = (body: string | Buffer): void => {
      res.end(body);
      answer(performance.now());
    };
    res.once('close', () => answer(performance.now()));
    void (async () => {
      try {
        const response = await handle(await toRequest(req, origin), { arrivedAt, answered });
        if (!response) {
          res.writeHead(404, { 'content-type': 'application/json' });
          end(JSON.stringify({ message: `no fake for ${req.method} ${req.url}` }));
          return;
        }
        // Response.error() is a network failure: the connection drops without an answer, as a lost response would.
        if (response.type === 'error') {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        const body = Buffer.from(await response.arrayBuffer());
        res.writeHead(response.status, headers);
        end(body);
      } catch (error) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${actual}`;
  return {
    url: origin,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
