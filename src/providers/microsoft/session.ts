// A Microsoft 365 session: an Outlook event with a Teams meeting (`POST /me/events` with a transactionId, so a create
// sent again after a lost answer does not make a second event), its Teams link awaited briefly when Graph answers
// without one, the look-up of an earlier event by our booking id, free/busy from calendarView, and moves and cancels.
// API reference: https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0
import { z } from 'zod';
import { refreshedTokens } from '../../auth/oauth-session.js';
import { ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { httpStatus } from '../../http/failure.js';
import { readAgain } from '../../http/read-again.js';
import type { Meeting } from '../../meeting.js';
import type { BusyBlock, ProviderSession, SessionContext } from '../provider.js';
import { apiFailure, reconnect } from './failure.js';
import { microsoftClient } from './oauth.js';
import {
  bookingFilter,
  displayName,
  eventBody,
  eventList,
  eventResource,
  fromGraphEvent,
  graphInstant,
  joinUrlOf,
  toGraphEvent,
  utcDateTime,
  withOtherLinks,
  type EventOptions,
} from './wire.js';

/** Waits between reads of an event that Graph answered without its Teams link: a few short tries, about 3 s in all. */
const joinPollDelaysMs = [500, 1000, 1500];

/** calendarView pages followed at most (100 events each): a conflict check looks at a day or two. */
const maxViewPages = 5;

const settingsSchema = z.object({
  clientId: z.string().min(1),
  tenant: z.string().min(1).default('common'),
  calendarId: z.string().min(1).optional(),
  noTeams: z.boolean().default(false),
  inviteAttendee: z.boolean().default(false),
});

/** showAs values that leave the host free for another meeting. */
const freeShows = new Set(['free', 'workingElsewhere']);

export function openMicrosoftSession(ctx: SessionContext): ProviderSession {
  const parsed = settingsSchema.safeParse(ctx.settings);
  if (!parsed.success)
    throw new ProviderError(displayName, 'not_connected', 'the stored Microsoft 365 settings are incomplete', {
      hint: `connect Microsoft 365 again: ${reconnect}`,
    });
  const settings = parsed.data;
  const options: EventOptions = { teams: !settings.noTeams, inviteAttendee: settings.inviteAttendee };
  const endpoints = ctx.endpoints as { graph: string };
  const { auth } = refreshedTokens(ctx, microsoftClient(ctx, settings.clientId, settings.tenant));
  const http = createHttp({ prefixUrl: endpoints.graph, timeoutMs: ctx.timeoutMs, auth });
  // The create carries a transactionId, which Graph documents for exactly this: "to avoid redundant POST operations in
  // case of client retries to create the same event". So it may be sent again after a 5xx or a lost answer.
  const creates = createHttp({ prefixUrl: endpoints.graph, timeoutMs: ctx.timeoutMs, auth, retryPost: true });
  const calendar = settings.calendarId ? `me/calendars/${encodeURIComponent(settings.calendarId)}` : 'me';
  const eventPath = (id: string) => `me/events/${encodeURIComponent(id)}`;

  return {
    async book(meeting, signal, gate) {
      const deadline = Date.now() + ctx.timeoutMs * 0.75;
      try {
        await gate?.();
        const created = eventResource.parse(
          await creates.post(`${calendar}/events`, { json: toGraphEvent(meeting, options), signal }).json(),
        );
        // Graph may answer before the Teams meeting is made: the event is read again for a few seconds, and an event
        // still without the link is booked with a note ("booked without a Teams link"), never made a second time.
        const event = await readAgain({
          first: created,
          done: (e) => !options.teams || joinUrlOf(e) !== undefined,
          read: async (e, s, timeout) =>
            eventResource.parse(await http.get(eventPath(e.id), { signal: s, retry: 0, timeout }).json()),
          delaysMs: joinPollDelaysMs,
          deadline,
          signal,
        });
        return fromGraphEvent(event, options);
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async annotate({ booked }, others, signal) {
      try {
        // "first get the body property, apply the appropriate changes to the content, and preserve the meeting blob"
        // (https://learn.microsoft.com/en-us/graph/api/event-update): the other links go first, the rest stays.
        const { body } = eventBody.parse(
          await http.get(eventPath(booked.externalId), { searchParams: { $select: 'body' }, signal }).json(),
        );
        const content = withOtherLinks(body, others);
        if (content === undefined) return;
        await http.patch(eventPath(booked.externalId), {
          json: { body: { contentType: body.contentType, content } },
          signal,
        });
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async findExisting(meeting, signal) {
      try {
        const found = eventList.parse(
          await http
            .get('me/events', { searchParams: { $filter: bookingFilter(meeting.bookingId), $top: 10 }, signal })
            .json(),
        );
        const event = found.value.find((e) => !e.isCancelled);
        return event ? fromGraphEvent(event, options) : undefined;
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async availability(query, signal) {
      try {
        const busy: BusyBlock[] = [];
        let next: string | undefined = `${calendar}/calendarView?${new URLSearchParams({
          startDateTime: query.from.toUTC().toISO() ?? '',
          endDateTime: query.to.toUTC().toISO() ?? '',
          $select: 'showAs,start,end,isCancelled',
          $top: '100',
        }).toString()}`;
        for (let page = 0; next && page < maxViewPages; page += 1) {
          const answer = eventList.parse(await http.get(next, { signal }).json());
          for (const e of answer.value)
            if (!e.isCancelled && !freeShows.has(e.showAs ?? 'busy') && e.start && e.end)
              busy.push({ start: graphInstant(e.start), end: graphInstant(e.end) });
          // The next page is an absolute URL on the same API; the client's base is the API's, so it goes as a path.
          next = answer['@odata.nextLink']?.replace(`${endpoints.graph.replace(/\/+$/, '')}/`, '') ?? undefined;
        }
        return { kind: 'busy', busy };
      } catch (error) {
        throw await apiFailure(error);
      }
    },

    async cancel({ booked }, reason, signal) {
      try {
        // With the invitee as an attendee, the organizer's cancel sends them Outlook's cancellation; otherwise there is
        // nobody to tell and the event is deleted (https://learn.microsoft.com/en-us/graph/api/event-cancel).
        if (options.inviteAttendee)
          await http.post(`${eventPath(booked.externalId)}/cancel`, {
            json: reason ? { comment: reason } : {},
            signal,
          });
        else await http.delete(eventPath(booked.externalId), { signal });
        return { state: 'cancelled' };
      } catch (error) {
        if (httpStatus(error) === 404)
          return { state: 'already_gone', note: 'Outlook no longer had the event: it was deleted earlier.' };
        throw await apiFailure(error);
      }
    },

    async reschedule({ booked }, to: Meeting, signal) {
      try {
        // Only start and end: the body, which holds the Teams meeting's blob, stays as it is ("Inadvertently removing
        // the meeting blob from the body would disable meeting online", https://learn.microsoft.com/en-us/graph/api/event-update).
        const moved = eventResource.parse(
          await http
            .patch(eventPath(booked.externalId), {
              json: { start: utcDateTime(to.start), end: utcDateTime(to.end) },
              signal,
            })
            .json(),
        );
        // The same event and Teams meeting: an answer without the link (Graph's, not ours) keeps what was recorded.
        return { booked: joinUrlOf(moved) ? { ...booked, ...fromGraphEvent(moved, options) } : booked };
      } catch (error) {
        if (httpStatus(error) === 404)
          throw new ProviderError(
            displayName,
            'provider_rejected',
            "this booking's Outlook event was deleted, so there is nothing to move",
            { hint: 'book a new meeting with book_meeting, or cancel this booking with cancel_booking', status: 404 },
          );
        throw await apiFailure(error);
      }
    },
  };
}
