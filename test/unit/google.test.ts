// Google Calendar's pure pieces: the events.insert URL (the Meet guard), the event body, the answer, and error refinement.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import {
  describeGoogleError,
  eventUrl,
  eventsInsertUrl,
  fromGoogleEvent,
  meetRequestId,
  meetStatus,
  parseGoogleEvent,
  refineApiFailure,
  sendUpdatesValues,
  toGoogleEvent,
  usageLimit,
} from '../../src/providers/google/wire.js';
import { sampleMeeting as meeting } from '../support/meeting.js';

describe('eventsInsertUrl (the guard against an event without a Meet link)', () => {
  it.each(sendUpdatesValues)('always asks for conferenceDataVersion=1, with sendUpdates=%s', (sendUpdates) => {
    const url = new URL(eventsInsertUrl('primary', sendUpdates), 'https://api.test/calendar/v3/');
    expect(url.pathname).toBe('/calendar/v3/calendars/primary/events');
    expect(url.searchParams.get('conferenceDataVersion')).toBe('1');
    expect(url.searchParams.get('sendUpdates')).toBe(sendUpdates);
    expect([...url.searchParams.keys()].sort()).toEqual(['conferenceDataVersion', 'sendUpdates']);
  });

  it('encodes a calendar id that is an address or holds a #', () => {
    expect(eventsInsertUrl('team@group.calendar.google.com', 'none')).toBe(
      'calendars/team%40group.calendar.google.com/events?conferenceDataVersion=1&sendUpdates=none',
    );
    expect(
      eventsInsertUrl('en.usa#holiday@group.v.calendar.google.com', 'all').startsWith(
        'calendars/en.usa%23holiday%40group.v.calendar.google.com/events?',
      ),
    ).toBe(true);
    expect(eventUrl('a/b@x.test', 'ev1')).toBe('calendars/a%2Fb%40x.test/events/ev1');
  });
});

describe('toGoogleEvent', () => {
  it('a New York meeting: wall time with its offset, the IANA zone, the invitee, and a Meet request', () => {
    expect(toGoogleEvent(meeting('2025-11-25T14:00', 'America/New_York', { durationMinutes: 45 }))).toEqual({
      // The booking's UUID in hex: an id of our own, so the booking's event can be looked up before any second insert.
      id: 'f3b1c2d4000040008000000000000001',
      summary: 'Quarterly review',
      description: 'With Ada Lovelace (ada@example.com)',
      start: { dateTime: '2025-11-25T14:00:00-05:00', timeZone: 'America/New_York' },
      end: { dateTime: '2025-11-25T14:45:00-05:00', timeZone: 'America/New_York' },
      attendees: [{ email: 'ada@example.com', displayName: 'Ada Lovelace' }],
      conferenceData: {
        createRequest: {
          requestId: 'alsatalk-f3b1c2d4-0000-4000-8000-000000000001',
          conferenceSolutionKey: { type: 'hangoutsMeet' },
        },
      },
    });
  });

  it.each([
    [
      'Asia/Kolkata (+05:30)',
      '2025-11-25T09:15',
      'Asia/Kolkata',
      60,
      '2025-11-25T09:15:00+05:30',
      '2025-11-25T10:15:00+05:30',
    ],
    [
      'America/St_Johns in winter (-03:30)',
      '2025-12-01T08:00',
      'America/St_Johns',
      30,
      '2025-12-01T08:00:00-03:30',
      '2025-12-01T08:30:00-03:30',
    ],
    [
      'America/St_Johns in summer (-02:30)',
      '2026-07-01T08:00',
      'America/St_Johns',
      30,
      '2026-07-01T08:00:00-02:30',
      '2026-07-01T08:30:00-02:30',
    ],
    [
      'Pacific/Auckland in its summer (+13:00)',
      '2026-01-15T07:00',
      'Pacific/Auckland',
      30,
      '2026-01-15T07:00:00+13:00',
      '2026-01-15T07:30:00+13:00',
    ],
    [
      'Pacific/Auckland when clocks go forward mid-meeting',
      '2026-09-27T01:30',
      'Pacific/Auckland',
      60,
      '2026-09-27T01:30:00+12:00',
      '2026-09-27T03:30:00+13:00',
    ],
    [
      'New York when clocks go forward mid-meeting',
      '2026-03-08T01:30',
      'America/New_York',
      60,
      '2026-03-08T01:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
    ],
    [
      'New York when clocks go back mid-meeting',
      '2026-11-01T00:30',
      'America/New_York',
      90,
      '2026-11-01T00:30:00-04:00',
      '2026-11-01T01:00:00-05:00',
    ],
  ])('%s keeps the exact instants', (_label, start, zone, minutes, startIso, endIso) => {
    const m = meeting(start, zone, { durationMinutes: minutes });
    const body = toGoogleEvent(m);
    expect(body.start).toEqual({ dateTime: startIso, timeZone: zone });
    expect(body.end).toEqual({ dateTime: endIso, timeZone: zone });
    expect(Date.parse(body.end.dateTime) - Date.parse(body.start.dateTime)).toBe(minutes * 60_000);
    expect(Date.parse(body.start.dateTime)).toBe(m.start.toMillis());
  });

  it('derives the Meet requestId from the booking id, so a retried insert is ignored by Google', () => {
    const a = toGoogleEvent(meeting('2025-11-25T14:00', 'America/New_York', { bookingId: 'b-1' }));
    const again = toGoogleEvent(meeting('2025-11-25T15:00', 'America/New_York', { bookingId: 'b-1' }));
    const other = toGoogleEvent(meeting('2025-11-25T14:00', 'America/New_York', { bookingId: 'b-2' }));
    expect(a.conferenceData.createRequest.requestId).toBe(meetRequestId('b-1'));
    expect(again.conferenceData.createRequest.requestId).toBe(a.conferenceData.createRequest.requestId);
    expect(other.conferenceData.createRequest.requestId).not.toBe(a.conferenceData.createRequest.requestId);
  });

  it('never cuts a character in half when shortening the summary', () => {
    const topic = `${'a'.repeat(199)}😀 tail`;
    const summary = toGoogleEvent(meeting('2025-11-25T14:00', 'America/New_York', { topic })).summary;
    expect(summary).toBe(`${'a'.repeat(199)}😀`);
    expect(() => encodeURIComponent(summary)).not.toThrow();
  });
});

const created = {
  kind: 'calendar#event',
  id: 'q8f0lb1kq3s2hm3lbd7tqa2v1c',
  status: 'confirmed',
  htmlLink: 'https://www.google.com/calendar/event?eid=cThmMGxiMWtxM3My',
  hangoutLink: 'https://meet.google.com/abc-defg-hij',
  conferenceData: {
    createRequest: {
      requestId: 'alsatalk-b-1',
      conferenceSolutionKey: { type: 'hangoutsMeet' },
      status: { statusCode: 'success' },
    },
    entryPoints: [
      { entryPointType: 'video', uri: 'https://meet.google.com/abc-defg-hij', label: 'meet.google.com/abc-defg-hij' },
      { entryPointType: 'phone', uri: 'tel:+1-555-0100', label: '+1 555-0100', pin: '123456789' },
    ],
    conferenceId: 'abc-defg-hij',
  },
};
const pending = {
  ...created,
  hangoutLink: undefined,
  conferenceData: { createRequest: { ...created.conferenceData.createRequest, status: { statusCode: 'pending' } } },
};

describe('fromGoogleEvent', () => {
  it('maps the Meet link for the invitee and the calendar link for the host only', () => {
    expect(fromGoogleEvent(parseGoogleEvent(created))).toEqual({
      externalId: 'q8f0lb1kq3s2hm3lbd7tqa2v1c',
      joinUrl: 'https://meet.google.com/abc-defg-hij',
      links: [{ label: 'Join Google Meet', url: 'https://meet.google.com/abc-defg-hij' }],
      hostLinks: [{ label: 'Open in Google Calendar', url: created.htmlLink }],
    });
  });

  it('falls back to hangoutLink when there is no video entry point', () => {
    const booked = fromGoogleEvent(
      parseGoogleEvent({ ...created, conferenceData: { ...created.conferenceData, entryPoints: [] } }),
    );
    expect(booked.joinUrl).toBe('https://meet.google.com/abc-defg-hij');
    expect(booked.note).toBeUndefined();
  });

  it.each([
    ['still pending', pending, /still creating the Meet link/],
    [
      'failed',
      {
        ...pending,
        conferenceData: {
          createRequest: { ...pending.conferenceData.createRequest, status: { statusCode: 'failure' } },
        },
      },
      /could not create a Meet link/,
    ],
    ['without any conference', { id: 'ev1', htmlLink: created.htmlLink }, /without a Meet link/],
  ])('a Meet link %s is still a booking, with a note saying what to do', (_label, body, note) => {
    const booked = fromGoogleEvent(parseGoogleEvent(body));
    expect(booked.externalId).toBeTruthy();
    expect(booked.joinUrl).toBeUndefined();
    expect(booked.links).toEqual([]);
    expect(booked.hostLinks).toEqual([{ label: 'Open in Google Calendar', url: created.htmlLink }]);
    expect(booked.note).toMatch(note);
    expect(booked.note).toMatch(/Google Calendar/);
  });

  it('reads the Meet status', () => {
    expect(meetStatus(parseGoogleEvent(created))).toBe('success');
    expect(meetStatus(parseGoogleEvent(pending))).toBe('pending');
    expect(meetStatus(parseGoogleEvent({ id: 'ev1' }))).toBe('absent');
  });

  it.each([
    ['no id', { htmlLink: created.htmlLink }],
    ['not an object', 'OK'],
    ['empty', undefined],
  ])('an answer with %s is an error that warns against doubling', (_label, body) => {
    expect(() => parseGoogleEvent(body)).toThrow(ProviderError);
    expect(() => parseGoogleEvent(body)).toThrow(/without an event id/);
  });
});

const apiError = (code: number, reason: string, message: string, domain = 'usageLimits') => ({
  error: { errors: [{ domain, reason, message }], code, message },
});

describe('describeGoogleError', () => {
  it('reads both error shapes', () => {
    expect(describeGoogleError(apiError(403, 'userRateLimitExceeded', 'User Rate Limit Exceeded'))).toBe(
      'User Rate Limit Exceeded (userRateLimitExceeded)',
    );
    expect(
      describeGoogleError({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }),
    ).toBe('Token has been expired or revoked. (invalid_grant)');
    expect(describeGoogleError('<html>Bad gateway</html>')).toBe('<html>Bad gateway</html>');
    expect(describeGoogleError(undefined)).toBeUndefined();
  });
});

describe('refineApiFailure', () => {
  const reconnect = 'npx alsatalk-mcp connect google';
  it.each(['rateLimitExceeded', 'userRateLimitExceeded'])(
    'a 403 %s is a rate limit, not a permission problem',
    (reason) => {
      expect(refineApiFailure(403, apiError(403, reason, 'Rate Limit Exceeded'), 'primary', reconnect)).toEqual({
        code: 'rate_limited',
        hint: 'Google Calendar is rate-limiting this account: retry this provider after a minute',
      });
    },
  );

  it('a 403 quotaExceeded (calendar read-only for hours) is a rate limit too', () => {
    expect(
      refineApiFailure(403, apiError(403, 'quotaExceeded', 'Calendar usage limits exceeded.'), 'primary', reconnect),
    ).toMatchObject({ code: 'rate_limited', hint: expect.stringMatching(/few hours/) });
  });

  it("a 403 dailyLimitExceeded (the project's daily quota) is a rate limit that names the quota page", () => {
    expect(
      refineApiFailure(403, apiError(403, 'dailyLimitExceeded', 'Daily Limit Exceeded'), 'primary', reconnect),
    ).toMatchObject({ code: 'rate_limited', hint: expect.stringMatching(/tomorrow, or raise the quota/) });
  });

  it('a 403 forbiddenForNonOrganizer names the organizer rule and the calendar to change', () => {
    expect(
      refineApiFailure(
        403,
        apiError(
          403,
          'forbiddenForNonOrganizer',
          'Shared properties can only be changed by the organizer of the event.',
          'calendar',
        ),
        'team@x.test',
        reconnect,
      ),
    ).toMatchObject({
      code: 'permission_denied',
      hint: expect.stringMatching(/only an event's organizer .* calendar "team@x.test".* --calendar <id>$/),
    });
  });

  it('a 403 for missing scopes names the scope and the reconnect command', () => {
    const body = {
      error: {
        code: 403,
        message: 'Request had insufficient authentication scopes.',
        errors: [{ domain: 'global', reason: 'insufficientPermissions', message: 'Insufficient Permission' }],
      },
    };
    expect(refineApiFailure(403, body, 'primary', reconnect)).toMatchObject({
      code: 'permission_denied',
      hint: expect.stringContaining(`calendar.events: create a new one that grants it, then reconnect: ${reconnect}`),
    });
  });

  it('any other 403 is a permission problem on that calendar', () => {
    expect(
      refineApiFailure(
        403,
        apiError(403, 'requiredAccessLevel', 'You need to have writer access to this calendar.', 'calendar'),
        'team@x.test',
        reconnect,
      ),
    ).toMatchObject({
      code: 'permission_denied',
      hint: expect.stringContaining('may not add events to calendar "team@x.test"'),
    });
  });

  it('"Invalid conference type value" says the calendar does not allow Meet, and what to do', () => {
    const refined = refineApiFailure(
      400,
      apiError(400, 'invalid', 'Invalid conference type value.', 'global'),
      'primary',
      reconnect,
    );
    expect(refined?.code).toBe('provider_rejected');
    expect(refined?.message).toBe(
      'Google Calendar does not allow Google Meet on calendar "primary" (400 Invalid conference type value)',
    );
    expect(refined?.hint).toMatch(/turn on Google Meet/);
    expect(refined?.hint).toContain(`${reconnect} --calendar <id>`);
  });

  it('a 404 names the calendar id and where to find the right one', () => {
    expect(
      refineApiFailure(404, apiError(404, 'notFound', 'Not Found', 'global'), 'gone@x.test', reconnect)?.hint,
    ).toMatch(/no calendar "gone@x.test".*Integrate calendar/);
  });

  it('leaves other failures (429, 5xx, other 400s) to the generic mapping', () => {
    expect(
      refineApiFailure(429, apiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded'), 'primary', reconnect),
    ).toBeUndefined();
    expect(
      refineApiFailure(500, apiError(500, 'backendError', 'Backend Error', 'global'), 'primary', reconnect),
    ).toBeUndefined();
    expect(
      refineApiFailure(
        400,
        apiError(400, 'timeRangeEmpty', 'The specified time range is empty.', 'calendar'),
        'primary',
        reconnect,
      ),
    ).toBeUndefined();
  });
});

describe('usageLimit', () => {
  it.each([
    [403, 'rateLimitExceeded', 'short'],
    [429, 'rateLimitExceeded', 'short'],
    [403, 'userRateLimitExceeded', 'short'],
    [403, 'quotaExceeded', 'lasting'],
    [403, 'dailyLimitExceeded', 'lasting'],
    [403, 'forbiddenForNonOrganizer', undefined],
    [403, 'insufficientPermissions', undefined],
    [500, 'backendError', undefined],
  ] as const)('a %i %s is %s', (status, reason, kind) => {
    expect(usageLimit(status, apiError(status, reason, 'message'))).toBe(kind);
  });

  it("reads nothing into a body that is not Google's error shape", () => {
    expect(usageLimit(403, '<html>Forbidden</html>')).toBeUndefined();
    expect(usageLimit(403, { error: 'rateLimitExceeded' })).toBeUndefined();
  });
});
