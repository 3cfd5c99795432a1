// Resend: the sender-address check and the mapping of Resend's `{ error }` values to our errors and next steps.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { fromResendError, parseSender } from '../../src/email/resend.js';

describe('parseSender', () => {
  it.each([
    ['meet@acme.com', 'meet@acme.com', 'acme.com'],
    ['Acme Scheduling <meet@acme.com>', 'meet@acme.com', 'acme.com'],
    ['<meet@acme.com>', 'meet@acme.com', 'acme.com'],
    ['  "Acme, Inc." <Meet.Team@Mail.ACME.co.uk>  ', 'Meet.Team@Mail.ACME.co.uk', 'mail.acme.co.uk'],
  ])('accepts %j', (from, address, domain) => {
    expect(parseSender(from)).toEqual({ address, domain });
  });

  it.each([
    ['meet@acme', 'no dot in the domain'],
    ['Acme <meet@acme>', 'no dot in the domain, with a display name'],
    ['Acme <meet@acme.com', 'an unclosed bracket'],
    ['Acme meet@acme.com>', 'a closing bracket without an opening one'],
    ['<meet@acme.com', 'an unclosed bracket, no display name'],
    ['acme.com', 'no local part'],
    ['meet@@acme.com', 'two @'],
    ['meet @acme.com', 'a space in the address'],
    ['', 'nothing'],
    ['Acme <>', 'an empty address'],
  ])('refuses %j (%s)', (from) => {
    expect(parseSender(from)).toBeUndefined();
  });

  // A display name needs its address in angle brackets: Resend (and the sandbox's fake) refuse such a `from` on every
  // send with 422, so `connect` must refuse it first.
  it('refuses a display name whose address is not in angle brackets', () => {
    expect(parseSender('Acme Scheduling meet@acme.com')).toBeUndefined();
  });
});

const reconnect = 'npx alsatalk-mcp connect resend';

describe('fromResendError', () => {
  // https://resend.com/docs/api-reference/errors: a deleted or unknown key is `validation_error` "API key is invalid",
  // 401 on the sending endpoint and 400 on the others; 403 `invalid_api_key` is what older pages listed.
  it.each([
    ['validation_error', 'API key is invalid', 401],
    ['validation_error', 'API key is invalid', 400],
    ['invalid_api_key', 'API key is invalid', 403],
    ['missing_api_key', 'Missing API Key', 401],
  ])('%s "%s" (HTTP %i) is auth_failed: reconnect Resend', (name, message, statusCode) => {
    const error = fromResendError({ name, message, statusCode });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.provider).toBe('Resend');
    expect(error.code).toBe('auth_failed');
    expect(error.status).toBe(statusCode);
    expect(error.hint).toContain(`reconnect Resend: ${reconnect}`);
  });

  it('another validation_error at 400 stays email_failed', () => {
    const error = fromResendError({ name: 'validation_error', message: 'Invalid `to` field.', statusCode: 400 });
    expect(error.code).toBe('email_failed');
  });

  it('concurrent_idempotent_requests (409: the same e-mail still in progress) is in_progress', () => {
    const error = fromResendError({
      name: 'concurrent_idempotent_requests',
      message: 'Same idempotency key used while original request is still in progress.',
      statusCode: 409,
    });
    expect(error.code).toBe('in_progress');
    expect(error.hint).toMatch(/repeat the same call in a moment/);
  });

  it('invalid_idempotent_request (409: the key was used with other content) is email_failed and says nothing was sent', () => {
    const error = fromResendError({
      name: 'invalid_idempotent_request',
      message: 'Same idempotency key used with a different request payload.',
      statusCode: 409,
    });
    expect(error.code).toBe('email_failed');
    expect(error.hint).toMatch(/sends nothing/);
  });

  it('an unverified sender domain is permission_denied, pointing at the domain page', () => {
    const error = fromResendError({
      name: 'validation_error',
      message: 'The acme.test domain is not verified. Please, add and verify your domain on https://resend.com/domains',
      statusCode: 403,
    });
    expect(error.code).toBe('permission_denied');
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      'Resend: The acme.test domain is not verified. Please, add and verify your domain on https://resend.com/domains (HTTP 403, validation_error)',
    );
    expect(error.hint).toContain('https://resend.com/domains');
    expect(error.hint).toContain(reconnect);
  });

  it('sending only to your own address (testing mode) is permission_denied', () => {
    const error = fromResendError({
      name: 'validation_error',
      message:
        'You can only send testing emails to your own email address (ada@example.com). To send emails to other recipients, please verify a domain at resend.com/domains',
      statusCode: 403,
    });
    expect(error.code).toBe('permission_denied');
  });

  it('rate_limit_exceeded is rate_limited with a retry hint', () => {
    const error = fromResendError({
      name: 'rate_limit_exceeded',
      message: 'Too many requests. You can only make 5 requests per second.',
      statusCode: 429,
    });
    expect(error.code).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.hint).toMatch(/retry/);
  });

  it('application_error without a status (the SDK could not reach Resend) is network_error', () => {
    const error = fromResendError({
      name: 'application_error',
      message: 'Unable to fetch data. The request could not be resolved.',
      statusCode: null,
    });
    expect(error.code).toBe('network_error');
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('Resend: Unable to fetch data. The request could not be resolved.');
  });

  it('application_error with a status is email_failed', () => {
    expect(fromResendError({ name: 'application_error', message: 'Internal server error', statusCode: 500 }).code).toBe(
      'email_failed',
    );
  });

  it('an unknown error is email_failed and keeps what Resend said', () => {
    const error = fromResendError({ name: 'validation_error', message: 'The `to` field is missing.', statusCode: 422 });
    expect(error.code).toBe('email_failed');
    expect(error.message).toBe('Resend: The `to` field is missing. (HTTP 422, validation_error)');
  });

  it('an API key echoed in the message is redacted', () => {
    const error = fromResendError({
      name: 'invalid_api_key',
      message: 'API key re_abcdefghijklmnop is invalid',
      statusCode: 403,
    });
    expect(error.message).not.toContain('re_abcdefghijklmnop');
    expect(error.message).toBe('Resend: API key [redacted] is invalid (HTTP 403, invalid_api_key)');
  });
});
