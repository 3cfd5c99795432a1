// Calendly's pure mappers: the invitee body, the availability window and slot matching, the single-use link and what the
// invitee does on it, event type choice.
import { DateTime } from 'luxon';
import { waitFor } from '../../src/http/failure.js';
import { describe, expect, it } from 'vitest';
import {
  bookable,
  byDuration,
  describeEventType,
  directBlocker,
  locationFor,
  matchEventType,
  requiredQuestions,
} from '../../src/providers/calendly/event-types.js';
import { inviteeStep } from '../../src/providers/calendly/link-step.js';
import { availabilityWindow, findSlot, nearbyTimes } from '../../src/providers/calendly/slots.js';
import {
  confirmationUrl,
  describeCalendlyError,
  fromDirectBooking,
  fromSchedulingLink,
  isSlotTaken,
  toInviteeRequest,
  uuidOf,
  type CalendlyEventType,
} from '../../src/providers/calendly/wire.js';
import { sampleMeeting } from '../support/meeting.js';

const eventType = (overrides: Partial<CalendlyEventType> = {}): CalendlyEventType => ({
  uri: 'https://api.calendly.com/event_types/AAAAAAAAAAAAAAAA',
  name: 'Intro call',
  slug: 'intro-call',
  active: true,
  duration: 30,
  scheduling_url: 'https://calendly.com/acme/intro-call',
  booking_method: 'instant',
  position: 0,
  custom_questions: [],
  locations: [{ kind: 'zoom_conference' }],
  ...overrides,
});
const slot = (startTime: string, status = 'available') => ({
  status,
  start_time: startTime,
  invitees_remaining: 1,
  scheduling_url: null,
});

describe('toInviteeRequest', () => {
  it('sends the start as a UTC instant and the name, e-mail and zone inside `invitee`', () => {
    expect(toInviteeRequest(sampleMeeting('2026-01-15T14:00', 'America/New_York'), eventType().uri)).toEqual({
      event_type: 'https://api.calendly.com/event_types/AAAAAAAAAAAAAAAA',
      start_time: '2026-01-15T19:00:00Z',
      invitee: { name: 'Ada Lovelace', email: 'ada@example.com', timezone: 'America/New_York' },
    });
  });

  it.each([
    ['New York in summer', '2026-07-01T09:00', 'America/New_York', '2026-07-01T13:00:00Z'],
    [
      'Auckland in summer (NZDT, +13), the previous day in UTC',
      '2026-01-15T09:00',
      'Pacific/Auckland',
      '2026-01-14T20:00:00Z',
    ],
    ['Auckland in winter (NZST, +12)', '2026-07-15T09:00', 'Pacific/Auckland', '2026-07-14T21:00:00Z'],
    [
      'Auckland the day after summer time ends (5 April 2026)',
      '2026-04-06T09:00',
      'Pacific/Auckland',
      '2026-04-05T21:00:00Z',
    ],
    ["Kolkata's half-hour offset", '2026-03-10T20:00', 'Asia/Kolkata', '2026-03-10T14:30:00Z'],
    ["St John's in winter (-3:30)", '2026-01-15T09:00', 'America/St_Johns', '2026-01-15T12:30:00Z'],
    ["St John's in summer (-2:30)", '2026-07-15T09:00', 'America/St_Johns', '2026-07-15T11:30:00Z'],
    [
      'New York on the Sunday clocks go back, after the change',
      '2026-11-01T03:00',
      'America/New_York',
      '2026-11-01T08:00:00Z',
    ],
  ])('%s', (_label, wall, zone, utc) => {
    const body = toInviteeRequest(sampleMeeting(wall, zone), eventType().uri);
    expect(body.start_time).toBe(utc);
    expect(body.invitee.timezone).toBe(zone);
  });

  it('adds the location only when given', () => {
    const body = toInviteeRequest(sampleMeeting(), eventType().uri, {
      kind: 'outbound_call',
      location: '+14155550123',
    });
    expect(body.location).toEqual({ kind: 'outbound_call', location: '+14155550123' });
  });
});

describe('availabilityWindow', () => {
  const now = DateTime.fromISO('2026-01-01T00:00:00Z');

  it("asks for the meeting's whole local day, in UTC", () => {
    expect(availabilityWindow(sampleMeeting('2026-01-15T09:00', 'Pacific/Auckland'), now)).toEqual({
      start_time: '2026-01-14T11:00:00Z',
      end_time: '2026-01-15T11:00:00Z',
    });
    expect(availabilityWindow(sampleMeeting('2026-03-10T20:00', 'Asia/Kolkata'), now)).toEqual({
      start_time: '2026-03-09T18:30:00Z',
      end_time: '2026-03-10T18:30:00Z',
    });
  });

  it('is 25 hours long on the day clocks go back, and still ends at local midnight', () => {
    expect(availabilityWindow(sampleMeeting('2026-11-01T10:00', 'America/New_York'), now)).toEqual({
      start_time: '2026-11-01T04:00:00Z',
      end_time: '2026-11-02T05:00:00Z',
    });
  });

  it('never starts in the past, which Calendly rejects', () => {
    const soon = DateTime.fromISO('2026-01-15T15:20:30.500Z');
    expect(availabilityWindow(sampleMeeting('2026-01-15T14:00', 'America/New_York'), soon).start_time).toBe(
      '2026-01-15T15:21:30Z',
    );
  });
});

describe('findSlot and nearbyTimes', () => {
  const times = [
    slot('2026-01-15T18:30:00.000000Z'),
    slot('2026-01-15T19:00:00.000000Z'),
    slot('2026-01-15T20:30:00.000000Z'),
    slot('2026-01-15T13:00:00.000000Z'),
  ];

  it('matches the exact instant whatever precision Calendly writes', () => {
    expect(findSlot(times, sampleMeeting('2026-01-15T14:00', 'America/New_York'))).toEqual(times[1]);
    expect(
      findSlot([slot('2026-01-15T19:00:00Z')], sampleMeeting('2026-01-15T14:00', 'America/New_York')),
    ).toBeDefined();
    expect(findSlot(times, sampleMeeting('2026-01-15T14:15', 'America/New_York'))).toBeUndefined();
  });

  it('ignores a slot with no invitee left', () => {
    expect(
      findSlot(
        [{ ...slot('2026-01-15T19:00:00.000000Z'), invitees_remaining: 0 }],
        sampleMeeting('2026-01-15T14:00', 'America/New_York'),
      ),
    ).toBeUndefined();
  });

  it("lists the nearest open times in the meeting's zone, in order", () => {
    expect(nearbyTimes(times, sampleMeeting('2026-01-15T14:15', 'America/New_York'))).toEqual([
      '13:30',
      '14:00',
      '15:30',
    ]);
    expect(nearbyTimes(times, sampleMeeting('2026-01-16T00:45', 'Asia/Kolkata'), 2)).toEqual(['00:00', '00:30']);
  });
});

describe('confirmationUrl', () => {
  const booking = 'https://calendly.com/d/abc-123/intro-call';

  it('sends only what Calendly documents for a booking page: the local month and date, the name and the e-mail', () => {
    const url = new URL(
      confirmationUrl(
        booking,
        sampleMeeting('2026-01-15T09:00', 'Pacific/Auckland', { customerEmail: 'ada+x@example.com' }),
      ),
    );
    // No start time in the path: that is documented for public event pages, not single-use links.
    expect(url.pathname).toBe('/d/abc-123/intro-call');
    expect(url.search).toBe('?month=2026-01&date=2026-01-15&name=Ada%20Lovelace&email=ada%2Bx%40example.com');
  });

  it('keeps what the link already carries', () => {
    const url = new URL(
      confirmationUrl(`${booking}/?utm_source=x`, sampleMeeting('2026-01-31T23:30', 'America/St_Johns')),
    );
    expect(url.pathname).toBe('/d/abc-123/intro-call/');
    expect(url.searchParams.get('utm_source')).toBe('x');
    expect(url.searchParams.get('month')).toBe('2026-01');
    expect(url.searchParams.get('date')).toBe('2026-01-31');
  });

  it('fromSchedulingLink keeps the raw link as the id and says what the invitee does on it', () => {
    const meeting = sampleMeeting('2026-01-15T14:00', 'America/New_York');
    expect(fromSchedulingLink(booking, meeting, inviteeStep(meeting, { offered: true }), 'why')).toEqual({
      externalId: booking,
      links: [
        {
          label: 'Pick 14:00 and confirm',
          url: `${booking}?month=2026-01&date=2026-01-15&name=Ada%20Lovelace&email=ada%40example.com`,
        },
      ],
      confirmation: 'invitee_must_confirm',
      inviteeAction: 'pick 14:00 and confirm',
      note: 'why',
    });
  });
});

describe('inviteeStep', () => {
  const meeting = sampleMeeting('2026-01-15T14:00', 'America/New_York');

  it('asks for the agreed time, and for what else the page asks, never "one click"', () => {
    expect(inviteeStep(meeting, { offered: true })).toEqual({
      label: 'Pick 14:00 and confirm',
      action: 'pick 14:00 and confirm',
    });
    expect(inviteeStep(meeting, { offered: true }, 'answer its question (Company)')).toEqual({
      label: 'Pick 14:00, answer its question (Company) and confirm',
      action: 'pick 14:00, answer its question (Company) and confirm',
    });
    expect(inviteeStep(meeting, { offered: 'unknown' }).action).toBe(
      'pick 14:00 (if it is not listed, another time) and confirm',
    );
  });

  it('asks for another time when Calendly does not offer the agreed one, naming the open ones', () => {
    expect(inviteeStep(meeting, { offered: false, open: ['13:30', '15:00'] })).toEqual({
      label: 'Choose a time and confirm',
      action: 'choose another time (14:00 is not open in Calendly; open that day: 13:30, 15:00) and confirm',
    });
    expect(inviteeStep(meeting, { offered: false, open: [], taken: true }).action).toBe(
      'choose another time (14:00 was just taken in Calendly; nothing else is open that day) and confirm',
    );
  });
});

describe('fromDirectBooking', () => {
  const invitee = {
    uri: 'https://api.calendly.com/scheduled_events/EV1/invitees/IN1',
    event: 'https://api.calendly.com/scheduled_events/EV1',
    cancel_url: 'https://calendly.com/cancellations/IN1',
    reschedule_url: 'https://calendly.com/reschedulings/IN1',
  };

  it('uses the scheduled event URI as the id and its join URL when the location has one', () => {
    const event = { uri: invitee.event, location: { type: 'zoom', join_url: 'https://zoom.us/j/1' } };
    expect(fromDirectBooking(invitee, event, 'note')).toEqual({
      externalId: 'https://api.calendly.com/scheduled_events/EV1',
      joinUrl: 'https://zoom.us/j/1',
      links: [
        { label: 'Join the meeting', url: 'https://zoom.us/j/1' },
        { label: 'Reschedule', url: invitee.reschedule_url },
        { label: 'Cancel', url: invitee.cancel_url },
      ],
      confirmation: 'confirmed',
      note: 'note',
    });
  });

  it('has no join link for a physical location or an unread event', () => {
    expect(
      fromDirectBooking(invitee, { uri: invitee.event, location: { type: 'physical', location: 'Main St 1' } }, 'n')
        .joinUrl,
    ).toBeUndefined();
    expect(fromDirectBooking(invitee, undefined, 'n').links.map((l) => l.label)).toEqual(['Reschedule', 'Cancel']);
  });
});

describe('choosing the event type', () => {
  const types = [
    eventType({ uri: 'u/2', name: 'Second 30', slug: 'second', position: 2 }),
    eventType({ uri: 'u/1', name: 'Intro call', slug: 'intro-call', position: 1 }),
    eventType({ uri: 'u/3', name: 'Poll', slug: 'poll', booking_method: 'poll' }),
    eventType({ uri: 'u/4', name: 'Off', slug: 'off', active: false }),
    eventType({ uri: 'u/5', name: 'Hour', slug: 'hour', duration: 60 }),
  ];

  it('by length: only active, instantly bookable ones, in display order', () => {
    expect(byDuration(types, 30).map((t) => t.slug)).toEqual(['intro-call', 'second']);
    expect(byDuration(types, 45)).toEqual([]);
    expect(bookable(types).map((t) => t.slug)).toEqual(['second', 'intro-call', 'hour']);
  });

  it('by --event-type: slug, URI or scheduling URL first, then name, case-insensitively', () => {
    expect(matchEventType(types, 'INTRO-CALL').map((t) => t.uri)).toEqual(['u/1']);
    expect(matchEventType(types, ' second 30 ').map((t) => t.uri)).toEqual(['u/2']);
    expect(matchEventType(types, 'u/5').map((t) => t.slug)).toEqual(['hour']);
    expect(matchEventType(types, 'nothing')).toEqual([]);
  });

  it('describes an event type by name, slug and length', () => {
    expect(describeEventType(eventType())).toBe('"Intro call" (intro-call, 30 min)');
    expect(describeEventType(eventType({ name: null, slug: null, uri: 'u/9' }))).toBe('"u/9" (30 min)');
  });

  it('names the required questions that are switched on', () => {
    const questions = [
      { name: 'Company', type: 'string', enabled: true, required: true },
      { name: 'Hidden', type: 'string', enabled: false, required: true },
      { name: 'Optional', type: 'text', enabled: true, required: false },
    ];
    expect(requiredQuestions(eventType({ custom_questions: questions }))).toEqual(['Company']);
    expect(requiredQuestions(eventType({ custom_questions: null }))).toEqual([]);
  });

  it('sends a location only when the invitee must supply it, and says what is missing', () => {
    const meeting = sampleMeeting();
    expect(locationFor(eventType(), meeting)).toEqual({});
    expect(locationFor(eventType({ locations: null }), meeting)).toEqual({});
    expect(
      locationFor(eventType({ locations: [{ kind: 'outbound_call' }] }), { ...meeting, customerPhone: '+14155550123' }),
    ).toEqual({ location: { kind: 'outbound_call', location: '+14155550123' } });
    expect(locationFor(eventType({ locations: [{ kind: 'outbound_call' }] }), meeting)).toEqual({
      missing: "the invitee's phone number (the host calls them)",
    });
    expect(locationFor(eventType({ locations: [{ kind: 'ask_invitee' }] }), meeting)).toEqual({
      missing: 'a location the invitee types in',
    });
  });
});

describe('directBlocker', () => {
  it('says why a direct booking would need the invitee, and what would allow it', () => {
    const phone = eventType({ locations: [{ kind: 'outbound_call' }] });
    expect(directBlocker(eventType(), sampleMeeting())).toBeUndefined();
    expect(
      directBlocker(
        eventType({ custom_questions: [{ name: 'Company', type: 'string', enabled: true, required: true }] }),
        sampleMeeting(),
      ),
    ).toEqual({
      reason:
        'the event type "Intro call" (intro-call, 30 min) has required questions (Company) that a direct booking would have to answer',
      fix: 'make those questions optional in Calendly',
      ask: 'answer its question (Company)',
    });
    expect(directBlocker(phone, sampleMeeting())).toEqual({
      reason: `the event type "Intro call" (intro-call, 30 min) needs the invitee's phone number (the host calls them)`,
      fix: "give the invitee's phone number (customer_phone)",
      ask: 'give your phone number',
    });
    expect(
      directBlocker(phone, sampleMeeting(undefined, undefined, { customerPhone: '+14155550123' })),
    ).toBeUndefined();
    expect(directBlocker(eventType({ locations: [{ kind: 'ask_invitee' }] }), sampleMeeting())?.fix).toBe(
      'give the event type a fixed location in Calendly',
    );
  });

  it('waitFor reads like a person would say it', () => {
    expect([waitFor(42), waitFor(600), waitFor(86_400)]).toEqual(['42 s', '10 min', '24 h']);
  });
});

describe("Calendly's error body", () => {
  const taken = {
    title: 'Invalid Argument',
    message: 'The supplied parameters are invalid.',
    details: [
      { parameter: 'start_time', message: 'The selected time is no longer available.', code: 'already_filled' },
    ],
  };

  it('is described with its title, message and details', () => {
    expect(describeCalendlyError(taken)).toBe(
      'Invalid Argument: The supplied parameters are invalid. [start_time: The selected time is no longer available. (already_filled)]',
    );
    expect(
      describeCalendlyError({ title: 'Permission Denied', message: 'Please upgrade to a paid Calendly account.' }),
    ).toBe('Permission Denied: Please upgrade to a paid Calendly account.');
    expect(describeCalendlyError('<html>Bad gateway</html>')).toBe('<html>Bad gateway</html>');
    expect(describeCalendlyError({})).toBeUndefined();
  });

  it('recognises a slot taken by someone else', () => {
    expect(isSlotTaken(taken)).toBe(true);
    expect(
      isSlotTaken({
        title: 'Invalid Argument',
        message: 'x',
        details: [{ parameter: 'start_time', message: 'not available' }],
      }),
    ).toBe(false);
    expect(isSlotTaken('nope')).toBe(false);
  });

  it('takes the uuid from a URI', () => {
    expect(uuidOf('https://api.calendly.com/scheduled_events/ABC123')).toBe('ABC123');
    expect(uuidOf('https://api.calendly.com/event_types/XYZ/')).toBe('XYZ');
  });
});
