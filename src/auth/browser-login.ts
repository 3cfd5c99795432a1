// The browser login of `connect`: PKCE and state, a loopback listener, the authorize URL opened (or printed), one callback.
import { buildAuthorizeUrl } from './authorize-url.js';
import { openBrowser as openSystemBrowser, sshForwardHint } from './browser.js';
import { startLoopback } from './loopback.js';
import { createPkce, createState } from './pkce.js';
import type { AuthorizeRequest, AuthorizedCode, BrowserLogin } from './sign-in.js';

export interface BrowserLoginOptions {
  /** Where the person reads what to do (the CLI's stdout). */
  out: (line: string) => void;
  /** `--no-browser`: print the URL (and the SSH forward line) instead of opening it. */
  noBrowser: boolean;
  /** `--port`: a fixed loopback port, for providers that match the registered redirect URI's port. */
  port?: number;
  timeoutMs?: number;
  /** The command to run again after a failure, quoted in hints. */
  command: string;
  /** Opens a URL; the system browser unless a test drives the flow. */
  openBrowser?: (url: string) => Promise<boolean>;
  /** Who answers the sign-in page when `openBrowser` is not a browser ("the demo"): said instead of "your browser". */
  opener?: string;
  /** Stops waiting for the browser (the person declined, the server is closing): the sign-in fails, nothing is kept. */
  signal?: AbortSignal;
  /** `--verbose`: each step, never the code, the state or the PKCE values. */
  step?: (text: string) => void;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '[::1]' || host.startsWith('127.');

/** A BrowserLogin for one `connect` run. Secrets (code, verifier) never reach `out`. */
export function createBrowserLogin(options: BrowserLoginOptions): BrowserLogin {
  return {
    async authorize(request: AuthorizeRequest): Promise<AuthorizedCode> {
      const pkce = createPkce();
      const state = createState();
      const loopback = await startLoopback({
        state,
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(request.redirectHost ? { redirectHost: request.redirectHost } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        command: options.command,
      });
      const step = options.step ?? ((): void => undefined);
      step(
        `listening for the callback at ${loopback.redirectUri} (one request with the right state; ${Math.round((options.timeoutMs ?? 300_000) / 1000)} s at most)`,
      );
      const stop = (): void => void loopback.close();
      options.signal?.addEventListener('abort', stop, { once: true });
      if (options.signal?.aborted) stop();
      try {
        const url = buildAuthorizeUrl({
          authorizeUrl: request.authorizeUrl,
          clientId: request.clientId,
          redirectUri: loopback.redirectUri,
          scopes: request.scopes,
          state,
          challenge: pkce.challenge,
          ...(request.extra ? { extra: request.extra } : {}),
        });
        const authorize = new URL(request.authorizeUrl);
        step(
          `sign-in page: ${authorize.origin}${authorize.pathname} (client ${request.clientId}; scopes: ${request.scopes.join(' ') || 'as set on the app'}; PKCE S256; the state and challenge are not shown)`,
        );
        if (request.note) options.out(`Note: ${request.note}`);
        const opened = options.noBrowser ? false : await (options.openBrowser ?? openSystemBrowser)(url);
        if (opened && options.opener) {
          options.out(
            `${options.opener} answered ${request.provider}'s sign-in page (no browser was opened):\n  ${url}`,
          );
        } else if (opened) {
          options.out(
            `Opened your browser to sign in to ${request.provider}. If nothing appeared, open this URL:\n  ${url}`,
          );
        } else {
          options.out(
            `${options.noBrowser ? 'As asked (--no-browser), no browser was opened.' : 'No browser could be opened on this machine.'} Open this URL in a browser to sign in to ${request.provider}:\n  ${url}`,
          );
          // A sign-in page on this machine's loopback is the sandbox's: it needs forwarding too, and its consent page
          // approves at once, so a plain HTTP client following the redirects finishes the sign-in.
          const local = isLoopback(authorize.hostname);
          const pagePort = Number(authorize.port || (authorize.protocol === 'https:' ? 443 : 80));
          options.out(sshForwardHint(local ? [loopback.address.port, pagePort] : [loopback.address.port]));
          if (local) options.out(`Or, on this machine, without a browser: curl -sL '${url}' > /dev/null`);
        }
        options.out(`Waiting for the sign-in to finish (redirect to ${loopback.redirectUri})…`);
        const callback = await loopback.waitForCode();
        step('the browser came back with an authorization code (not shown) and the right state; exchanging it');
        return {
          code: callback.code,
          params: callback.params,
          redirectUri: loopback.redirectUri,
          verifier: pkce.verifier,
        };
      } finally {
        options.signal?.removeEventListener('abort', stop);
        await loopback.close();
      }
    },
  };
}
