// Time-zone names: only the IANA database's (tzdb) are accepted, in any letter case, and each is answered in its one
// canonical spelling (links followed: US/Eastern is America/New_York). Intl alone would also take "PST" or "EST",
// which name no place, hide daylight saving, and have no VTIMEZONE for a calendar file. Known names are answered
// without ICU: the server reads its default zone at start-up, and ICU's data costs about 13 ms and 8 MiB.
import { readlinkSync } from 'node:fs';
import { tzdbLinks, tzdbZones } from './time-zone-names.js';

/**
 * tzdb keeps these three as zones for old systems: fixed offsets named like the abbreviations people use for a zone
 * with daylight saving ("EST" in July means New York, and tzdb's EST would be an hour off). Refused with a suggestion.
 */
const fixedAbbreviations = new Set(['EST', 'MST', 'HST']);

/** Names of UTC itself, answered as "UTC" (as Intl does) rather than tzdb's Etc/UTC. */
const utc = 'Etc/UTC';

interface Names {
  /** Lower-case name -> canonical name, for every zone and link but the fixed abbreviations. */
  canonical: Map<string, string>;
  /** Every zone and link as spelt in tzdb: names Intl takes as they are (the time-zone test checks it on each runtime). */
  exact: Set<string>;
}

let built: Names | undefined;

/** The name tables, built once from the generated list on first use (zones and links parsed in one pass). */
function tables(): Names {
  if (!built) {
    built = { canonical: new Map(), exact: new Set() };
    const add = (name: string, zone: string) => {
      built?.exact.add(name);
      if (!fixedAbbreviations.has(name)) built?.canonical.set(name.toLowerCase(), zone === utc ? 'UTC' : zone);
    };
    for (const zone of tzdbZones) add(zone, zone);
    for (const pair of tzdbLinks) {
      const [link = '', zone = ''] = pair.split('>');
      add(link, zone);
    }
  }
  return built;
}

const names = (): Map<string, string> => tables().canonical;

const checked = new Map<string, boolean>();

/** Whether Intl (and so luxon) takes `name`, asked as luxon's IANAZone.isValidZone does; the answer kept. */
function intlAccepts(name: string): boolean {
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
 * The canonical tzdb name for `name` (any letter case, a link followed), or undefined when it is not a tzdb name.
 * A well-formed Area/Location name missing from this list but known to the runtime (a zone newer than the list) is
 * taken as given.
 */
export function canonicalTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  const known = names().get(trimmed.toLowerCase());
  if (known) return known;
  if (/^[A-Z][A-Za-z]+(\/[A-Z][A-Za-z0-9_+-]*)+$/.test(trimmed) && intlAccepts(trimmed)) return trimmed;
  return undefined;
}

/** Whether Intl (and so luxon) accepts `name`: for names a provider sends back, which need not be canonical. */
export function isTimeZone(name: string): boolean {
  return tables().exact.has(name) || intlAccepts(name);
}

/** What people write instead of a zone name, and the zone they most likely mean. */
const spoken: Record<string, string> = {
  PST: 'America/Los_Angeles',
  PDT: 'America/Los_Angeles',
  PT: 'America/Los_Angeles',
  PACIFIC: 'America/Los_Angeles',
  MST: 'America/Denver',
  MDT: 'America/Denver',
  MT: 'America/Denver',
  MOUNTAIN: 'America/Denver',
  CST: 'America/Chicago',
  CDT: 'America/Chicago',
  CT: 'America/Chicago',
  CENTRAL: 'America/Chicago',
  EST: 'America/New_York',
  EDT: 'America/New_York',
  ET: 'America/New_York',
  EASTERN: 'America/New_York',
  AKST: 'America/Anchorage',
  AKDT: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  BST: 'Europe/London',
  IST: 'Asia/Kolkata',
  CEST: 'Europe/Berlin',
  EEST: 'Europe/Athens',
  WEST: 'Europe/Lisbon',
  JST: 'Asia/Tokyo',
  KST: 'Asia/Seoul',
  SGT: 'Asia/Singapore',
  HKT: 'Asia/Hong_Kong',
  AEST: 'Australia/Sydney',
  AEDT: 'Australia/Sydney',
  AWST: 'Australia/Perth',
  NZST: 'Pacific/Auckland',
  NZDT: 'Pacific/Auckland',
  BRT: 'America/Sao_Paulo',
};

/** Edit distance, for a misspelt name ("Europe/Berln"); only on the refusal path. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The zone a refused name most likely meant: an abbreviation's usual zone, a city's zone, or the nearest spelling. */
export function likelyTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  const word = trimmed
    .toUpperCase()
    .replace(/\s+(STANDARD|DAYLIGHT)?\s*TIME$/, '')
    .trim();
  if (spoken[word]) return spoken[word];
  const lower = trimmed.toLowerCase().replace(/[\s-]+/g, '_');
  if (!lower) return undefined;
  const zones = new Set(names().values());
  for (const zone of zones) if (zone.toLowerCase().endsWith(`/${lower}`)) return zone;
  let best: { zone: string; cost: number } | undefined;
  for (const [alias, zone] of names()) {
    const cost = distance(lower, alias);
    if (cost <= Math.min(3, Math.floor(lower.length / 4)) && (!best || cost < best.cost)) best = { zone, cost };
  }
  return best?.zone;
}

/** Why `name` is refused and what to give instead, for an InputError on whichever field carried it. */
export function timeZoneRefusal(name: string): { problem: string; fix: string } {
  const likely = likelyTimeZone(name);
  const abbreviation = /^[A-Za-z]{2,5}$/.test(name.trim());
  const problem = abbreviation
    ? `"${name}" is an abbreviation, not an IANA time-zone name: it names no place and says nothing of daylight saving`
    : `"${name}" is not an IANA time-zone name`;
  const fix = likely
    ? `use ${likely}${abbreviation ? '' : ' if that is what was meant'}, or another Area/City name`
    : 'use an Area/City name such as America/New_York or Europe/Berlin';
  return { problem, fix };
}

/**
 * The machine's zone, canonical: TZ when set, else the zone /etc/localtime links to (Linux, macOS), read without ICU
 * when the name is a known one; Intl's own answer otherwise (Windows, a copied localtime file).
 * @param tz the TZ environment variable
 */
export function systemTimeZone(tz: string | undefined): string | undefined {
  const fromEnv = tz?.trim().replace(/^:/, '');
  const known = (zone: string | undefined) => (zone ? names().get(zone.toLowerCase()) : undefined);
  if (fromEnv && known(fromEnv)) return known(fromEnv);
  if (!fromEnv) {
    try {
      const linked = known(/\/zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1]);
      if (linked) return linked;
    } catch {
      // No link to read: ask Intl.
    }
  }
  const intl = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return canonicalTimeZone(intl) ?? intl;
}
