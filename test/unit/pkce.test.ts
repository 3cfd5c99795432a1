// PKCE and state: the RFC 7636 test vector, the verifier's shape, and values that never repeat.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeFor, createPkce, createState } from '../../src/auth/pkce.js';

const unreserved = /^[A-Za-z0-9\-._~]+$/;

describe('challengeFor', () => {
  // RFC 7636 Appendix B, as published: https://www.rfc-editor.org/rfc/rfc7636#appendix-B
  const rfcOctets = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91,
    88, 5, 88, 83, 132, 141, 121,
  ];
  const rfcVerifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

  it('matches the RFC 7636 Appendix B example', () => {
    expect(Buffer.from(rfcOctets).toString('base64url')).toBe(rfcVerifier);
    expect(challengeFor(rfcVerifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('accepts the longest verifier the RFC allows', () => {
    const verifier = 'a'.repeat(128);
    expect(challengeFor(verifier)).toBe(createHash('sha256').update(verifier).digest('base64url'));
  });

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['outside the unreserved set', `${'a'.repeat(42)}+`],
    ['padded', `${'a'.repeat(42)}=`],
  ])('refuses a verifier %s, naming the rule', (_label, verifier) => {
    expect(() => challengeFor(verifier)).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringContaining('43 to 128') }),
    );
  });
});

describe('createPkce', () => {
  it('returns an S256 pair whose challenge is the verifier hashed', () => {
    const pkce = createPkce();
    expect(pkce.method).toBe('S256');
    expect(pkce.verifier).toMatch(unreserved);
    expect(pkce.verifier.length).toBeGreaterThanOrEqual(43);
    expect(pkce.verifier.length).toBeLessThanOrEqual(128);
    expect(pkce.challenge).toBe(challengeFor(pkce.verifier));
    expect(pkce.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('carries 256 bits of randomness in the verifier', () => {
    expect(Buffer.from(createPkce().verifier, 'base64url')).toHaveLength(32);
  });

  it('never repeats', () => {
    const verifiers = new Set(Array.from({ length: 200 }, () => createPkce().verifier));
    expect(verifiers.size).toBe(200);
  });
});

describe('createState', () => {
  it('is URL-safe and at least 128 bits', () => {
    const state = createState();
    expect(state).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(state)).toBe(state);
    expect(Buffer.from(state, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('never repeats', () => {
    const states = new Set(Array.from({ length: 200 }, () => createState()));
    expect(states.size).toBe(200);
  });
});
