// Whether a name is an IANA time zone this runtime knows: the check luxon's IANAZone.isValidZone makes (Intl accepts the
// zone), without loading luxon at start-up, and kept, since building an Intl.DateTimeFormat per call costs about a
// millisecond and a booking asks several times.

const known = new Map<string, boolean>();

export function isTimeZone(name: string): boolean {
  let valid = known.get(name);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name }).format();
      valid = true;
    } catch {
      valid = false;
    }
    // Bounded: the names come from callers, and an agent can send any number of invalid ones.
    if (known.size < 1000) known.set(name, valid);
  }
  return valid;
}
