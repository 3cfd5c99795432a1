// Zoom's wire shapes (token answers, error bodies, Create a meeting) and the pure mappers between them and our types.
// API reference: https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings
import { z } from 'zod';
import { tokenAnswer } from '../../auth/oauth-spec.js';
import { ProviderError } from '../../errors.js';
import { truncate } from '../../text.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';

import { displayName } from './manifest.js';
import { toZoomZone, type ZoomZone } from './zone.js';

export { displayName };

/**
 * Token answer of `POST /oauth/token` (https://developers.zoom.us/docs/integrations/oauth/), `token_type` included. The
 * user-level grants (`authorization_code`, `refresh_token`) also return a refresh token, and Zoom rotates it: each refresh
 * answer carries a new one and the one sent dies (https://developers.zoom.us/docs/integrations/PKCE/).
 */
export const userTokenResponse = tokenAnswer.extend({ token_type: z.string() });
export type ZoomToken = z.infer<typeof userTokenResponse>;

/** Error body of the OAuth endpoint: `{"reason":"Invalid Token!","error":"invalid_grant"}`. */
export const oauthError = z.object({ reason: z.string().optional(), error: z.string().optional() });

/** Error body of the REST API: `{"code":300,"message":"Validation Failed.","errors":[{"field","message"}]}`. */
const apiError = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ field: z.string().optional(), message: z.string().optional() })).optional(),
});

/** `GET /users/{userId}` (fields we read): https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId} */
export const userResponse = z.object({ email: z.string().optional(), id: z.string().optional() });

/** Request body of Create a meeting; only the fields we send. */
export interface ZoomCreateMeeting {
  topic: string;
  type: 2;
  /** UTC, `yyyy-MM-ddTHH:mm:ssZ`: an exact instant whatever zones Zoom knows; `timezone` then sets the display zone. */
  start_time: string;
  duration: number;
  /** An ID from Zoom's own list (time-zones.ts), or absent when none keeps the meeting's clock (zone.ts). */
  timezone?: string;
  agenda: string;
  /** Let Zoom generate a passcode that satisfies the account's own passcode rules. */
  default_password: true;
}

/** 201 response of Create a meeting (fields we read). `password` is absent when the account has passcodes off. */
const createMeetingResponse = z.object({
  id: z.union([z.number(), z.string()]),
  join_url: z.url(),
  password: z.string().optional(),
  start_time: z.string().optional(),
  timezone: z.string().optional(),
});

/**
 * The agenda line that ties a Zoom meeting to its booking. Zoom takes no idempotency key, so this is how a repeated call
 * finds the meeting an interrupted one made (List meetings returns each meeting's agenda).
 */
const bookingTag = (bookingId: string): string => `alsatalk-mcp booking ${bookingId}`;

/**
 * List meetings (`GET /users/{userId}/meetings`): the fields a repeated call matches on (agenda, start) and a search
 * reads as busy time (type, start, duration). Items carry no passcode.
 */
export const listMeetingsResponse = z.object({
  next_page_token: z.string().optional(),
  meetings: z
    .array(
      z.object({
        id: z.union([z.number(), z.string()]),
        type: z.number().optional(),
        start_time: z.string().optional(),
        duration: z.number().optional(),
        agenda: z.string().optional(),
      }),
    )
    .default([]),
});

/** The id of the listed meeting made for `meeting` (its tag in the agenda, at its start), and the next page's token. */
export function findTaggedMeeting(
  body: unknown,
  meeting: Meeting,
): { id: string | undefined; nextPage: string | undefined } {
  const parsed = listMeetingsResponse.safeParse(body);
  if (!parsed.success)
    throw new ProviderError(displayName, 'provider_rejected', 'Zoom answered the meeting list in an unexpected form', {
      hint: 'retry; if it keeps happening, look for the meeting in the Zoom web portal',
    });
  const start = meeting.start.toMillis();
  const tag = bookingTag(meeting.bookingId);
  const found = parsed.data.meetings.find(
    (m) => (m.agenda ?? '').includes(tag) && (m.start_time === undefined || Date.parse(m.start_time) === start),
  );
  return { id: found ? String(found.id) : undefined, nextPage: parsed.data.next_page_token || undefined };
}

/** Pure mapper: our meeting to Zoom's create body; `zone` is the listed zone its IANA zone maps to. */
export function toZoomMeeting(
  meeting: Meeting,
  zone: ZoomZone = toZoomZone(meeting.timezone, meeting.start),
): ZoomCreateMeeting {
  return {
    topic: truncate(meeting.topic, 200),
    type: 2,
    start_time: meeting.start.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'"),
    duration: meeting.durationMinutes,
    ...(zone.id ? { timezone: zone.id } : {}),
    agenda: `${truncate(`With ${meeting.customerName} <${meeting.customerEmail}>`, 1900)}\n\n${bookingTag(meeting.bookingId)}`,
    default_password: true,
  };
}

/** Zoom shows meeting ids grouped as people type them: 123 4567 8901 (11 digits), 123 456 7890 (10). */
export function formatMeetingId(id: string): string {
  if (/^\d{11}$/.test(id)) return `${id.slice(0, 3)} ${id.slice(3, 7)} ${id.slice(7)}`;
  if (/^\d{10}$/.test(id)) return `${id.slice(0, 3)} ${id.slice(3, 6)} ${id.slice(6)}`;
  return id;
}

/** Pure mapper: Zoom's 201 body to our booked meeting. */
export function fromZoomMeeting(body: unknown): BookedMeeting {
  const parsed = createMeetingResponse.safeParse(body);
  if (!parsed.success) {
    // Uncertain, not refused: the meeting exists, so a repeat must look for it before making another.
    throw new ProviderError(
      displayName,
      'outcome_unknown',
      'Zoom created the meeting but its answer had no join_url or id',
      {
        hint: 'repeat the same call: it looks in Zoom for this meeting before making another (or check the Zoom web portal)',
      },
    );
  }
  const m = parsed.data;
  return {
    externalId: String(m.id),
    joinUrl: m.join_url,
    reference: { label: 'Meeting ID', value: formatMeetingId(String(m.id)) },
    ...(m.password ? { passcode: m.password } : {}),
    links: [{ label: 'Join Zoom meeting', url: m.join_url }],
  };
}

/** Zoom's own explanation from an API or OAuth error body. */
export function describeZoomError(body: unknown): string | undefined {
  const api = apiError.safeParse(body);
  if (api.success && api.data.message) {
    const fields = (api.data.errors ?? []).map((e) => `${e.field ?? '?'}: ${e.message ?? 'invalid'}`).join('; ');
    return `${api.data.message}${api.data.code !== undefined ? ` (code ${api.data.code})` : ''}${fields ? ` [${fields}]` : ''}`;
  }
  const oauth = oauthError.safeParse(body);
  if (oauth.success && (oauth.data.reason || oauth.data.error))
    return [oauth.data.reason, oauth.data.error].filter(Boolean).join(' / ');
  return typeof body === 'string' && body.length > 0 ? truncate(body, 200) : undefined;
}

/**
 * The scopes that let a token create a meeting (https://developers.zoom.us/docs/isv/workflows/create-meeting/: granular
 * `meeting:write:meeting`, `meeting:write:meeting:admin`; classic `meeting:write`, `meeting:write:admin`). Only the admin
 * ones reach another user of the account.
 */
const createScopes = {
  own: ['meeting:write:meeting', 'meeting:write:meeting:admin', 'meeting:write', 'meeting:write:admin'],
  others: ['meeting:write:meeting:admin', 'meeting:write:admin'],
} as const;

/**
 * True when the granted scopes (space-separated) let the token create meetings for its own user (`me`), or with
 * `forOthers` for any user of the account. Whole names only: `meeting:write:invite_links` grants neither.
 */
export function canCreateMeetings(scope: string, forOthers = false): boolean {
  const granted = new Set(scope.split(/\s+/));
  return createScopes[forOthers ? 'others' : 'own'].some((name) => granted.has(name));
}

/**
 * The scopes Zoom names when it refuses a token that lacks one: `{"code":4711,"message":"Invalid access token, does not
 * contain scopes:[meeting:write:meeting, meeting:write:meeting:admin]."}` (HTTP 400; the error table of
 * https://developers.zoom.us/docs/api/errors lists it as "Invalid access token, does not contain scopes"). Any one of
 * them would do. Undefined when the body is not that refusal.
 */
export function missingScopes(body: unknown): string[] | undefined {
  const message = apiError.safeParse(body).data?.message ?? '';
  const listed = /does not contain (?:required )?scopes\s*:\s*\[([^\]]*)\]/i.exec(message)?.[1];
  const scopes = (listed ?? '')
    .split(',')
    .map((s) => s.trim().replace(/^"|"$/g, ''))
    .filter((s) => s !== '');
  return scopes.length > 0 ? scopes : undefined;
}

/**
 * True when the scopes let a repeated booking look for a meeting whose answer was lost (List meetings, then Get meeting):
 * classic `meeting:read[:admin]`, or both granular `meeting:read:list_meetings[:admin]` and `meeting:read:meeting[:admin]`.
 */
export function canFindMeetings(scope: string): boolean {
  const granted = scope.split(/\s+/);
  const has = (name: string) => granted.includes(name) || granted.includes(`${name}:admin`);
  return has('meeting:read') || (has('meeting:read:list_meetings') && has('meeting:read:meeting'));
}

/** Zoom's error code in an API error body (3001: the meeting does not exist), when it has one. */
export function zoomErrorCode(body: unknown): number | undefined {
  const parsed = apiError.safeParse(body);
  const code = parsed.success ? Number(parsed.data.code) : Number.NaN;
  return Number.isFinite(code) ? code : undefined;
}

/**
 * Whether the granted scopes may delete meetings (cancel_booking): the granular `meeting:delete:meeting`, or the classic
 * `meeting:write` that covers it (https://developers.zoom.us/docs/api/meetings/#tag/meetings/DELETE/meetings/{meetingId}).
 */
/** The scopes cancel_booking and reschedule_booking need that `scope` lacks (classic `meeting:write` covers both). */
export function missingChangeScopes(scope: string, admin: boolean): string[] {
  const granted = scope.split(/\s+/);
  const has = (name: string) => granted.includes(name) || granted.includes(`${name}:admin`);
  if (has('meeting:write')) return [];
  const suffix = admin ? ':admin' : '';
  return ['meeting:update:meeting', 'meeting:delete:meeting']
    .filter((name) => !has(name))
    .map((name) => `${name}${suffix}`);
}

/** The note `connect zoom` adds when the app cannot move or delete meetings: booking works, changes do not in Zoom. */
export const changeScopesNote = (missing: readonly string[]): string => {
  const cannot = [
    ...(missing.some((m) => m.includes(':update:')) ? ['reschedule_booking cannot move'] : []),
    ...(missing.some((m) => m.includes(':delete:')) ? ['cancel_booking cannot delete'] : []),
  ];
  const them = missing.length > 1 ? 'them' : 'it';
  return `The Zoom app lacks ${missing.join(' and ')}: booking works, but ${cannot.join(' and ')} its Zoom meetings. Add ${them} on the app's Scopes page and connect again.`;
};

/** The note `connect zoom` adds when the app cannot look meetings up: it books, without two safety nets. */
export const findScopesNote = (admin: boolean): string => {
  const [list, read] = admin
    ? ['meeting:read:list_meetings:admin', 'meeting:read:meeting:admin']
    : ['meeting:read:list_meetings', 'meeting:read:meeting'];
  return `The Zoom app lacks the scopes ${list} and ${read}: booking works, but alsatalk-mcp cannot see the host's scheduled Zoom meetings (find_available_slots marks Zoom failed, and the conflict check before a booking cannot count them), and when Zoom's answer to a booking is lost (a dropped connection, a crash), it cannot look in Zoom for the meeting it may have made, so it asks you to check instead of booking again. Add them on the app's Scopes page and connect again to close those gaps.`;
};
