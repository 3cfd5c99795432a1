// Microsoft 365's pure mappers: the event body with the other providers' links (never touching the Teams blob), the
// create body, and Microsoft's errors in words.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  describeMicrosoftError,
  grantsCalendarWrite,
  toGraphEvent,
  withOtherLinks,
} from '../../src/providers/microsoft/wire.js';

const zoom = { provider: 'Zoom', label: 'Join Zoom Meeting', url: 'https://us02web.zoom.us/j/123?pwd=a&b=c' };
const meet = { provider: 'Google Calendar', label: 'Join Google Meet', url: 'https://meet.google.com/abc-defg-hij' };
const blob = '<div><hr><b>Microsoft Teams meeting</b><br><a href="https://teams.microsoft.com/l/x">Join</a></div>';

describe('withOtherLinks', () => {
  it('puts the missing links first in an HTML body, escaped, and leaves the Teams blob as it was', () => {
    const content = `<html><head></head><body><p>With Ada</p>${blob}</body></html>`;
    const next = withOtherLinks({ contentType: 'html', content }, [zoom, meet]) ?? '';
    expect(next.startsWith('<html><head></head><body><p>Also for this meeting:<br>Zoom (Join Zoom Meeting): ')).toBe(
      true,
    );
    expect(next).toContain('<a href="https://us02web.zoom.us/j/123?pwd=a&amp;b=c">');
    expect(next).toContain(`<p>With Ada</p>${blob}</body></html>`);
  });

  it('adds only what is missing, and nothing when every link is there already (escaped or not)', () => {
    const content = `<body><a href="https://us02web.zoom.us/j/123?pwd=a&amp;b=c">zoom</a>${blob}</body>`;
    expect(withOtherLinks({ contentType: 'html', content }, [zoom])).toBeUndefined();
    const next = withOtherLinks({ contentType: 'html', content }, [zoom, meet]) ?? '';
    expect(next.match(/us02web\.zoom\.us/g)).toHaveLength(1);
    expect(next).toContain(meet.url);
  });

  it('writes text bodies as text', () => {
    const next = withOtherLinks({ contentType: 'text', content: 'With Ada\n\nMicrosoft Teams meeting' }, [meet]);
    expect(next).toBe(
      'Also for this meeting:\nGoogle Calendar (Join Google Meet): https://meet.google.com/abc-defg-hij\n\nWith Ada\n\nMicrosoft Teams meeting',
    );
  });
});

describe('toGraphEvent', () => {
  const meeting = {
    bookingId: 'b-1',
    customerName: 'Ada Lovelace',
    customerEmail: 'ada@example.com',
    topic: 'Intro',
    timezone: 'Europe/Berlin',
    durationMinutes: 30,
    start: DateTime.fromISO('2027-03-28T02:30', { zone: 'Europe/Berlin' }),
    end: DateTime.fromISO('2027-03-28T03:30', { zone: 'Europe/Berlin' }),
  };
  it('sends UTC wall times without an offset on the day clocks go forward', () => {
    // 02:30 does not exist in Berlin on 2027-03-28; Luxon moves it to 03:30 CEST, which is 01:30 UTC.
    const body = toGraphEvent(meeting, { teams: true, inviteAttendee: false });
    expect(body.start).toEqual({ dateTime: meeting.start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: 'UTC' });
    expect(body).toMatchObject({
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness',
      transactionId: 'b-1',
    });
    expect(body.attendees).toBeUndefined();
    expect(toGraphEvent(meeting, { teams: false, inviteAttendee: true })).not.toHaveProperty('isOnlineMeeting');
  });
});

describe('Microsoft in words', () => {
  it('reads both error shapes, and scopes in either form', () => {
    expect(
      describeMicrosoftError({
        error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' },
      }),
    ).toBe('The specified object was not found in the store. (ErrorItemNotFound)');
    expect(
      describeMicrosoftError({
        error: 'invalid_grant',
        error_description:
          'AADSTS70008: The refresh token has expired due to inactivity.\r\nTrace ID: x\r\nCorrelation ID: y',
        error_codes: [70008],
      }),
    ).toBe('AADSTS70008: The refresh token has expired due to inactivity. (invalid_grant)');
    expect(grantsCalendarWrite('openid https://graph.microsoft.com/Calendars.ReadWrite')).toBe(true);
    expect(grantsCalendarWrite('calendars.readwrite User.Read')).toBe(true);
    expect(grantsCalendarWrite('https://graph.microsoft.com/Calendars.Read')).toBe(false);
  });
});
