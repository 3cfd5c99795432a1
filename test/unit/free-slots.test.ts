// The search range and the slot finder, pure: what a caller may ask, and which slots every answer allows, including the
// days the clocks change in New York and Berlin.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { freeSlots, type ProviderAnswer } from '../../src/booking/free-slots.js';
import { resolveRange, type RangeInput } from '../../src/booking/slot-range.js';
import { InputError } from '../../src/errors.js';

const now = DateTime.fromISO('2026-03-01T12:00:00Z');
const base: RangeInput = { dateFrom: '2026-03-03', dateTo: '2026-03-03', durationMinutes: 30, timezone: 'UTC' };
const range = (input: Partial<RangeInput> = {}) => resolveRange({ ...base, ...input }, now);
const ms = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const wall = (slots: ReturnType<typeof freeSlots>['slots']) =>
  slots.map((s) => `${s.start.toISODate() ?? ''} ${s.start.toFormat('HH:mm ZZ')}`);
const refusal = (input: Partial<RangeInput>) => {
  try {
    range(input);
  } catch (error) {
    if (error instanceof InputError) return { field: error.field, message: `${error.message} ${error.hint ?? ''}` };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('resolveRange', () => {
  it('refuses a past day, a reversed or over-long range, and a window shorter than the meeting, naming the field', () => {
    expect(refusal({ dateFrom: '2026-02-28' })).toMatchObject({ field: 'date_from' });
    expect(refusal({ dateFrom: '2026-03-03', dateTo: '2026-03-02' })).toMatchObject({ field: 'date_to' });
    const long = refusal({ dateFrom: '2026-03-03', dateTo: '2026-03-18' });
    expect(long.field).toBe('date_to');
    expect(long.message).toContain('at most 14 days');
    expect(long.message).toContain('2026-03-17');
    expect(range({ dateTo: '2026-03-17' }).to.toISO()).toBe('2026-03-18T00:00:00.000Z');
    expect(refusal({ earliestTime: '16:45', latestTime: '17:00' })).toMatchObject({ field: 'latest_time' });
    expect(refusal({ dateFrom: '2026-02-30' })).toMatchObject({ field: 'date_from' });
    expect(refusal({ timezone: 'PST' })).toMatchObject({ field: 'timezone' });
  });

  it('asks from now on today, and from the first midnight on a later day', () => {
    expect(range({ dateFrom: '2026-03-01', dateTo: '2026-03-01' }).from.toMillis()).toBe(now.toMillis());
    expect(range({ timezone: 'europe/berlin' })).toMatchObject({ timezone: 'Europe/Berlin' });
    expect(range({ timezone: 'Europe/Berlin' }).from.toISO()).toBe('2026-03-03T00:00:00.000+01:00');
  });
});

describe('freeSlots', () => {
  it('offers a 15-minute grid inside the window, without the busy blocks of every calendar', () => {
    const r = range({ earliestTime: '09:00', latestTime: '11:00' });
    const answers: ProviderAnswer[] = [
      { busy: [{ start: ms('2026-03-03T09:10:00Z'), end: ms('2026-03-03T09:40:00Z') }] },
      { busy: [{ start: ms('2026-03-03T10:15:00Z'), end: ms('2026-03-03T10:30:00Z') }] },
    ];
    // A slot may end where a busy block starts, and start where one ends.
    expect(wall(freeSlots(r, answers, now, 50).slots)).toEqual(['2026-03-03 09:45 +00:00', '2026-03-03 10:30 +00:00']);
  });

  it('keeps only the starts every booking page offers, clear of the calendars, earliest first, up to max', () => {
    const r = range({ dateTo: '2026-03-04' });
    const offered = ['2026-03-04T10:00:00Z', '2026-03-03T09:00:00Z', '2026-03-03T09:30:00Z', '2026-03-03T11:00:00Z'];
    const answers: ProviderAnswer[] = [
      { offered: offered.map(ms) },
      { offered: ['2026-03-03T09:30:00Z', '2026-03-03T11:00:00Z', '2026-03-04T10:00:00Z'].map(ms) },
      { busy: [{ start: ms('2026-03-03T10:45:00Z'), end: ms('2026-03-03T11:15:00Z') }] },
    ];
    expect(wall(freeSlots(r, answers, now, 50).slots)).toEqual(['2026-03-03 09:30 +00:00', '2026-03-04 10:00 +00:00']);
    expect(freeSlots(r, answers, now, 1)).toMatchObject({ more: true });
    expect(wall(freeSlots(r, answers, now, 1).slots)).toEqual(['2026-03-03 09:30 +00:00']);
    // A booking page start outside the window or the days asked is not a slot.
    expect(wall(freeSlots(range({ latestTime: '10:00' }), answers.slice(0, 2), now, 50).slots)).toEqual([
      '2026-03-03 09:30 +00:00',
    ]);
  });

  it('never offers a time already gone', () => {
    const today = range({ dateFrom: '2026-03-01', dateTo: '2026-03-01', earliestTime: '11:00', latestTime: '13:30' });
    expect(wall(freeSlots(today, [{ busy: [] }], now, 50).slots)).toEqual([
      '2026-03-01 12:15 +00:00',
      '2026-03-01 12:30 +00:00',
      '2026-03-01 12:45 +00:00',
      '2026-03-01 13:00 +00:00',
    ]);
  });

  describe.each([
    { zone: 'America/New_York', spring: '2026-03-08', fall: '2026-11-01', skipped: '02', repeated: '01' },
    { zone: 'Europe/Berlin', spring: '2026-03-29', fall: '2026-10-25', skipped: '02', repeated: '02' },
  ])('on the days the clocks change in $zone', ({ zone, spring, fall, skipped, repeated }) => {
    const clear: ProviderAnswer[] = [{ busy: [] }];

    it('skips the hour that does not exist and any slot across it', () => {
      const r = range({ dateFrom: spring, dateTo: spring, timezone: zone, latestTime: '05:00' });
      const times = wall(freeSlots(r, clear, now, 50).slots).map((t) => t.slice(11, 16));
      expect(times.filter((t) => t.startsWith(skipped))).toEqual([]);
      // The last slot before the gap would end inside it (wall-clock), so it is not offered either.
      const before = `${String(Number(skipped) - 1).padStart(2, '0')}:30`;
      expect(times).not.toContain(before);
      expect(times).toContain(`${String(Number(skipped) - 1).padStart(2, '0')}:00`);
      expect(times).toContain(`${String(Number(skipped) + 1).padStart(2, '0')}:00`);
      // Every slot lasts 30 minutes on the wall clock too.
      const clock = (at: DateTime) => at.hour * 60 + at.minute;
      for (const slot of freeSlots(r, clear, now, 50).slots) expect(clock(slot.end) - clock(slot.start)).toBe(30);
    });

    it('offers a repeated wall time once, as book_meeting reads it (the first)', () => {
      const r = range({ dateFrom: fall, dateTo: fall, timezone: zone, latestTime: '04:00' });
      const slots = freeSlots(r, clear, now, 50).slots;
      const repeatedSlots = slots.filter((s) => s.start.toFormat('HH') === repeated);
      expect(repeatedSlots.map((s) => s.start.toFormat('HH:mm'))).toEqual([
        `${repeated}:00`,
        `${repeated}:15`,
        `${repeated}:30`,
        `${repeated}:45`,
      ]);
      expect(new Set(repeatedSlots.map((s) => s.start.offset)).size).toBe(1);
      expect(repeatedSlots[0]?.start.isInDST).toBe(true);
      // A booking page's start in the second reading cannot be given to book_meeting: left out.
      const readings = DateTime.fromISO(`${fall}T${repeated}:00`, { zone })
        .getPossibleOffsets()
        .map((at) => at.toMillis())
        .sort((a, b) => a - b);
      expect(readings).toHaveLength(2);
      expect(freeSlots(r, [{ offered: readings }], now, 50).slots.map((s) => s.start.toMillis())).toEqual([
        readings[0],
      ]);
    });
  });
});
