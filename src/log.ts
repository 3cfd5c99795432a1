// Logging to stderr only (stdout is the MCP wire), with every known secret redacted before it is written.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levels: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Authorization schemes whose credential is masked wherever it appears; the registry adds providers' own (Zoho's). */
const authSchemes = new Set(['bearer', 'basic']);

/** Masks `<scheme> <credential>` from now on, as for Bearer. */
export function registerAuthScheme(scheme: string): void {
  authSchemes.add(scheme.toLowerCase());
}

const schemePattern = (): RegExp =>
  new RegExp(
    `\\b(${[...authSchemes].map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\s+[A-Za-z0-9._~+/=-]{8,}`,
    'gi',
  );

/** Shapes that look like credentials even when we never registered them (a provider echoing a token). */
const secretPatterns = (): RegExp[] => [
  schemePattern(),
  /\bre_[A-Za-z0-9_]{8,}/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g,
];

const knownSecrets = new Set<string>();

/** Registers a secret value so that it is masked wherever it later appears in a log line or error text. */
export function registerSecret(value: string): void {
  if (value.length >= 6) knownSecrets.add(value);
}

/** Masks registered secrets (longest first, so a secret that extends another is masked whole) and credential-shaped strings. */
export function redact(text: string): string {
  let out = text;
  for (const secret of [...knownSecrets].sort((a, b) => b.length - a.length))
    out = out.split(secret).join('[redacted]');
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
