// Whether a name is an IANA time zone this runtime knows. luxon's IANAZone.isValidZone builds an Intl.DateTimeFormat on
// every call (about a millisecond, several times per booking); the answer for a name never changes, so it is kept.
import { IANAZone } from 'luxon';

const known = new Map<string, boolean>();

export function isTimeZone(name: string): boolean {
  let valid = known.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    // Bounded: the names come from callers, and an agent can send any number of invalid ones.
    if (known.size < 1000) known.set(name, valid);
  }
  return valid;
}
