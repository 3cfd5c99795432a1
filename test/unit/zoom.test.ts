// Zoom's pure mappers: our Meeting to the Create-a-meeting body, and Zoom's 201 answer to a BookedMeeting.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { zoom } from '../../src/providers/zoom/manifest.js';
import { formatMeetingId, fromZoomMeeting, toZoomMeeting } from '../../src/providers/zoom/wire.js';
import {
  canCreateMeetings,
  canFindMeetings,
  describeZoomError,
  missingScopes,
  userTokenResponse,
} from '../../src/providers/zoom/wire.js';
import { zoomTimeZones } from '../../src/providers/zoom/time-zones.js';
import { toZoomZone } from '../../src/providers/zoom/zone.js';
import { sampleMeeting } from '../support/meeting.js';

const meeting = sampleMeeting;

describe('toZoomMeeting', () => {
  it('a New York meeting is sent as a UTC instant with the IANA zone for display', () => {
    expect(toZoomMeeting(meeting('2025-11-25T14:00', 'America/New_York', { durationMinutes: 45 }))).toEqual({
      topic: 'Quarterly review',
      type: 2,
      start_time: '2025-11-25T19:00:00Z',
      duration: 45,
      timezone: 'America/New_York',
      // The last line ties the meeting to its booking: a repeated call finds it by that.
      agenda: 'With Ada Lovelace <ada@example.com>\n\nalsatalk-mcp booking f3b1c2d4-0000-4000-8000-000000000001',
      default_password: true,
    });
  });

  it('summer time in New York is four hours behind UTC', () => {
    expect(toZoomMeeting(meeting('2026-07-01T09:00', 'America/New_York')).start_time).toBe('2026-07-01T13:00:00Z');
  });

  it('a Kolkata meeting keeps its half-hour offset exactly', () => {
    const body = toZoomMeeting(meeting('2025-11-25T09:15', 'Asia/Kolkata', { durationMinutes: 60 }));
    expect(body.start_time).toBe('2025-11-25T03:45:00Z');
    expect(body.timezone).toBe('Asia/Kolkata');
    expect(body.duration).toBe(60);
  });

  it.each([
    ['Europe/Kyiv', 'Europe/Kiev', '2026-03-10T09:00', '2026-03-10T07:00:00Z'],
    ['Asia/Ho_Chi_Minh', 'Asia/Saigon', '2026-03-10T09:00', '2026-03-10T02:00:00Z'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires', '2026-03-10T09:00', '2026-03-10T12:00:00Z'],
    ['Asia/Kolkata', 'Asia/Kolkata', '2026-03-10T09:00', '2026-03-10T03:30:00Z'],
  ])('a meeting in %s names Zoom’s %s, at the exact UTC instant', (asked, listed, wall, instant) => {
    const body = toZoomMeeting(meeting(wall, asked));
    expect(body.timezone).toBe(listed);
    expect(body.start_time).toBe(instant);
  });

  it('leaves the time zone out when Zoom lists nothing with the same clock', () => {
    const body = toZoomMeeting(meeting('2026-03-10T09:00', 'Asia/Yangon'));
    expect(body).not.toHaveProperty('timezone');
    expect(body.start_time).toBe('2026-03-10T02:30:00Z');
  });

  it('a start that is on the previous day in UTC carries that date', () => {
    expect(toZoomMeeting(meeting('2025-11-25T07:00', 'Australia/Adelaide')).start_time).toBe('2025-11-24T20:30:00Z');
  });

  it('truncates the topic to 200 characters', () => {
    const long = 'x'.repeat(250);
    expect(toZoomMeeting(meeting('2025-11-25T14:00', 'America/New_York', { topic: long })).topic).toBe('x'.repeat(200));
    const exact = 'y'.repeat(200);
    expect(toZoomMeeting(meeting('2025-11-25T14:00', 'America/New_York', { topic: exact })).topic).toBe(exact);
  });

  // A character outside the BMP (an emoji) straddling position 200 must not be cut in half (Zoom would receive a lone
  // surrogate). Reachable through the default topic "Meeting with <customer_name>" (a 200-character name gives 213).
  it('never cuts a character in half when truncating', () => {
    const topic = `Meeting with ${'a'.repeat(186)}😀 and more`;
    const sent = toZoomMeeting(meeting('2025-11-25T14:00', 'America/New_York', { topic })).topic;
    expect(sent.startsWith(`Meeting with ${'a'.repeat(186)}`)).toBe(true);
    expect(() => encodeURIComponent(sent)).not.toThrow(); // throws URIError on a lone surrogate
  });
});

describe("Zoom's time-zone list", () => {
  it('holds the documented IDs, legacy names included, and not the IANA renames', () => {
    expect(Object.keys(zoomTimeZones)).toHaveLength(135);
    for (const id of ['Europe/Kiev', 'Asia/Saigon', 'Asia/Calcutta', 'Asia/Kolkata', 'America/Godthab', 'UTC'])
      expect(zoomTimeZones).toHaveProperty([id]);
    for (const id of ['Europe/Kyiv', 'Asia/Ho_Chi_Minh', 'America/Nuuk', 'Asia/Yangon'])
      expect(zoomTimeZones).not.toHaveProperty([id]);
  });

  const from = DateTime.fromISO('2026-03-10T09:00', { zone: 'utc' });

  it('maps an IANA name to the name Zoom lists the same zone under, without a note', () => {
    expect(toZoomZone('Europe/Kyiv', from)).toEqual({ id: 'Europe/Kiev' });
    expect(toZoomZone('asia/ho_chi_minh', from)).toEqual({ id: 'Asia/Saigon' });
    expect(toZoomZone('America/Toronto', from)).toEqual({ id: 'America/Montreal' });
  });

  it('otherwise picks a listed zone with the same clock, the one whose Zoom name names the city first', () => {
    expect(toZoomZone('Asia/Karachi', from)).toMatchObject({ id: 'Asia/Tashkent' }); // "Islamabad, Karachi, Tashkent"
    expect(toZoomZone('Australia/Melbourne', from)).toMatchObject({ id: 'Australia/Sydney' });
    const vilnius = toZoomZone('Europe/Vilnius', from);
    expect(vilnius.note).toContain('keeps the same clock');
  });

  it('rejects a zone whose daylight-saving changes differ, even with the same offset today', () => {
    // Santiago and Asuncion share UTC-03:00 in March, but change their clocks on other days.
    const id = toZoomZone('America/Asuncion', from).id;
    if (id) {
      for (let d = 0; d < 3 * 365; d += 7) {
        const t = from.plus({ days: d });
        expect(t.setZone(id).offset).toBe(t.setZone('America/Asuncion').offset);
      }
    }
    expect(id).not.toBe('America/Santiago');
  });

  it('gives none, with a note, for a clock nobody on the list keeps', () => {
    expect(toZoomZone('Asia/Yangon', from)).toEqual({
      id: undefined,
      note: expect.stringContaining('nothing with the clock of Asia/Yangon'),
    });
    expect(toZoomZone('Pacific/Chatham', from).id).toBeUndefined(); // UTC+12:45
  });
});

describe('fromZoomMeeting', () => {
  const created = {
    uuid: 'aDYlohsHRtCd4ii1uC2+hA==',
    id: 85746065432,
    host_id: 'z8yAAAAA8bbbQ',
    topic: 'Quarterly review',
    type: 2,
    start_time: '2025-11-25T19:00:00Z',
    duration: 30,
    timezone: 'America/New_York',
    join_url: 'https://us05web.zoom.us/j/85746065432?pwd=abc123',
    password: 'k3YpQ9',
  };

  it('maps the numeric id to a string and keeps the join URL and passcode', () => {
    expect(fromZoomMeeting(created)).toEqual({
      externalId: '85746065432',
      joinUrl: 'https://us05web.zoom.us/j/85746065432?pwd=abc123',
      reference: { label: 'Meeting ID', value: '857 4606 5432' },
      passcode: 'k3YpQ9',
      links: [{ label: 'Join Zoom meeting', url: 'https://us05web.zoom.us/j/85746065432?pwd=abc123' }],
    });
  });

  it('groups the meeting id as Zoom shows it', () => {
    expect(formatMeetingId('85746065432')).toBe('857 4606 5432');
    expect(formatMeetingId('8574606543')).toBe('857 460 6543');
    expect(formatMeetingId('123')).toBe('123');
  });

  it('accepts a string id as is', () => {
    expect(fromZoomMeeting({ ...created, id: '85746065432' }).externalId).toBe('85746065432');
  });

  it('tolerates a missing password (passcodes turned off in the account)', () => {
    const { password: _password, ...withoutPassword } = created;
    const booked = fromZoomMeeting(withoutPassword);
    expect(booked.passcode).toBeUndefined();
    expect(booked).not.toHaveProperty('passcode');
    expect(booked.joinUrl).toBe(created.join_url);
  });

  it.each([
    [
      'join_url is missing',
      (() => {
        const { join_url: _j, ...rest } = created;
        return rest;
      })(),
    ],
    ['join_url is not a URL', { ...created, join_url: 'not a url' }],
    [
      'id is missing',
      (() => {
        const { id: _i, ...rest } = created;
        return rest;
      })(),
    ],
    ['the body is not an object', 'Created'],
    ['the body is empty', undefined],
  ])('throws a ProviderError when %s', (_case, body) => {
    let thrown: unknown;
    try {
      fromZoomMeeting(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    const error = thrown as ProviderError;
    expect(error.provider).toBe('Zoom');
    // The meeting exists: the code makes a repeated call look for it before creating another.
    expect(error.code).toBe('outcome_unknown');
    expect(error.message).toBe('Zoom created the meeting but its answer had no join_url or id');
    expect(error.hint).toMatch(/repeat the same call: it looks in Zoom/);
  });
});

describe('Zoom OAuth wire shapes', () => {
  it.each([
    ['meeting:write:meeting user:read:user', true],
    ['meeting:write:meeting:admin', true],
    ['meeting:write', true],
    ['meeting:write:admin', true],
    ['meeting:write:invite_links', false],
    ['meeting:write:invite_links:admin meeting:write:registrant', false],
    ['user:read:user meeting:read:meeting', false],
    ['', false],
  ])('canCreateMeetings(%j) is %s', (scope, expected) => {
    expect(canCreateMeetings(scope)).toBe(expected);
  });

  it('only the admin scopes create meetings for another user of the account', () => {
    expect(canCreateMeetings('meeting:write:meeting:admin', true)).toBe(true);
    expect(canCreateMeetings('meeting:write:admin', true)).toBe(true);
    expect(canCreateMeetings('meeting:write:meeting meeting:write', true)).toBe(false);
  });

  it.each([
    [
      {
        code: 4711,
        message: 'Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin].',
      },
      ['meeting:write:meeting', 'meeting:write:meeting:admin'],
    ],
    [{ code: 4700, message: 'Invalid access token, does not contain scopes: [user_zak:read].' }, ['user_zak:read']],
    [
      { code: 104, message: 'Invalid access token, does not contain scopes:["calendar:read:admin","calendar:read"]' },
      ['calendar:read:admin', 'calendar:read'],
    ],
    [{ code: 124, message: 'Invalid access token.' }, undefined],
    ['Bad Request', undefined],
  ])('missingScopes(%j) names %j', (body, expected) => {
    expect(missingScopes(body)).toEqual(expected);
  });

  it.each([
    ['meeting:write:meeting meeting:read:list_meetings meeting:read:meeting', true],
    ['meeting:write:meeting:admin meeting:read:list_meetings:admin meeting:read:meeting:admin', true],
    ['meeting:write meeting:read', true],
    ['meeting:write:admin meeting:read:admin', true],
    ['meeting:write:meeting meeting:read:meeting', false],
    ['meeting:write:meeting meeting:read:list_meetings', false],
    ['meeting:read:list_meetings_x meeting:read:meeting', false],
    ['', false],
  ])('canFindMeetings(%j) is %s', (scope, expected) => {
    expect(canFindMeetings(scope)).toBe(expected);
  });

  it("reads the OAuth endpoint's error body and the REST API's", () => {
    expect(describeZoomError({ reason: 'Invalid Token!', error: 'invalid_grant' })).toBe(
      'Invalid Token! / invalid_grant',
    );
    expect(describeZoomError({ code: 124, message: 'Invalid access token.' })).toBe('Invalid access token. (code 124)');
  });

  it('accepts a user-level token answer with its rotated refresh token', () => {
    const parsed = userTokenResponse.parse({
      access_token: 'a',
      token_type: 'bearer',
      refresh_token: 'r',
      expires_in: 3599,
      scope: 'meeting:write:meeting',
      api_url: 'https://api.zoom.us',
    });
    expect(parsed.refresh_token).toBe('r');
  });

  it('names the secret each kind of stored connection needs', () => {
    expect(zoom.secretsFor({ auth: 'oauth', clientId: 'c', userId: 'me' })).toEqual(['refresh_token']);
    expect(zoom.secretsFor({ accountId: 'a', clientId: 'c', userId: 'me' })).toEqual(['client_secret']);
  });
});
