// The browser sign-in run by the server itself (connect_provider): the same connect code and loopback flow as the CLI,
// with the URL handed to the MCP host instead of a browser, finishing in the background.
import { createBrowserLogin } from '../auth/browser-login.js';
import { readCredentials, type Config } from '../config.js';
import { configSpecs } from '../connectors.js';
import { AppError, InputError, SignInUnavailable, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectCommand, type Connector } from '../providers/provider.js';
import type { Connections } from './connections.js';

/** What the user gives in the conversation: never a secret. */
export interface SignInRequest {
  /** The OAuth app's client id (public by design); default: the one of the previous connection. */
  clientId?: string | undefined;
  /** The registered redirect URI's port, for providers that match it exactly; default: the previous connection's. */
  port?: number | undefined;
}

export type SignInState =
  | { state: 'pending'; url: string; startedAt: string }
  | { state: 'connected'; account: string; finishedAt: string }
  | { state: 'failed'; message: string; hint?: string | undefined; finishedAt: string };

interface Running {
  url: string;
  startedAt: string;
  abort: AbortController;
  done: Promise<void>;
}

export interface BackgroundSignInsOptions {
  /** How long the loopback waits for the browser (5 minutes unless a test says otherwise). */
  timeoutMs?: number;
  /**
   * An environment to read `ALSATALK_<CONNECTOR>_CLIENT_ID` from instead of the configuration's: it names the OAuth
   * app (never its secret, see #values).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One pending sign-in per connector at most; the outcome of the last one is kept for connect_provider to report. */
export class BackgroundSignIns {
  readonly #running = new Map<string, Running>();
  readonly #outcomes = new Map<string, SignInState>();

  constructor(
    private readonly ctx: { config: Pick<Config, 'credentials'>; connections: Connections; log: Logger },
    private readonly options: BackgroundSignInsOptions = {},
  ) {}

  /** The running or last sign-in of a connector, if any since the server started. */
  state(connectorId: string): SignInState | undefined {
    const running = this.#running.get(connectorId);
    return running
      ? { state: 'pending', url: running.url, startedAt: running.startedAt }
      : this.#outcomes.get(connectorId);
  }

  /**
   * Starts the connector's browser sign-in and resolves with the URL to open once the loopback listens, or with the
   * running one's. `onDone` runs when the sign-in ends either way.
   * @throws SignInUnavailable when a value is missing that only the user can give (a client id, a port) or that must
   * never pass through the conversation (a client secret: only the keychain's is used); AppError when it fails at once.
   */
  async start(
    connector: Connector,
    request: SignInRequest,
    onDone?: (state: SignInState) => void,
  ): Promise<{ url: string; startedAt: string; reused: boolean }> {
    const running = this.#running.get(connector.id);
    if (running) return { url: running.url, startedAt: running.startedAt, reused: true };
    const values = await this.#values(connector, request);

    const abort = new AbortController();
    let announce!: (url: string) => void;
    const urlReady = new Promise<string>((resolve) => (announce = resolve));
    const login = createBrowserLogin({
      // What the CLI prints goes to stderr here (stdout is the MCP wire); the URL itself reaches the user through the host.
      out: (line) => this.ctx.log.debug(line.split('\n')[0] ?? ''),
      noBrowser: false,
      ...(values.port ? { port: Number(values.port) } : {}),
      command: connectCommand(connector.id),
      openBrowser: async (url) => {
        announce(url);
        return true;
      },
      signal: abort.signal,
      ...(this.options.timeoutMs !== undefined ? { timeoutMs: this.options.timeoutMs } : {}),
    });
    const startedAt = new Date().toISOString();
    const flow = (async () => {
      const result = await connector.connect(values, this.ctx.connections.context(connector.id, login));
      await this.ctx.connections.save(connector, result);
      return result.account;
    })();
    const first = await Promise.race([
      urlReady.then((url) => ({ url })),
      flow.then(
        () => ({ url: undefined }),
        (error: unknown) => ({ error }),
      ),
    ]);
    if ('error' in first) throw toAppError(first.error);
    if (first.url === undefined)
      throw new AppError('auth_failed', `${connector.displayName} connected without a browser sign-in`);

    const done = flow.then(
      (account) =>
        this.#finish(connector, { state: 'connected', account, finishedAt: new Date().toISOString() }, onDone),
      (error: unknown) => {
        const e = toAppError(error);
        this.ctx.log.warn(`${connector.id}: the sign-in started by connect_provider failed`, { error: e.message });
        this.#finish(
          connector,
          { state: 'failed', message: e.message, hint: e.hint, finishedAt: new Date().toISOString() },
          onDone,
        );
      },
    );
    this.#running.set(connector.id, { url: first.url, startedAt, abort, done });
    this.#outcomes.delete(connector.id);
    return { url: first.url, startedAt, reused: false };
  }

  /** Stops a pending sign-in (the person declined); nothing is stored. */
  async cancel(connectorId: string): Promise<void> {
    const running = this.#running.get(connectorId);
    if (!running) return;
    running.abort.abort();
    await running.done;
  }

  /** Stops every pending sign-in, for shutdown. */
  async close(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((id) => this.cancel(id)));
  }

  #finish(connector: Connector, state: SignInState, onDone?: (state: SignInState) => void): void {
    this.#running.delete(connector.id);
    this.#outcomes.set(connector.id, state);
    try {
      onDone?.(state);
    } catch (error) {
      this.ctx.log.warn(`${connector.id}: reporting the end of the sign-in failed`, { error: String(error) });
    }
  }

  /** The connect values: the client id and port from the request or the previous connection, the secret from the keychain. */
  async #values(connector: Connector, request: SignInRequest): Promise<Record<string, string>> {
    const support = connector.signIn;
    const command = connectCommand(connector.id);
    if (!support) throw new SignInUnavailable(`${connector.displayName} has no browser sign-in`, command);
    const previous = this.ctx.connections.get(connector.id)?.settings ?? {};
    const values: Record<string, string> = {};
    // Chosen settings of the previous connection carry over (calendar, booking mode, region, service…).
    for (const key of support.keep) {
      const kept = previous[key];
      // A switch (`--no-teams`) is kept as the value its flag gives.
      const value = typeof kept === 'string' ? kept : kept === true ? 'true' : pick(kept);
      if (value) values[key] = value;
    }
    const credentials = this.options.env
      ? readCredentials(this.options.env, configSpecs.credentials)
      : (this.ctx.config.credentials ?? {});
    const fromEnv = credentials[connector.id]?.clientId;
    const clientId =
      request.clientId?.trim() || fromEnv || (typeof previous.clientId === 'string' ? previous.clientId : '');
    const port = request.port ?? (typeof previous.redirectPort === 'number' ? previous.redirectPort : undefined);
    const portMissing = support.fixedPort === true && port === undefined;
    if (!clientId) {
      throw new SignInUnavailable(
        `${connector.displayName}'s sign-in needs the client id of your own OAuth app`,
        `give client_id (it is not a secret), or run: ${command}`,
        portMissing ? ['client_id', 'port'] : ['client_id'],
      );
    }
    values.clientId = clientId;
    if (portMissing) {
      throw new SignInUnavailable(
        `${connector.displayName} accepts only the exact redirect URI registered for the app, so the sign-in needs its port`,
        `give port (the one in the registered redirect URI), or run: ${command} --port <port>`,
        ['port'],
      );
    }
    if (port !== undefined) {
      if (!Number.isInteger(port) || port < 1 || port > 65_535)
        throw new InputError(
          'port',
          `${port} is not a port number`,
          'give the port of the registered redirect URI, 1 to 65535',
        );
      values.port = String(port);
    }
    if (support.clientSecret !== 'none') {
      // Only the secret already stored for this same client: a secret never travels through the conversation.
      const sameClient = previous.clientId === clientId;
      const secret = sameClient ? await this.ctx.connections.findSecret(connector.id, 'client_secret') : null;
      if (secret) values.client_secret = secret;
      else if (support.clientSecret === 'required') {
        throw new SignInUnavailable(
          `${connector.displayName}'s sign-in needs the OAuth app's client secret, which is only ever typed into a terminal`,
          `run in a terminal: ${command} --client-id ${clientId}`,
        );
      }
    }
    return values;
  }
}

/** A stored choice as connect takes it again: an event type by slug, a Zoho service or staff member by id. */
function pick(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['slug', 'id']) if (typeof record[key] === 'string' && record[key]) return record[key];
  return undefined;
}
