// Time-zone names, checked and found without loading ICU's time-zone data where that can be avoided: the server reads
// its default zone at start-up, and ICU's data costs about 13 ms and 8 MiB before the first tool is even listed.
import { readlinkSync } from 'node:fs';
import { knownTimeZones } from './time-zone-names.js';

const checked = new Map<string, boolean>();

/**
 * Whether Intl (and so luxon) accepts `name` as a time zone. Known names are answered from the list; any other is
 * checked as luxon's IANAZone.isValidZone does, by building an Intl.DateTimeFormat, and the answer kept.
 */
export function isTimeZone(name: string): boolean {
  if (knownTimeZones.has(name)) return true;
  let valid = checked.get(name);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name }).format();
      valid = true;
    } catch {
      valid = false;
    }
    // Bounded: the names come from callers, and an agent can send any number of invalid ones.
    if (checked.size < 1000) checked.set(name, valid);
  }
  return valid;
}

/**
 * The machine's zone, as Intl would resolve it: TZ when set, else the zone /etc/localtime links to (Linux, macOS), read
 * without ICU when the name is a known one; Intl's own answer otherwise (Windows, a copied localtime file).
 * @param tz the TZ environment variable
 */
export function systemTimeZone(tz: string | undefined): string | undefined {
  const fromEnv = tz?.trim().replace(/^:/, '');
  if (fromEnv && knownTimeZones.has(fromEnv)) return fromEnv;
  if (!fromEnv) {
    try {
      const linked = /\/zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
      if (linked && knownTimeZones.has(linked)) return linked;
    } catch {
      // No link to read: ask Intl.
    }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
