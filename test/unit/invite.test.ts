// The invitee's e-mail: exact subject and time lines, escaped HTML, no control characters, and an .ics ical.js can read.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { resolveSlot } from '../../src/booking/slot.js';
import type { Meeting } from '../../src/meeting.js';
import { sampleMeeting } from '../support/meeting.js';
import { renderInvite, type BookedEntry } from '../../src/email/invite.js';
import { longTime, subjectTime } from '../../src/email/when.js';
import { singleLine, truncate } from '../../src/text.js';

function meeting(overrides: Partial<Meeting> & { startIso?: string } = {}): Meeting {
  const { startIso, ...rest } = overrides;
  return sampleMeeting(startIso, rest.timezone, rest);
}

const zoomEntry: BookedEntry = {
  provider: 'Zoom',
  meeting: {
    externalId: '85746065432',
    joinUrl: 'https://us05web.zoom.us/j/85746065432?pwd=abc123',
    passcode: 'k3YpQ9',
    links: [{ label: 'Join Zoom meeting', url: 'https://us05web.zoom.us/j/85746065432?pwd=abc123' }],
  },
};

const stamp = new Date('2025-11-01T08:00:00Z');
/** True when `value` holds a control character other than the newline that separates text lines. */
const hasControlChar = (value: string): boolean =>
  [...value].some((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));

function parseIcs(ics: string) {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevents = calendar.getAllSubcomponents('vevent');
  return { calendar, vevents, event: new ICAL.Event(vevents[0]) };
}

/** A meeting as book_meeting resolves it (the first of two equal wall times), for the days the clocks change. */
function changeOfClocks(date: string, time: string, timezone: string, durationMinutes: number): Meeting {
  const now = DateTime.fromISO('2027-01-01T00:00:00Z');
  const slot = resolveSlot({ date, time, timezone, durationMinutes }, now);
  return sampleMeeting(undefined, timezone, { durationMinutes, start: slot.start, end: slot.end });
}

describe('subject and time lines', () => {
  it('subject is the start in the meeting zone', () => {
    expect(renderInvite(meeting(), [zoomEntry], { now: stamp }).subject).toBe(
      'Meeting confirmed: Tue, Nov 25, 2:00 PM EST',
    );
    expect(subjectTime(meeting({ startIso: '2026-07-01T09:05' }))).toBe('Wed, Jul 1, 9:05 AM EDT');
  });

  it('longTime gives the full date, both times and the zone name', () => {
    expect(longTime(meeting())).toBe('Tuesday, November 25, 2025, 2:00 PM – 2:30 PM EST (America/New_York)');
  });

  it('longTime repeats the date when the meeting ends on the next day', () => {
    expect(longTime(meeting({ startIso: '2025-11-25T23:30', durationMinutes: 60 }))).toBe(
      'Tuesday, November 25, 2025, 11:30 PM – Wednesday, November 26, 2025, 12:30 AM EST (America/New_York)',
    );
  });

  it('longTime names the offset at each end when the clocks change during the meeting', () => {
    expect(longTime(changeOfClocks('2027-11-07', '01:30', 'America/New_York', 30))).toBe(
      'Sunday, November 7, 2027, 1:30 AM EDT – 1:00 AM EST (America/New_York)',
    );
    expect(longTime(changeOfClocks('2027-03-14', '01:30', 'America/New_York', 60))).toBe(
      'Sunday, March 14, 2027, 1:30 AM EST – 3:30 AM EDT (America/New_York)',
    );
  });

  it('truncate counts characters, not UTF-16 units', () => {
    expect(truncate('ab😀cd', 3)).toBe('ab😀');
    expect(truncate('short', 10)).toBe('short');
  });

  it('singleLine turns control characters into spaces and trims', () => {
    expect(singleLine('  Ada\r\nBcc: evil@example.com\u0000\u0007x\u007f ')).toBe('Ada Bcc: evil@example.com x');
    expect(singleLine('Tab\there')).toBe('Tab here');
  });
});

describe('renderInvite: text and HTML', () => {
  it('the passcode and join URL appear in both the text and the HTML', () => {
    const invite = renderInvite(meeting(), [zoomEntry], { now: stamp });
    expect(invite.text).toContain('  Join Zoom meeting: https://us05web.zoom.us/j/85746065432?pwd=abc123');
    expect(invite.text).toContain('  Passcode: k3YpQ9');
    expect(invite.html).toContain('<a href="https://us05web.zoom.us/j/85746065432?pwd=abc123">Join Zoom meeting</a>');
    expect(invite.html).toContain('Passcode: <strong>k3YpQ9</strong>');
    expect(invite.text).toContain('When: Tuesday, November 25, 2025, 2:00 PM – 2:30 PM EST (America/New_York)');
    expect(invite.text).toContain('Duration: 30 minutes');
  });

  it('escapes <, >, &, and quotes from the customer name and topic', () => {
    const m = meeting({ customerName: `Ada <script>alert("x")</script> & 'Co'`, topic: `Q&A <b>"launch"</b> 'plan'` });
    const { html, text } = renderInvite(m, [zoomEntry], { now: stamp });
    expect(html).toContain('<p>Hi Ada &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;,</p>');
    expect(html).toContain('<strong>Q&amp;A &lt;b&gt;&quot;launch&quot;&lt;/b&gt; &#39;plan&#39;</strong>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    // Plain text is not HTML: it shows what the user typed.
    expect(text).toContain(`Your meeting "Q&A <b>"launch"</b> 'plan'" is confirmed.`);
  });

  it('CR/LF and other control characters never reach the subject or the text lines', () => {
    const m = meeting({
      customerName: 'Ada\r\nBcc: evil@example.com',
      topic: 'Review\u0000\u001b[31m\nSubject: spoofed\u007f',
    });
    const invite = renderInvite(m, [zoomEntry], { now: stamp });
    expect(invite.subject).not.toContain('\n');
    expect(hasControlChar(invite.subject)).toBe(false);
    expect(hasControlChar(invite.text)).toBe(false);
    const lines = invite.text.split('\n');
    expect(lines).toContain('Hi Ada Bcc: evil@example.com,');
    expect(lines).toContain('Your meeting "Review [31m Subject: spoofed" is confirmed.');
    expect(lines.some((l) => l.startsWith('Subject:') || l.startsWith('Bcc:'))).toBe(false);
  });

  it('a javascript: link is never an anchor in the HTML', () => {
    const evil: BookedEntry = {
      provider: 'Zoom',
      meeting: {
        externalId: '1',
        joinUrl: 'javascript:alert(1)',
        links: [{ label: 'Join', url: 'javascript:alert(1)' }],
      },
    };
    const invite = renderInvite(meeting(), [evil], { now: stamp });
    expect(invite.html).not.toContain('javascript:');
    // The only anchor left is our own add-to-calendar link.
    expect(
      [...invite.html.matchAll(/<a href="([^"]*)"/g)].map((m) => new URL(m[1]!.replace(/&amp;/g, '&')).origin),
    ).toEqual(['https://calendar.google.com']);
    // It is no calendar link either: neither LOCATION nor URL.
    const { event, vevents } = parseIcs(invite.ics);
    expect(event.location).toBeNull();
    expect(vevents[0]?.getFirstPropertyValue('url')).toBeNull();
  });
});

describe('renderInvite: links to confirm and to save', () => {
  const calendlyLink: BookedEntry = {
    provider: 'Calendly',
    meeting: {
      externalId: 'https://calendly.com/d/abc-123',
      links: [
        {
          label: 'Pick 14:00 and confirm',
          url: 'https://calendly.com/d/abc-123/intro?month=2025-11&date=2025-11-25',
        },
      ],
      confirmation: 'invitee_must_confirm',
      inviteeAction: 'pick 14:00 and confirm',
    },
  };

  it('asks the invitee to book on the page when every provider only sent a link, and says what to do there', () => {
    const invite = renderInvite(meeting(), [calendlyLink], { now: stamp });
    expect(invite.subject).toBe('Please confirm your meeting: Tue, Nov 25, 2:00 PM EST');
    expect(invite.text).toContain(
      'Your meeting "Quarterly review" is not booked yet: on Calendly, pick 14:00 and confirm.',
    );
    expect(invite.text).not.toContain('one click');
    expect(invite.text).toContain(
      'Pick 14:00 and confirm: https://calendly.com/d/abc-123/intro?month=2025-11&date=2025-11-25',
    );
  });

  it('stays a confirmation when one provider booked for real, and names it next to the step left', () => {
    const invite = renderInvite(meeting(), [zoomEntry, calendlyLink], { now: stamp });
    expect(invite.subject).toBe('Meeting confirmed: Tue, Nov 25, 2:00 PM EST');
    expect(invite.text).toContain(
      'Your meeting "Quarterly review" needs one more step: Zoom is booked at 14:00; on Calendly, pick 14:00 and confirm.',
    );
    expect(invite.html).toContain('Zoom is booked at 14:00; on Calendly, pick 14:00 and confirm.');
  });

  it('offers an add-to-Google-Calendar link for the exact slot', () => {
    const invite = renderInvite(meeting(), [zoomEntry], { now: stamp });
    const line = invite.text.split('\n').find((l) => l.startsWith('Add to Google Calendar: '));
    const url = new URL(line?.slice('Add to Google Calendar: '.length) ?? '');
    expect(url.origin + url.pathname).toBe('https://calendar.google.com/calendar/render');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      action: 'TEMPLATE',
      text: 'Quarterly review',
      dates: '20251125T190000Z/20251125T193000Z',
      ctz: 'America/New_York',
      location: zoomEntry.meeting.joinUrl,
    });
  });
});

describe('renderInvite: the .ics attachment', () => {
  it('is an iTIP REQUEST (iMIP): the sender as ORGANIZER, the invitee as ATTENDEE, SEQUENCE 0, CONFIRMED', () => {
    const m = meeting();
    const organizer = { name: 'Acme Scheduling', email: 'meet@acme.test' };
    const invite = renderInvite(m, [zoomEntry], { now: stamp, organizer });
    expect(invite.icsMethod).toBe('REQUEST');
    const { calendar, vevents, event } = parseIcs(invite.ics);
    expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(event.uid).toBe(`${m.bookingId}@alsatalk-mcp`);
    const vevent = vevents[0];
    const organizerProperty = vevent?.getFirstProperty('organizer');
    // The URI scheme is case-insensitive (RFC 3986); ical-generator writes it in capitals.
    expect(String(organizerProperty?.getFirstValue()).toLowerCase()).toBe('mailto:meet@acme.test');
    expect(organizerProperty?.getParameter('cn')).toBe('Acme Scheduling');
    const [attendee] = vevent?.getAllProperties('attendee') ?? [];
    expect(vevent?.getAllProperties('attendee')).toHaveLength(1);
    expect(String(attendee?.getFirstValue()).toLowerCase()).toBe(`mailto:${m.customerEmail}`);
    expect(attendee?.getParameter('cn')).toBe(m.customerName);
    expect(attendee?.getParameter('partstat')).toBe('NEEDS-ACTION');
    expect(attendee?.getParameter('role')).toBe('REQ-PARTICIPANT');
    expect(vevent?.getFirstPropertyValue('sequence')).toBe(0);
    expect(vevent?.getFirstPropertyValue('status')).toBe('CONFIRMED');
    // The update that lists more providers replaces it in the calendar: same UID, a higher SEQUENCE.
    const update = parseIcs(renderInvite(m, [zoomEntry], { now: stamp, organizer, update: true }).ics);
    expect(update.event.uid).toBe(event.uid);
    expect(update.vevents[0]?.getFirstPropertyValue('sequence')).toBe(1);
  });

  it('is TENTATIVE while every provider only sent a link to confirm, and a PUBLISH notice with no organizer', () => {
    const link: BookedEntry = {
      provider: 'Calendly',
      meeting: {
        externalId: 'link-1',
        links: [{ label: 'Pick the time', url: 'https://calendly.com/d/abc' }],
        confirmation: 'invitee_must_confirm',
        inviteeAction: 'pick 14:00 and confirm',
      },
    };
    const organizer = { email: 'meet@acme.test' };
    const tentative = parseIcs(renderInvite(meeting(), [link], { now: stamp, organizer }).ics);
    expect(tentative.vevents[0]?.getFirstPropertyValue('status')).toBe('TENTATIVE');
    expect(tentative.vevents[0]?.getFirstProperty('organizer')?.getParameter('cn')).toBe('meet@acme.test');
    const notice = renderInvite(meeting(), [zoomEntry], { now: stamp });
    expect(notice.icsMethod).toBe('PUBLISH');
    expect(parseIcs(notice.ics).vevents[0]?.getFirstProperty('organizer')).toBeNull();
  });

  it('is one VEVENT with the booking UID, exact instants and a DTSTAMP', () => {
    const m = meeting();
    const { calendar, vevents, event } = parseIcs(renderInvite(m, [zoomEntry], { now: stamp }).ics);
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(vevents).toHaveLength(1);
    expect(event.uid).toBe(`${m.bookingId}@alsatalk-mcp`);
    expect(event.startDate.toJSDate().toISOString()).toBe('2025-11-25T19:00:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2025-11-25T19:30:00.000Z');
    expect(event.startDate.toJSDate().getTime()).toBe(m.start.toMillis());
    expect(event.endDate.toJSDate().getTime()).toBe(m.end.toMillis());
    const dtstamp = vevents[0]?.getFirstPropertyValue('dtstamp');
    expect(dtstamp).toBeInstanceOf(ICAL.Time);
    expect((dtstamp as ICAL.Time).toJSDate().toISOString()).toBe('2025-11-01T08:00:00.000Z');
  });

  it("writes the times in the meeting's zone (TZID and its VTIMEZONE) and DTSTAMP in UTC", () => {
    const ics = renderInvite(meeting(), [zoomEntry], { now: stamp }).ics;
    expect(ics).toContain('DTSTART;TZID=America/New_York:20251125T140000');
    expect(ics).toContain('DTEND;TZID=America/New_York:20251125T143000');
    expect(ics).toContain('DTSTAMP:20251101T080000Z');
    const { calendar } = parseIcs(ics);
    expect(calendar.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid'))).toEqual([
      'America/New_York',
    ]);
  });

  it('has a DTSTAMP even when no clock is passed', () => {
    const { vevents } = parseIcs(renderInvite(meeting(), [zoomEntry]).ics);
    expect(vevents[0]?.getFirstPropertyValue('dtstamp')).toBeInstanceOf(ICAL.Time);
  });

  it('keeps instants exact in a half-hour zone', () => {
    const m = meeting({ timezone: 'Asia/Kolkata', startIso: '2025-11-25T09:15', durationMinutes: 45 });
    const { event } = parseIcs(renderInvite(m, [zoomEntry], { now: stamp }).ics);
    expect(event.startDate.toJSDate().toISOString()).toBe('2025-11-25T03:45:00.000Z');
    expect(event.endDate.toJSDate().toISOString()).toBe('2025-11-25T04:30:00.000Z');
  });

  // Both changes of clocks in two zones: the file must name the two instants the booking holds, read back by ical.js.
  it.each([
    ['America/New_York', '2027-11-07', '01:30', 30, '2027-11-07T05:30:00.000Z', '2027-11-07T06:00:00.000Z'],
    ['America/New_York', '2027-11-07', '00:45', 90, '2027-11-07T04:45:00.000Z', '2027-11-07T06:15:00.000Z'],
    ['America/New_York', '2027-03-14', '01:30', 60, '2027-03-14T06:30:00.000Z', '2027-03-14T07:30:00.000Z'],
    ['Europe/Berlin', '2027-10-31', '02:30', 30, '2027-10-31T00:30:00.000Z', '2027-10-31T01:00:00.000Z'],
    ['Europe/Berlin', '2027-10-31', '02:15', 60, '2027-10-31T00:15:00.000Z', '2027-10-31T01:15:00.000Z'],
    ['Europe/Berlin', '2027-03-28', '01:30', 60, '2027-03-28T00:30:00.000Z', '2027-03-28T01:30:00.000Z'],
  ])('%s %s %s for %i minutes: the file holds exactly %s to %s', (timezone, date, time, minutes, start, end) => {
    const m = changeOfClocks(date, time, timezone, minutes);
    expect([m.start.toUTC().toISO(), m.end.toUTC().toISO()]).toEqual([start, end]);
    const ics = renderInvite(m, [zoomEntry], { now: stamp }).ics;
    const { calendar, event } = parseIcs(ics);
    for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
    try {
      expect(event.startDate.toJSDate().toISOString()).toBe(start);
      expect(event.endDate.toJSDate().toISOString()).toBe(end);
      expect(event.endDate.compare(event.startDate)).toBe(1);
    } finally {
      ICAL.TimezoneService.reset();
    }
  });

  it('writes UTC times when an end falls on the second of two equal wall times, the zone otherwise', () => {
    const fold = renderInvite(changeOfClocks('2027-11-07', '01:30', 'America/New_York', 30), [zoomEntry], {
      now: stamp,
    }).ics;
    expect(fold).toContain('DTSTART:20271107T053000Z');
    expect(fold).toContain('DTEND:20271107T060000Z');
    const spring = renderInvite(changeOfClocks('2027-03-14', '01:30', 'America/New_York', 60), [zoomEntry], {
      now: stamp,
    }).ics;
    expect(spring).toContain('DTSTART;TZID=America/New_York:20270314T013000');
    expect(spring).toContain('DTEND;TZID=America/New_York:20270314T033000');
  });

  it('SUMMARY equals the topic, commas, semicolons and backslashes included', () => {
    // The booking flow passes the topic through singleLine before building the Meeting.
    const topic = singleLine('Q4, budget; plan \\ review\r\nwith Ada');
    expect(topic).toBe('Q4, budget; plan \\ review with Ada');
    const { event } = parseIcs(renderInvite(meeting({ topic }), [zoomEntry], { now: stamp }).ics);
    expect(event.summary).toBe(topic);
  });

  it('the join URL is the LOCATION and the booked details are the DESCRIPTION', () => {
    const { event } = parseIcs(renderInvite(meeting(), [zoomEntry], { now: stamp }).ics);
    expect(event.location).toBe('https://us05web.zoom.us/j/85746065432?pwd=abc123');
    expect(event.description).toBe(
      'Zoom\n  Join Zoom meeting: https://us05web.zoom.us/j/85746065432?pwd=abc123\n  Passcode: k3YpQ9',
    );
  });
});
