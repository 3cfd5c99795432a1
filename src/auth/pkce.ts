// PKCE (RFC 7636) and the OAuth `state`: unguessable values that bind the browser's answer to this one sign-in.
import { createHash, randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/** A PKCE pair: the verifier stays in this process, the challenge travels in the authorize URL. */
export interface Pkce {
  /** Sent only with the token request, proving that whoever redeems the code started the flow. */
  verifier: string;
  /** base64url(SHA-256(verifier)), unpadded. */
  challenge: string;
  method: 'S256';
}

/** RFC 7636 §4.1: 43 to 128 characters of the unreserved set. */
const verifierShape = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * The S256 code challenge for `verifier` (RFC 7636 §4.2); pure, so it is checked against the RFC's Appendix B vector.
 * @throws InputError when `verifier` is not 43-128 unreserved characters: a provider would refuse it anyway, later and less clearly.
 */
export function challengeFor(verifier: string): string {
  if (!verifierShape.test(verifier)) {
    throw new InputError(
      'code_verifier',
      'must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" or "~" (RFC 7636 §4.1)',
    );
  }
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh PKCE pair: 32 random bytes (256 bits) as a 43-character base64url verifier, the minimum RFC 7636 recommends. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: challengeFor(verifier), method: 'S256' };
}

/** A fresh OAuth `state`: 256 random bits as 43 URL-safe characters, so a forged callback cannot guess it. */
export function createState(): string {
  return randomBytes(32).toString('base64url');
}
