// The time-zone names answered without ICU must be exactly names Intl accepts, on whichever Node runs the suite.
import { readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownTimeZones } from '../../src/time-zone-names.js';
import { isTimeZone, systemTimeZone } from '../../src/time-zone.js';

const intlAccepts = (name: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name }).format();
    return true;
  } catch {
    return false;
  }
};

describe('isTimeZone', () => {
  it('lists only names this runtime accepts, among them the IANA zones and the usual links', () => {
    expect([...knownTimeZones].filter((name) => !intlAccepts(name))).toEqual([]);
    for (const name of [
      'America/New_York',
      'Europe/Paris',
      'Asia/Kolkata',
      'Asia/Calcutta',
      'UTC',
      'Etc/UTC',
      'US/Eastern',
    ])
      expect(knownTimeZones.has(name)).toBe(true);
  });

  it('asks Intl about any other name, as luxon does', () => {
    expect(isTimeZone('america/new_york')).toBe(intlAccepts('america/new_york'));
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('systemTimeZone', () => {
  it('takes TZ when it names a zone (a leading colon allowed)', () => {
    expect(systemTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(systemTimeZone(':Europe/Paris')).toBe('Europe/Paris');
  });

  it('leaves any other TZ to Intl, which reads it itself', () => {
    expect(systemTimeZone('EST+5')).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('without TZ, names the zone /etc/localtime links to, or else what Intl says', () => {
    let linked: string | undefined;
    try {
      linked = /\/zoneinfo\/(.+)$/.exec(readlinkSync('/etc/localtime'))?.[1];
    } catch {
      linked = undefined;
    }
    const zone = systemTimeZone(undefined);
    expect(zone).toBe(linked && knownTimeZones.has(linked) ? linked : Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(isTimeZone(zone ?? '')).toBe(true);
  });
});
