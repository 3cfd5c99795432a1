// Redaction and the logger: secrets never reach a log line, and lines go only where the caller says.
// Note: registered secrets are process-wide; every test registers its own distinct values.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, redact, registerSecret } from '../../src/log.js';
// The registry registers each provider's own Authorization scheme (Zoho's) for redaction.
import '../../src/providers/index.js';

afterEach(() => vi.restoreAllMocks());

describe('redact', () => {
  it('masks a registered secret wherever it appears', () => {
    registerSecret('zoom-client-secret-7Hq2');
    expect(redact('secret=zoom-client-secret-7Hq2; again zoom-client-secret-7Hq2!')).toBe(
      'secret=[redacted]; again [redacted]!',
    );
  });

  it('ignores secrets shorter than 6 characters (they would mask ordinary words)', () => {
    registerSecret('abc');
    expect(redact('abc abcabc')).toBe('abc abcabc');
  });

  it('masks Bearer and Basic credentials but keeps the scheme', () => {
    expect(redact('Authorization: Bearer abc.DEF-123_456~xyz')).toBe('Authorization: Bearer [redacted]');
    expect(redact('authorization: basic Y2xpZW50OnNlY3JldA==')).toBe('authorization: basic [redacted]');
    expect(redact('Zoho-oauthtoken 1000.abcdef123456')).toBe('Zoho-oauthtoken [redacted]');
  });

  it('masks Resend keys', () => {
    expect(redact('key re_abcdefghijklmnop rejected')).toBe('key [redacted] rejected');
    expect(redact('{"apiKey":"re_123abc_XYZ987654"}')).toBe('{"apiKey":"[redacted]"}');
  });

  it('masks JWT-shaped strings', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redact(`token=${jwt} end`)).toBe('token=[redacted] end');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Booked "Quarterly review" for ada@example.com at https://zoom.us/j/85746065432 (are_you_there?)';
    expect(redact(text)).toBe(text);
  });

  // Fields are JSON-encoded before they are written: a registered secret containing `"` or `\` must still be masked
  // once JSON.stringify has escaped it.
  it('masks a registered secret with quotes or backslashes when it is logged in fields', () => {
    registerSecret('pass"phrase\\with-quote');
    const lines: string[] = [];
    createLogger('debug', (line) => lines.push(line)).info('connected', { key: 'pass"phrase\\with-quote' });
    expect(lines[0]).not.toContain('phrase');
  });

  // A shorter registered secret that is a prefix of a longer one must not mask only the prefix and leave the rest of
  // the longer secret in the output (secrets are masked longest first).
  it('masks the whole of a secret that starts with another registered secret', () => {
    registerSecret('tok123456');
    registerSecret('tok123456-LONG-TAIL-SECRET');
    expect(redact('value tok123456-LONG-TAIL-SECRET')).toBe('value [redacted]');
  });
});

describe('createLogger', () => {
  it('writes one line per event through the supplied function only', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    log.info('booked', { provider: 'zoom', ms: 412 });
    log.error('failed');
    expect(lines).toEqual([
      '[alsatalk-mcp] info: booked {"provider":"zoom","ms":412}\n',
      '[alsatalk-mcp] error: failed\n',
    ]);
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });

  it('drops events below the minimum level', () => {
    const lines: string[] = [];
    const log = createLogger('warn', (line) => lines.push(line));
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines).toEqual(['[alsatalk-mcp] warn: w\n', '[alsatalk-mcp] error: e\n']);
  });

  it('debug level writes everything; empty fields add nothing', () => {
    const lines: string[] = [];
    createLogger('debug', (line) => lines.push(line)).debug('hello', {});
    expect(lines).toEqual(['[alsatalk-mcp] debug: hello\n']);
  });

  it('never writes a registered secret, in the message or in fields', () => {
    registerSecret('s3cr3t-client-value');
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    log.warn('Zoom said: invalid client s3cr3t-client-value', {
      secret: 's3cr3t-client-value',
      nested: { v: 'x s3cr3t-client-value' },
    });
    log.error('header was Bearer eyJhbGciOiJIUzI1NiJ9abcdef');
    expect(lines.join('')).not.toContain('s3cr3t-client-value');
    expect(lines[0]).toBe(
      '[alsatalk-mcp] warn: Zoom said: invalid client [redacted] {"secret":"[redacted]","nested":{"v":"x [redacted]"}}\n',
    );
    expect(lines[1]).toBe('[alsatalk-mcp] error: header was Bearer [redacted]\n');
  });
});
