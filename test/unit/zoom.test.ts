// Zoom's pure mappers: our Meeting to the Create-a-meeting body, and Zoom's 201 answer to a BookedMeeting.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/errors.js';
import { zoom } from '../../src/providers/zoom/manifest.js';
import { formatMeetingId, fromZoomMeeting, toZoomMeeting } from '../../src/providers/zoom/wire.js';
import {
  canCreateMeetings,
  canFindMeetings,
  describeZoomError,
  userTokenResponse,
} from '../../src/providers/zoom/wire.js';
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
    ['user:read:user meeting:read:meeting', false],
    ['', false],
  ])('canCreateMeetings(%j) is %s', (scope, expected) => {
    expect(canCreateMeetings(scope)).toBe(expected);
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
