// The redaction registry's lifetimes: a connection's secrets in use are always masked; a value retired by a refresh or a
// removal stays masked for `recentSecretsKept` newer retirements, then is forgotten, so the registry never grows.
import { describe, expect, it } from 'vitest';
import {
  holdSecret,
  maskedSecretCount,
  recentSecretsKept,
  redact,
  registerSecret,
  releaseSecrets,
} from '../../src/log.js';

const token = (n: number) => `zoom-access-token-${String(n).padStart(4, '0')}`;

describe('the redaction registry', () => {
  it('masks a refreshed token and the one it replaced, then forgets the old one after the grace bound', () => {
    holdSecret('zoom', 'access_token', token(0));
    holdSecret('zoom', 'access_token', token(1));
    // Within the grace: a line about a request still in flight with the old token is masked.
    expect(redact(`sent ${token(0)}, now ${token(1)}`)).toBe('sent [redacted], now [redacted]');

    for (let n = 2; n <= recentSecretsKept + 1; n += 1) holdSecret('zoom', 'access_token', token(n));
    const current = token(recentSecretsKept + 1);
    expect(redact(`old ${token(0)}`)).toBe(`old ${token(0)}`);
    expect(redact(`old ${token(1)}`)).toBe('old [redacted]');
    expect(redact(`current ${current}`)).toBe('current [redacted]');
    expect(maskedSecretCount()).toBe(recentSecretsKept + 1);
  });

  it('stays bounded through thousands of refreshes and one-off values, and always masks the secrets in use', () => {
    holdSecret('google', 'client_secret', 'google-client-secret-value');
    for (let n = 0; n < 5000; n += 1) {
      holdSecret('google', 'access_token', `ya29.access-${n}`);
      holdSecret('calendly', 'refresh_token', `calendly-refresh-${n}`);
      registerSecret(`sign-in-code-${n}`);
    }
    expect(maskedSecretCount()).toBeLessThanOrEqual(recentSecretsKept + 4);
    expect(redact('google-client-secret-value ya29.access-4999 calendly-refresh-4999')).toBe(
      '[redacted] [redacted] [redacted]',
    );
  });

  it('retires every secret of a removed connection, and masks the longer of two overlapping values whole', () => {
    holdSecret('zoho', 'refresh_token', '1000.refresh.abcdef');
    holdSecret('zoho', 'client_secret', '1000.refresh.abcdef-and-more');
    expect(redact('x 1000.refresh.abcdef-and-more y')).toBe('x [redacted] y');
    releaseSecrets('zoho');
    // Retired, still masked for a while: a log line about the removal may quote them.
    expect(redact('1000.refresh.abcdef')).toBe('[redacted]');
    for (let n = 0; n < recentSecretsKept; n += 1) registerSecret(`one-off-value-${n}`);
    expect(redact('1000.refresh.abcdef')).toBe('1000.refresh.abcdef');
  });

  it('keeps a value masked while any connection holds it, even after another lets it go', () => {
    holdSecret('zoom', 'client_secret', 'shared-secret-value');
    holdSecret('zoom-other', 'client_secret', 'shared-secret-value');
    releaseSecrets('zoom-other');
    for (let n = 0; n < recentSecretsKept * 2; n += 1) registerSecret(`filler-${n}-value`);
    expect(redact('shared-secret-value')).toBe('[redacted]');
  });
});
