// The project's small error family: every error a user can meet says what happened and what to do next.

/** Stable, machine-readable error codes; agents branch on these, humans read `message` and `hint`. */
export type ErrorCode =
  | 'invalid_input'
  | 'config_invalid'
  | 'not_connected'
  | 'auth_failed'
  | 'permission_denied'
  | 'rate_limited'
  | 'provider_rejected'
  | 'provider_unavailable'
  | 'timeout'
  | 'network_error'
  | 'secret_store_unavailable'
  | 'storage_failed'
  | 'email_failed'
  /** A repeated call found an earlier call's request cut off, and the provider cannot be searched for what it made. */
  | 'outcome_unknown'
  /** A repeated call found another process still making the same booking. */
  | 'in_progress'
  /** The host is busy at the requested time in a connected calendar: nothing was created. */
  | 'conflict'
  | 'internal_error';

export interface AppErrorOptions {
  /** The next action that fixes it, phrased as an instruction ("run `npx alsatalk-mcp connect zoom`"). */
  hint?: string;
  cause?: unknown;
}

/** The family's names: `error.name` tells the kind even where `instanceof` cannot (another copy of the module). */
export type AppErrorName =
  'AppError' | 'InputError' | 'ConfigError' | 'SecretStoreError' | 'ProviderError' | 'SignInUnavailable';

/** Base class: a message for the user, a stable code, and a hint naming the fix. */
export class AppError extends Error {
  override readonly name: AppErrorName = 'AppError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** Input the caller can fix: names the field and the expected form. */
export class InputError extends AppError {
  override readonly name = 'InputError' as const;
  readonly field: string;
  /** What is wrong, without the field's name in front (`message` is "field: problem"). */
  readonly problem: string;

  constructor(field: string, message: string, hint?: string) {
    super('invalid_input', `${field}: ${message}`, { hint });
    this.field = field;
    this.problem = message;
  }
}

/** An environment variable or setting that cannot be used as given. */
export class ConfigError extends AppError {
  override readonly name = 'ConfigError' as const;

  constructor(message: string, hint?: string) {
    super('config_invalid', message, { hint });
  }
}

/** The keychain (or the explicitly chosen encrypted file) cannot be read or written. */
export class SecretStoreError extends AppError {
  override readonly name = 'SecretStoreError' as const;

  constructor(message: string, options: AppErrorOptions = {}) {
    super('secret_store_unavailable', message, options);
  }
}

/**
 * A provider call failed; `provider` says which one, `status` the HTTP status when there was one, `retryAfterSeconds`
 * the wait a 429 named (Retry-After or a rate-limit reset header), for a hold every process then honours.
 */
export class ProviderError extends AppError {
  override readonly name = 'ProviderError' as const;
  readonly provider: string;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    provider: string,
    code: ErrorCode,
    message: string,
    options: AppErrorOptions & { status?: number; retryAfterSeconds?: number | undefined } = {},
  ) {
    super(code, message, options);
    this.provider = provider;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * A browser sign-in that could not start: what the user does instead (run the CLI, or give a non-secret value).
 * connect_provider reports it as its outcome, not as an error.
 */
/** A value of a browser sign-in that the person may give in the conversation (never a secret). */
export type SignInValue = 'client_id' | 'port';

export class SignInUnavailable extends AppError {
  override readonly name = 'SignInUnavailable' as const;

  constructor(
    message: string,
    readonly nextStep: string,
    /** The values whose absence stopped the sign-in and that the person may give (a form, the tool's arguments). */
    readonly missing: readonly SignInValue[] = [],
  ) {
    super('not_connected', message, { hint: nextStep });
  }
}

/**
 * better-sqlite3's SqliteError, told by its name and `code` (SQLITE_BUSY, SQLITE_READONLY_DBMOVED...) so that this module
 * loads no native code. Only the codes a person can act on become storage errors; the rest stay internal.
 */
function fromSqlite(error: unknown): AppError | undefined {
  if (!(error instanceof Error) || error.name !== 'SqliteError') return undefined;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AppError(
      'storage_failed',
      `The database alsatalk.db is locked by another process (${code}), and stayed locked while this one waited`,
      {
        cause: error,
        hint: 'close the other program writing to it (another alsatalk-mcp started by a second MCP host, a `connect` in another terminal, or an SQLite browser), or wait a moment, then retry',
      },
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new AppError('storage_failed', `The database alsatalk.db cannot be written (${code}: ${error.message})`, {
      cause: error,
      hint: 'let this user write the data folder and alsatalk.db, or point ALSATALK_HOME at a folder you own, then retry',
    });
  }
  return undefined;
}

/** The message of any thrown value: an Error's message, anything else as text. */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Any thrown value as an AppError; unknown errors keep their message but never a stack for the user. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const storage = fromSqlite(error);
  if (storage) return storage;
  return new AppError('internal_error', errorMessage(error), { cause: error });
}

/** "message. hint" in one line, for CLI output and tool text. */
export function describeError(error: AppError): string {
  return error.hint ? `${error.message}\n→ ${error.hint}` : error.message;
}
