// Small text helpers for values that came from strangers (agents, invitees, providers).

/** Strips control characters (CR/LF included) so nothing supplied can break a header or a line. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const singleLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/** Cuts to at most `max` characters without splitting a surrogate pair (an emoji stays whole or goes). */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('');
}
