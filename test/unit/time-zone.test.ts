// Time-zone names: tzdb's only, canonical, answered without ICU where possible and exactly as Intl would take them.
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tzdbLinks, tzdbZones } from '../../src/time-zone-names.js';
import { canonicalTimeZone, isTimeZone, likelyTimeZone, systemTimeZone } from '../../src/time-zone.js';

const intlAccepts = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name }).format();
    return true;
  } catch {
    return false;
  }
};

const links = tzdbLinks.map((pair) => pair.split('>') as [string, string]);

describe('the tzdb list', () => {
  it('holds only names this runtime accepts, the usual zones and links among them', () => {
    const all = [...tzdbZones, ...links.flat()];
    expect(all.filter((name) => !intlAccepts(name))).toEqual([]);
    expect(tzdbZones).toEqual(expect.arrayContaining(['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Etc/UTC']));
    expect(links).toEqual(expect.arrayContaining([['US/Eastern', 'America/New_York']]));
  });

  it('every name answers a canonical name that Intl takes and that is its own canonical name', () => {
    for (const name of [...tzdbZones, ...links.map(([link]) => link)]) {
      if (['EST', 'MST', 'HST'].includes(name)) continue;
      const canonical = canonicalTimeZone(name);
      expect(canonical, name).toBeDefined();
      expect(intlAccepts(canonical ?? ''), name).toBe(true);
      expect(canonicalTimeZone(canonical ?? ''), name).toBe(canonical);
    }
  });
});

describe('canonicalTimeZone', () => {
  it('follows links and ignores letter case', () => {
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
    expect(canonicalTimeZone('america/new_york')).toBe('America/New_York');
    expect(canonicalTimeZone('ASIA/CALCUTTA')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('Etc/UTC')).toBe('UTC');
    expect(canonicalTimeZone('Zulu')).toBe('UTC');
  });

  it('refuses what Intl takes but tzdb does not name, and the fixed-offset abbreviations', () => {
    for (const name of ['PST', 'EST', 'MST', 'HST', 'CST', 'IST', 'Mars/Olympus_Mons', '', 'GMT+5']) {
      expect(canonicalTimeZone(name), name).toBeUndefined();
    }
    expect(intlAccepts('PST')).toBe(true);
  });

  it('suggests the zone most likely meant', () => {
    expect(likelyTimeZone('PST')).toBe('America/Los_Angeles');
    expect(likelyTimeZone('Eastern Time')).toBe('America/New_York');
    expect(likelyTimeZone('tokyo')).toBe('Asia/Tokyo');
    expect(likelyTimeZone('Sao Paulo')).toBe('America/Sao_Paulo');
    expect(likelyTimeZone('Europe/Lundon')).toBe('Europe/London');
    expect(likelyTimeZone('Mars/Olympus_Mons')).toBeUndefined();
  });
});

describe('isTimeZone', () => {
  it('takes what Intl takes (names a provider sends back need not be canonical)', () => {
    expect(isTimeZone('Asia/Calcutta')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('systemTimeZone', () => {
  it('takes TZ when it names a zone (a leading colon allowed), canonical', () => {
    expect(systemTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(systemTimeZone(':Europe/Paris')).toBe('Europe/Paris');
    expect(systemTimeZone('US/Pacific')).toBe('America/Los_Angeles');
  });

  it('leaves any other TZ to Intl, which reads it itself', () => {
    const intl = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(systemTimeZone('EST+5')).toBe(canonicalTimeZone(intl) ?? intl);
  });

  it('without TZ, names the zone /etc/localtime links to, or else what Intl says', () => {
    let linked: string | undefined;
    try {
      linked = /\/zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
    } catch {
      linked = undefined;
    }
    const intl = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const zone = systemTimeZone(undefined);
    expect(zone).toBe((linked && canonicalTimeZone(linked)) || canonicalTimeZone(intl) || intl);
    expect(isTimeZone(zone ?? '')).toBe(true);
  });
});
