// The loopback redirect target (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1 that receives the authorization code.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, InputError } from '../errors.js';
import { clean, refusalFor, send } from './loopback-pages.js';

/** The IPv4 loopback literal: RFC 8252 §8.3 prefers it to `localhost`, and no other interface can reach it. */
export const LOOPBACK_HOST = '127.0.0.1';

export interface LoopbackOptions {
  /** The `state` sent in the authorize URL; only a callback carrying exactly this value is accepted. */
  state: string;
  /** A fixed port, for providers that match the registered redirect URI exactly; 0 or absent lets the OS pick a free one. */
  port?: number;
  /** The callback path, `/callback` by default. */
  path?: string;
  /**
   * The host written in the redirect URI; the listener is on 127.0.0.1 either way. `localhost` is for providers that
   * accept an HTTP redirect only to that name (Calendly's Sandbox apps); browsers resolve it to the loopback interface.
   */
  redirectHost?: typeof LOOPBACK_HOST | 'localhost';
  /** How long to wait for the browser, 5 minutes by default. */
  timeoutMs?: number;
  /** The command quoted in hints, e.g. `npx alsatalk-mcp connect google`. */
  command?: string;
}

/** What the provider sent back with the browser. */
export interface LoopbackCallback {
  code: string;
  /** Every callback parameter, including the code and state; Zoho adds `location` and `accounts-server`. */
  params: URLSearchParams;
}

export interface Loopback {
  /** `http://127.0.0.1:<port><path>` (or `localhost`): the exact value for the authorize URL and the token request. */
  redirectUri: string;
  /** Where the server listens, as the operating system reports it. */
  address: AddressInfo;
  /** Settles once: the code, or an AppError (`auth_failed` when refused or stopped, `timeout`). Always the same promise. */
  waitForCode(): Promise<LoopbackCallback>;
  /** Stops listening and drops every connection; a pending `waitForCode()` rejects. Safe to call more than once. */
  close(): Promise<void>;
}

const defaultTimeoutMs = 5 * 60_000;
/** setTimeout fires at once beyond this, which would end every sign-in immediately. */
const maxTimeoutMs = 2 ** 31 - 1;

/**
 * Listens on 127.0.0.1 for the provider's redirect and resolves with the first callback that carries the right `state`.
 * A callback with a wrong or missing state is answered 400 and otherwise ignored, so a stray or forged request can neither
 * end nor hijack the sign-in. Errors never contain the code or the state.
 * @throws AppError when the port is taken or cannot be used, InputError when an option is out of range
 */
export async function startLoopback(options: LoopbackOptions): Promise<Loopback> {
  const port = options.port ?? 0;
  const path = options.path ?? '/callback';
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const command = options.command ?? 'npx alsatalk-mcp connect <provider>';
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InputError('--port', 'must be a whole number from 1 to 65535, or 0 for any free port');
  if (!/^\/[^?#\s]*$/.test(path))
    throw new InputError('path', 'must start with "/" and contain no query, fragment or space');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > maxTimeoutMs)
    throw new InputError('timeoutMs', 'must be a positive number of milliseconds below 2^31');
  // An empty or short state would make "the right state" guessable, which is the whole defence against forged callbacks.
  if (options.state.length < 16) throw new InputError('state', 'must be at least 16 characters; use createState()');

  let answered = false;
  let resolveCode!: (callback: LoopbackCallback) => void;
  let rejectCode!: (error: AppError) => void;
  const result = new Promise<LoopbackCallback>((resolve, reject) => {
    resolveCode = resolve;
    rejectCode = reject;
  });
  // The caller may still be opening the browser when a timeout fires; the rejection waits for waitForCode().
  result.catch(() => undefined);

  const server = createServer((request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}`);
    } catch {
      return send(response, 400, 'Bad request', ['This address is not a sign-in callback.']);
    }
    if (url.pathname !== path) return send(response, 404, 'Not found', ['This address is not a sign-in callback.']);
    if (request.method !== 'GET')
      return send(response, 405, 'Method not allowed', ['The sign-in callback only accepts GET.'], { Allow: 'GET' });
    if (answered)
      return send(response, 410, 'Sign-in already finished', [
        'This sign-in has already received its answer. Return to the terminal.',
      ]);

    const params = url.searchParams;
    if (!sameSecret(params.get('state'), options.state)) {
      return send(response, 400, 'Sign-in link not recognised', [
        'This callback does not belong to the sign-in the terminal is waiting for, so it was ignored.',
        'If you started the sign-in more than once, finish it in the newest browser tab.',
      ]);
    }
    const error = params.get('error');
    if (error !== null) {
      const refusal = refusalFor(clean(error), clean(params.get('error_description') ?? ''), command, redirectUri);
      send(response, 400, refusal.title, refusal.lines);
      return finish(() => rejectCode(refusal.error), response);
    }
    const code = params.get('code');
    if (!code)
      return send(response, 400, 'Sign-in incomplete', [
        'The provider came back without an authorization code. Return to the terminal and try again.',
      ]);
    send(response, 200, 'Sign-in complete', [
      'alsatalk-mcp received the authorization.',
      'You can close this tab and return to the terminal.',
    ]);
    finish(() => resolveCode({ code, params: new URLSearchParams(params) }), response);
  });

  await listen(server, port);
  const address = server.address() as AddressInfo;
  const redirectUri = `http://${options.redirectHost ?? LOOPBACK_HOST}:${address.port}${path}`;

  let stopped: Promise<void> = Promise.resolve();
  /** Settles the flow once: stops accepting at once, drops every connection once the final page is written. */
  function finish(settle: () => void, finalPage?: ServerResponse): void {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive and browser preconnect sockets would otherwise hold the process open after the flow ended.
    const dropAll = (): void => server.closeAllConnections();
    if (finalPage && !finalPage.writableFinished) {
      finalPage.once('finish', dropAll);
      finalPage.once('close', dropAll);
    } else {
      dropAll();
    }
    void stopped.then(settle);
  }

  server.on('error', (error) =>
    finish(() =>
      rejectCode(
        new AppError(
          'network_error',
          `The sign-in callback server on ${LOOPBACK_HOST}:${address.port} failed: ${error.message}`,
          { hint: `run \`${command}\` again`, cause: error },
        ),
      ),
    ),
  );
  const timer = setTimeout(() => {
    finish(() =>
      rejectCode(
        new AppError(
          'timeout',
          `No answer came back from the browser within ${duration(timeoutMs)}, so nothing was connected`,
          {
            hint: `run \`${command}\` again and finish signing in within ${duration(timeoutMs)}`,
          },
        ),
      ),
    );
  }, timeoutMs);

  return {
    redirectUri,
    address,
    waitForCode: () => result,
    close: () => {
      finish(() =>
        rejectCode(
          new AppError('auth_failed', 'The sign-in was stopped before the browser answered, so nothing was connected', {
            hint: `run \`${command}\` again`,
          }),
        ),
      );
      return stopped;
    },
  };
}

/** Binds to 127.0.0.1 only, turning the usual failures into errors that name the port and the fix. */
function listen(server: ReturnType<typeof createServer>, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `Port ${port} on ${LOOPBACK_HOST}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new AppError('invalid_input', `${where} is already in use, so the browser's answer cannot be received`, {
            hint: `free port ${port} (another \`connect\` may still be running) or choose another with \`--port\`; a provider that matches redirect URIs exactly needs the new one registered`,
            cause: error,
          }),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new AppError('invalid_input', `${where} needs administrator rights`, {
            hint: 'choose a port above 1024 with `--port`',
            cause: error,
          }),
        );
      } else {
        reject(
          new AppError('network_error', `Could not listen on ${LOOPBACK_HOST}:${port}: ${error.message}`, {
            hint: 'check that the loopback interface is up, or choose another port with `--port`',
            cause: error,
          }),
        );
      }
    });
    server.listen({ host: LOOPBACK_HOST, port, exclusive: true }, () => resolve());
  });
}

/** Compares in constant time: hashing first gives equal lengths, so neither the length nor a prefix of the state leaks. */
function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} seconds`;
  const minutes = Math.round(ms / 60_000);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
