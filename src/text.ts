// Small text helpers for values that came from strangers (agents, invitees, providers).

/** Strips control characters (CR/LF included) so nothing supplied can break a header or a line. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const singleLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/**
 * Characters a name or title has no use for: C0/C1 controls (a CR/LF could start a header line), the Unicode line and
 * paragraph separators, and the bidi embeddings, overrides and isolates that make text display other than it reads.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The first such character in `value`, as U+XXXX (to name in an error), or undefined when there is none. */
export function unsafeCharacter(value: string): string | undefined {
  const found = unsafeCharacters.exec(value)?.[0];
  return found === undefined ? undefined : `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Cuts to at most `max` characters without splitting a surrogate pair (an emoji stays whole or goes). */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('');
}

/** Names as a person lists them: "Zoom", "Zoom and Resend", "Zoom, Calendly and Resend". */
export function listNames(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/** The five characters HTML gives meaning to, escaped: text placed in an HTML body or attribute stays text. */
export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
