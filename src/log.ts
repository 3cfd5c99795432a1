// Logging to stderr only (stdout is the MCP wire), with every known secret redacted before it is written.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levels: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Authorization schemes whose credential is masked wherever it appears; the registry adds providers' own (Zoho's). */
const authSchemes = new Set(['bearer', 'basic']);
let patterns: RegExp[] | undefined;

/** Masks `<scheme> <credential>` from now on, as for Bearer. */
export function registerAuthScheme(scheme: string): void {
  authSchemes.add(scheme.toLowerCase());
  patterns = undefined;
}

const schemePattern = (): RegExp =>
  new RegExp(
    `\\b(${[...authSchemes].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\s+[A-Za-z0-9._~+/=-]{8,}`,
    'gi',
  );

/** Shapes that look like credentials even when we never registered them (a provider echoing a token). */
const secretPatterns = (): RegExp[] =>
  (patterns ??= [
    schemePattern(),
    /\bre_[A-Za-z0-9_]{8,}/g,
    /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g,
  ]);

// The registry holds only what can still turn up in a log line, so a server that refreshes tokens for weeks neither
// grows nor slows: each owner's secrets in use (held), and a bounded number of retired and one-off values.
const minSecretLength = 6;
/**
 * How many retired and one-off values stay masked, newest kept: a request that was in flight when its token was
 * replaced may still fail and quote the old one. Four providers refreshing hourly retire about eight an hour.
 */
export const recentSecretsKept = 64;
/** Owner (a connection: `zoom`) -> secret name (`refresh_token`, `access_token`) -> the value in use. */
const held = new Map<string, Map<string, string>>();
/** Retired and one-off values, oldest first (a Set keeps insertion order). */
const recent = new Set<string>();
/** Every masked value, longest first; recomputed only when the registry changes, not per line. */
let ordered: string[] | undefined;

const isHeld = (value: string): boolean => [...held.values()].some((names) => [...names.values()].includes(value));

/** Adds `value` to the recent values as the newest, forgetting the oldest past the bound. */
function remember(value: string): void {
  const known = recent.delete(value);
  recent.add(value);
  if (known) return;
  for (const oldest of recent) {
    if (recent.size <= recentSecretsKept) break;
    recent.delete(oldest);
  }
  ordered = undefined;
}

/**
 * Masks `value` as the `name` secret that `owner` uses now (a connection's API key, refresh or access token). The value
 * it replaces is retired: masked among the recent values for a while, then forgotten.
 */
export function holdSecret(owner: string, name: string, value: string): void {
  const names = held.get(owner) ?? new Map<string, string>();
  const before = names.get(name);
  if (before === value) return;
  if (value.length >= minSecretLength) {
    names.set(name, value);
    held.set(owner, names);
    recent.delete(value);
  } else names.delete(name);
  if (before !== undefined && !isHeld(before)) remember(before);
  ordered = undefined;
}

/** `owner` no longer uses its secrets (its connection was removed), or this one of them: they are retired. */
export function releaseSecrets(owner: string, name?: string): void {
  const names = held.get(owner);
  if (!names) return;
  const released = name === undefined ? [...names.keys()] : [name];
  for (const key of released) {
    const value = names.get(key);
    names.delete(key);
    if (value !== undefined && !isHeld(value)) remember(value);
  }
  if (names.size === 0) held.delete(owner);
  ordered = undefined;
}

/**
 * Masks a value that no owner holds (a sign-in's code and verifier, a token answer before a connection holds it, a
 * credential a failed request carried) among the recent values: it is forgotten after `recentSecretsKept` newer ones.
 */
export function registerSecret(value: string): void {
  if (value.length >= minSecretLength && !isHeld(value)) remember(value);
}

/** How many values are masked now (held and recent): bounded, however long the process runs. */
export function maskedSecretCount(): number {
  return masked().length;
}

function masked(): string[] {
  ordered ??= [...new Set([...[...held.values()].flatMap((names) => [...names.values()]), ...recent])].sort(
    (a, b) => b.length - a.length,
  );
  return ordered;
}

/** Masks registered secrets (longest first, so a secret that extends another is masked whole) and credential-shaped strings. */
export function redact(text: string): string {
  let out = text;
  for (const secret of masked()) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  for (const pattern of secretPatterns()) {
    out = out.replace(pattern, (match, scheme: string | undefined) =>
      typeof scheme === 'string' && authSchemes.has(scheme.toLowerCase()) ? `${scheme} [redacted]` : '[redacted]',
    );
  }
  return out;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that writes one redacted line per event to the given stream (stderr by default). */
export function createLogger(
  minLevel: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (levels[level] < levels[minLevel]) return;
    // Values are redacted before JSON escaping, which would otherwise hide a secret containing `"` or `\\`.
    const suffix =
      fields && Object.keys(fields).length > 0
        ? ` ${JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value))}`
        : '';
    write(redact(`[alsatalk-mcp] ${level}: ${message}${suffix}`) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}
