// The only reader of process.env: one zod schema, and every error names the variable and the fix.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { canonicalTimeZone, systemTimeZone, timeZoneRefusal } from './time-zone.js';
import type { LogLevel } from './log.js';

/** A base URL a connector calls, overridable by one environment variable (to point at a fake provider). */
export interface EndpointSpec {
  env: string;
  default: string;
  description: string;
}

/** What the configuration reads besides its own variables: every connector's base URLs and credential variables. */
export interface ConfigSpecs {
  /** connector id -> endpoint name -> its variable and default. */
  endpoints: Record<string, Record<string, EndpointSpec>>;
  /** connector id -> field key -> the variable that may give it (`ALSATALK_GOOGLE_CLIENT_ID` for google's clientId). */
  credentials: Record<string, Record<string, string>>;
  /** connector id -> limit name -> its variable and documented default (Zoom's creates per second). */
  limits?: Record<string, Record<string, LimitSpec>>;
}

/** A documented provider limit, overridable by one environment variable (a plan with other limits, a test). */
export interface LimitSpec {
  env: string;
  default: number;
}

export type SecretStoreConfig =
  | { kind: 'keychain'; service: string }
  | { kind: 'file'; service: string; path: string; key: string }
  | { kind: 'sandbox'; service: string; url: string; key: string };

export interface Config {
  dataDir: string;
  databasePath: string;
  /** IANA zone used when book_meeting gets no `timezone`. */
  defaultTimezone: string;
  secretStore: SecretStoreConfig;
  /** connector id -> endpoint name -> base URL, without a trailing slash. */
  endpoints: Record<string, Record<string, string>>;
  /** connector id -> limit name -> what the environment sets; present only when one is set (connectors default the rest). */
  limits?: Record<string, Record<string, number>>;
  providerTimeoutMs: number;
  /**
   * Resend's team-wide limit, which every process on this data folder shares
   * (https://resend.com/docs/api-reference/rate-limit); undefined: the one `connect resend` stored, else 2.
   */
  resendRatePerSecond: number | undefined;
  /** How long a booking call waits for its e-mail before it answers `queued` and the outbox finishes the job. */
  emailWaitMs: number;
  logLevel: LogLevel;
  /**
   * connector id -> field key -> value, from `ALSATALK_<CONNECTOR>_CLIENT_ID` and `_CLIENT_SECRET`: the OAuth app for
   * `connect` when no flag names it (the server itself only ever uses a client id from here). Absent when none is set.
   */
  credentials?: Record<string, Record<string, string>>;
}

export interface Platform {
  platform: NodeJS.Platform;
  homedir: string;
  machineTimezone: string | undefined;
}

const currentPlatform = (): Platform => ({
  platform: process.platform,
  homedir: os.homedir(),
  machineTimezone: systemTimeZone(process.env.TZ),
});

/** How long one provider may take for a booking, unless ALSATALK_PROVIDER_TIMEOUT_MS says otherwise. */
export const defaultProviderTimeoutMs = 20_000;

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const envSchema = z.object({
  ALSATALK_HOME: optionalText,
  XDG_DATA_HOME: optionalText,
  APPDATA: optionalText,
  ALSATALK_DEFAULT_TIMEZONE: optionalText
    .refine((v) => v === undefined || canonicalTimeZone(v) !== undefined, {
      error: (issue) => {
        const { fix } = timeZoneRefusal(String(issue.input));
        return `must be an IANA time-zone name, not "${String(issue.input)}": ${fix}`;
      },
    })
    .transform((v) => (v === undefined ? undefined : canonicalTimeZone(v))),
  ALSATALK_SECRET_STORE: z
    .enum(['keychain', 'file', 'sandbox'], {
      message: 'must be "keychain" (the default), "file", or "sandbox" (only with `alsatalk-mcp sandbox`)',
    })
    .default('keychain'),
  // The sandbox's in-memory store is reached over loopback only: a secret store elsewhere would be a leak.
  ALSATALK_SANDBOX_URL: optionalText.refine(
    (v) => v === undefined || /^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(v),
    {
      message: "must be the sandbox's loopback origin, such as http://127.0.0.1:8960",
    },
  ),
  ALSATALK_SANDBOX_KEY: optionalText,
  ALSATALK_SECRET_FILE_KEY: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters (use a long random passphrase)',
  }),
  ALSATALK_KEYCHAIN_SERVICE: optionalText,
  ALSATALK_PROVIDER_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds' })
    .int()
    .min(1000, 'must be at least 1000 ms')
    .max(300_000, 'must be at most 300000 ms')
    .default(defaultProviderTimeoutMs),
  // Resend's default team limit is 2 requests per second; a team that had it raised says so here (or stores it with
  // `connect resend --rate-per-second`, which this overrides). Unset: the stored rate, else 2.
  ALSATALK_RESEND_RATE_PER_SECOND: z.coerce
    .number({ message: "must be a number of requests per second, such as 2 (Resend's default team limit)" })
    .positive("must be more than 0 (Resend's default team limit is 2 per second)")
    .optional(),
  // How long book_meeting waits for its e-mail before answering `queued` (the outbox sends it in the background).
  ALSATALK_EMAIL_WAIT_MS: z.coerce
    .number({ message: 'must be a number of milliseconds, such as 30000' })
    .int('must be a whole number of milliseconds')
    .min(0, 'must be 0 (do not wait: answer `queued` at once) or more')
    .max(300_000, 'must be at most 300000 ms')
    .default(30_000),
  ALSATALK_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'], { message: 'must be one of debug, info, warn, error' })
    .default('info'),
});

/** The per-user data folder: XDG on Linux, Application Support on macOS, %APPDATA% on Windows. */
export function defaultDataDir(
  p: Platform,
  env: { XDG_DATA_HOME?: string | undefined; APPDATA?: string | undefined },
): string {
  if (p.platform === 'darwin') return path.join(p.homedir, 'Library', 'Application Support', 'alsatalk-mcp');
  if (p.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(p.homedir, 'AppData', 'Roaming'), 'alsatalk-mcp');
  return path.join(env.XDG_DATA_HOME ?? path.join(p.homedir, '.local', 'share'), 'alsatalk-mcp');
}

function readEndpoints(
  env: Record<string, string | undefined>,
  specs: Record<string, Record<string, EndpointSpec>>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [connector, endpoints] of Object.entries(specs)) {
    const resolved: Record<string, string> = {};
    for (const [name, spec] of Object.entries(endpoints)) {
      const raw = env[spec.env]?.trim() || spec.default;
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new ConfigError(
          `${spec.env} is not a URL: "${raw}"`,
          `set ${spec.env} to an http(s) URL such as ${spec.default}, or unset it`,
        );
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw new ConfigError(
          `${spec.env} must be an http(s) URL, got "${raw}"`,
          `set ${spec.env} to an http(s) URL such as ${spec.default}`,
        );
      }
      resolved[name] = raw.replace(/\/+$/, '');
    }
    out[connector] = resolved;
  }
  return out;
}

/** The schema of the credential variables the connectors name: optional text, like every other variable. */
const credentialSchema = (specs: ConfigSpecs['credentials']) =>
  z.object(
    Object.fromEntries(Object.values(specs).flatMap((fields) => Object.values(fields).map((v) => [v, optionalText]))),
  );

/** The credential variables `env` sets, by connector and field; blank ones are unset. */
export function readCredentials(
  env: Readonly<Record<string, string | undefined>>,
  specs: ConfigSpecs['credentials'],
): Record<string, Record<string, string>> {
  const parsed = credentialSchema(specs).parse(env) as Record<string, string | undefined>;
  return Object.fromEntries(
    Object.entries(specs).map(([connector, fields]) => [
      connector,
      Object.fromEntries(
        Object.entries(fields).flatMap(([key, variable]) => {
          const value = parsed[variable];
          return value === undefined ? [] : [[key, value]];
        }),
      ),
    ]),
  );
}

/**
 * The limits `env` sets, by connector and limit name: a positive number each, else an error naming the variable. Only
 * what is set: each connector applies its documented default to the rest.
 */
export function readLimits(
  env: Readonly<Record<string, string | undefined>>,
  specs: NonNullable<ConfigSpecs['limits']>,
): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [connector, limits] of Object.entries(specs)) {
    for (const [name, spec] of Object.entries(limits)) {
      const raw = env[spec.env];
      if (raw === undefined) continue;
      const value = Number(raw);
      if (!Number.isFinite(value) || value <= 0) {
        throw new ConfigError(
          `${spec.env} must be a positive number, got "${raw}"`,
          `set ${spec.env} to your plan's limit (the documented default is ${spec.default}), or unset it`,
        );
      }
      (out[connector] ??= {})[name] = value;
    }
  }
  return out;
}

const withLimits = (limits: Record<string, Record<string, number>>): Pick<Config, 'limits'> =>
  Object.keys(limits).length > 0 ? { limits } : {};

const withCredentials = (credentials: Record<string, Record<string, string>>): Pick<Config, 'credentials'> =>
  Object.values(credentials).some((fields) => Object.keys(fields).length > 0) ? { credentials } : {};

/**
 * Reads the configuration once. Tests pass a plain object; `serve` and the CLI pass `process.env`.
 * @param specs every connector's overridable base URLs and credential variables, keyed by connector id
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  specs: ConfigSpecs,
  platform: Platform = currentPlatform(),
): Config {
  // A blank variable (often left behind in an MCP host's config) means "unset", for every variable alike.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = envSchema.safeParse(set);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(`${variable} ${issue?.message ?? 'is invalid'}`, `fix or unset ${variable}`);
  }
  const e = result.data;
  const dataDir = e.ALSATALK_HOME ? path.resolve(e.ALSATALK_HOME) : defaultDataDir(platform, e);
  const service = e.ALSATALK_KEYCHAIN_SERVICE ?? 'alsatalk-mcp';
  let secretStore: SecretStoreConfig;
  if (e.ALSATALK_SECRET_STORE === 'sandbox') {
    if (!e.ALSATALK_SANDBOX_URL || !e.ALSATALK_SANDBOX_KEY) {
      throw new ConfigError(
        'ALSATALK_SECRET_STORE=sandbox needs ALSATALK_SANDBOX_URL and ALSATALK_SANDBOX_KEY, which `alsatalk-mcp sandbox` prints',
        'start `npx alsatalk-mcp sandbox` and copy the environment it prints, or unset ALSATALK_SECRET_STORE to use the OS keychain',
      );
    }
    secretStore = { kind: 'sandbox', service, url: e.ALSATALK_SANDBOX_URL, key: e.ALSATALK_SANDBOX_KEY };
  } else if (e.ALSATALK_SECRET_STORE === 'file') {
    if (!e.ALSATALK_SECRET_FILE_KEY) {
      throw new ConfigError(
        'ALSATALK_SECRET_STORE=file needs ALSATALK_SECRET_FILE_KEY, the passphrase that encrypts the secrets file',
        'set ALSATALK_SECRET_FILE_KEY to a long random passphrase (keep it outside the data folder), or unset ALSATALK_SECRET_STORE to use the OS keychain',
      );
    }
    secretStore = { kind: 'file', service, path: path.join(dataDir, 'secrets.enc'), key: e.ALSATALK_SECRET_FILE_KEY };
  } else {
    secretStore = { kind: 'keychain', service };
  }
  const machineZone = (platform.machineTimezone && canonicalTimeZone(platform.machineTimezone)) || 'UTC';
  return {
    dataDir,
    databasePath: path.join(dataDir, 'alsatalk.db'),
    defaultTimezone: e.ALSATALK_DEFAULT_TIMEZONE ?? machineZone,
    secretStore,
    endpoints: readEndpoints(set, specs.endpoints),
    providerTimeoutMs: e.ALSATALK_PROVIDER_TIMEOUT_MS,
    resendRatePerSecond: e.ALSATALK_RESEND_RATE_PER_SECOND,
    emailWaitMs: e.ALSATALK_EMAIL_WAIT_MS,
    logLevel: e.ALSATALK_LOG_LEVEL,
    ...withCredentials(readCredentials(set, specs.credentials)),
    ...withLimits(readLimits(set, specs.limits ?? {})),
  };
}
