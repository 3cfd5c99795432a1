// resolveSlot: wall-clock date + time + IANA zone -> exact instants, with a fixed `now` so the suite never ages.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { resolveSlot, type SlotInput } from '../../src/booking/slot.js';
import { InputError } from '../../src/errors.js';

const now = DateTime.fromISO('2027-01-10T12:00:00Z', { zone: 'utc' });

const slot = (date: string, time: string, timezone: string, durationMinutes = 30) =>
  resolveSlot({ date, time, timezone, durationMinutes }, now);

/** Runs resolveSlot and returns the InputError it throws (fails the test when it does not throw one). */
function refusal(input: Partial<SlotInput>): InputError {
  try {
    resolveSlot({ date: '2027-02-01', time: '10:00', timezone: 'Europe/Berlin', durationMinutes: 30, ...input }, now);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('resolveSlot: offsets', () => {
  it.each([
    ['America/New_York', '2027-01-20', '09:00', '2027-01-20T09:00:00.000-05:00', '2027-01-20T14:00:00.000Z'],
    ['America/New_York', '2027-07-20', '09:00', '2027-07-20T09:00:00.000-04:00', '2027-07-20T13:00:00.000Z'],
    ['Europe/Berlin', '2027-01-20', '09:00', '2027-01-20T09:00:00.000+01:00', '2027-01-20T08:00:00.000Z'],
    ['Europe/Berlin', '2027-07-20', '09:00', '2027-07-20T09:00:00.000+02:00', '2027-07-20T07:00:00.000Z'],
  ])('%s %s %s resolves to %s', (zone, date, time, iso, utc) => {
    const { start } = slot(date, time, zone);
    expect(start.toISO()).toBe(iso);
    expect(start.toUTC().toISO()).toBe(utc);
    expect(start.zoneName).toBe(zone);
  });

  it.each([
    ['Asia/Kolkata', '2027-06-01', '09:15', '2027-06-01T09:15:00.000+05:30', '2027-06-01T03:45:00.000Z'],
    ['Australia/Adelaide', '2027-01-15', '09:15', '2027-01-15T09:15:00.000+10:30', '2027-01-14T22:45:00.000Z'],
    ['Australia/Adelaide', '2027-07-15', '09:15', '2027-07-15T09:15:00.000+09:30', '2027-07-14T23:45:00.000Z'],
  ])('a non-hour offset zone (%s %s) resolves exactly', (zone, date, time, iso, utc) => {
    const { start } = slot(date, time, zone);
    expect(start.toISO()).toBe(iso);
    expect(start.toUTC().toISO()).toBe(utc);
  });

  it('ends duration minutes after the start, in the same zone', () => {
    const { start, end } = slot('2027-01-20', '09:00', 'America/New_York', 45);
    expect(end.toISO()).toBe('2027-01-20T09:45:00.000-05:00');
    expect(end.diff(start, 'minutes').minutes).toBe(45);
  });

  it('an end that crosses midnight lands on the next day', () => {
    const { end } = slot('2027-01-20', '23:30', 'Europe/Berlin', 60);
    expect(end.toISO()).toBe('2027-01-21T00:30:00.000+01:00');
  });

  it('a meeting spanning the spring-forward change lasts its real duration', () => {
    // 01:30 EST + 60 min = 03:30 EDT (02:xx does not exist that night).
    const { start, end } = slot('2027-03-14', '01:30', 'America/New_York', 60);
    expect(start.toISO()).toBe('2027-03-14T01:30:00.000-05:00');
    expect(end.toISO()).toBe('2027-03-14T03:30:00.000-04:00');
  });
});

describe('resolveSlot: daylight-saving gaps', () => {
  it.each([
    ['2027-03-14', '02:30', 'America/New_York'],
    ['2027-03-28', '02:30', 'Europe/Berlin'],
  ])('%s %s in %s does not exist and is refused on booking_time', (date, time, timezone) => {
    const error = refusal({ date, time, timezone });
    expect(error.code).toBe('invalid_input');
    expect(error.field).toBe('booking_time');
    expect(error.message).toBe(
      `booking_time: ${time} does not exist on ${date} in ${timezone} (the clocks skip it for daylight saving time)`,
    );
    expect(error.hint).toBe('pick a time outside the skipped hour, for example 03:30');
  });

  it('the minutes right around the gap are accepted', () => {
    expect(slot('2027-03-14', '01:59', 'America/New_York').start.toISO()).toBe('2027-03-14T01:59:00.000-05:00');
    expect(slot('2027-03-14', '03:00', 'America/New_York').start.toISO()).toBe('2027-03-14T03:00:00.000-04:00');
  });
});

describe('resolveSlot: refusals', () => {
  it.each(['2027-02-30', '2027-13-01', '2027-00-10', '2027-04-31', '2028-02-30'])(
    '%s is not a calendar date',
    (date) => {
      const error = refusal({ date });
      expect(error.field).toBe('booking_date');
      expect(error.message).toBe(`booking_date: ${date} is not a calendar date`);
    },
  );

  it('accepts 29 February in a leap year but not in other years', () => {
    const later = DateTime.fromISO('2027-06-01T00:00:00Z', { zone: 'utc' });
    const leap = resolveSlot({ date: '2028-02-29', time: '10:00', timezone: 'UTC', durationMinutes: 30 }, later);
    expect(leap.start.toISO()).toBe('2028-02-29T10:00:00.000Z');
    expect(refusal({ date: '2027-02-29' }).field).toBe('booking_date');
  });

  it.each(['2027/02/01', '1 Feb 2027', '2027-2-1', ''])(
    'date %j in another form is refused on booking_date',
    (date) => {
      expect(refusal({ date }).field).toBe('booking_date');
    },
  );

  it.each(['24:00', '23:60', '25:10'])('%s is not a time of day', (time) => {
    const error = refusal({ time });
    expect(error.field).toBe('booking_time');
    expect(error.message).toBe(`booking_time: "${time}" is not a time of day`);
    expect(error.hint).toBe('use 00:00 to 23:59');
  });

  it.each(['9:30', '2pm', '09:30:00', ''])('time %j in another form is refused on booking_time', (time) => {
    expect(refusal({ time }).field).toBe('booking_time');
  });

  it.each(['Mars/Olympus_Mons', 'EST5', ''])('unknown zone %j is refused on timezone', (timezone) => {
    const error = refusal({ timezone });
    expect(error.field).toBe('timezone');
    expect(error.message).toBe(`timezone: "${timezone}" is not an IANA time-zone name`);
    expect(error.hint).toBe(
      'use an Area/City name such as America/New_York or Europe/Berlin; ask the user where they are if unsure',
    );
  });

  it.each([
    ['PST', 'America/Los_Angeles'],
    ['EST', 'America/New_York'],
    ['cest', 'Europe/Berlin'],
    ['IST', 'Asia/Kolkata'],
  ])('abbreviation %s (which Intl alone would take) is refused, naming %s', (timezone, likely) => {
    const error = refusal({ timezone });
    expect(error.field).toBe('timezone');
    expect(error.message).toBe(
      `timezone: "${timezone}" is an abbreviation, not an IANA time-zone name: it names no place and says nothing of daylight saving`,
    );
    expect(error.hint).toBe(`use ${likely}, or another Area/City name; ask the user where they are if unsure`);
  });

  it.each([
    ['New York', 'America/New_York'],
    ['Europe/Berln', 'Europe/Berlin'],
    ['Asia/Tokio', 'Asia/Tokyo'],
  ])('a city or a misspelt name %j is refused, naming %s', (timezone, likely) => {
    const error = refusal({ timezone });
    expect(error.message).toBe(`timezone: "${timezone}" is not an IANA time-zone name`);
    expect(error.hint).toBe(
      `use ${likely} if that is what was meant, or another Area/City name; ask the user where they are if unsure`,
    );
  });

  it.each([
    ['america/new_york', 'America/New_York'],
    ['US/Eastern', 'America/New_York'],
    ['us/pacific', 'America/Los_Angeles'],
    ['Asia/Calcutta', 'Asia/Kolkata'],
    ['Europe/Kiev', 'Europe/Kyiv'],
    ['Etc/UTC', 'UTC'],
    ['utc', 'UTC'],
    [' Europe/Paris ', 'Europe/Paris'],
  ])('a tzdb name in any case, or a link, %j is taken as %s', (timezone, canonical) => {
    const resolved = slot('2027-02-01', '10:00', timezone);
    expect(resolved.timezone).toBe(canonical);
    expect(resolved.start.zoneName).toBe(canonical);
  });

  it('a day already gone is refused on booking_date', () => {
    const error = refusal({ date: '2027-01-09', time: '10:00', timezone: 'Europe/Berlin' });
    expect(error.field).toBe('booking_date');
    expect(error.message).toBe('booking_date: 2027-01-09 is in the past (today is 2027-01-10 in Europe/Berlin)');
    expect(error.hint).toBe('ask the user for a future date');
  });

  it('an hour already gone today is refused on booking_time', () => {
    const error = refusal({ date: '2027-01-10', time: '09:00', timezone: 'Europe/Berlin' });
    expect(error.field).toBe('booking_time');
    expect(error.message).toBe(
      'booking_time: 09:00 on 2027-01-10 has already passed in Europe/Berlin (it is 13:00 there now)',
    );
  });

  it('the current minute is already too late; the next one is fine', () => {
    // now is 12:00 UTC = 13:00 in Berlin.
    expect(refusal({ date: '2027-01-10', time: '13:00' }).message).toMatch(/has already passed/);
    expect(slot('2027-01-10', '13:01', 'Europe/Berlin').start.toUTC().toISO()).toBe('2027-01-10T12:01:00.000Z');
  });

  it('more than a year ahead is refused on booking_date', () => {
    const error = refusal({ date: '2028-01-12', time: '10:00', timezone: 'UTC' });
    expect(error.field).toBe('booking_date');
    expect(error.message).toBe('booking_date: 2028-01-12 is more than a year ahead');
    expect(error.hint).toBe('book a date within the next 12 months');
  });

  it('a date just under a year ahead is accepted', () => {
    expect(slot('2028-01-10', '10:00', 'UTC').start.toISO()).toBe('2028-01-10T10:00:00.000Z');
  });
});

describe('resolveSlot: a wall time that happens twice', () => {
  const now = DateTime.fromISO('2027-01-10T12:00:00Z');

  it('books the first of the two and says so', () => {
    const slot = resolveSlot(
      { date: '2027-11-07', time: '01:30', timezone: 'America/New_York', durationMinutes: 30 },
      now,
    );
    expect(slot.start.toISO()).toBe('2027-11-07T01:30:00.000-04:00');
    expect(slot.note).toBe(
      '01:30 happens twice on 2027-11-07 in America/New_York (the clocks go back); booked the first, at UTC-04:00 (EDT)',
    );
  });

  it('adds no note for an ordinary time', () => {
    expect(
      resolveSlot({ date: '2027-11-07', time: '03:30', timezone: 'America/New_York', durationMinutes: 30 }, now).note,
    ).toBeUndefined();
  });
});
