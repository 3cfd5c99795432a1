// A Google Calendar session: events.insert with our own event id (looked up before any second insert of the booking), a
// Meet link awaited while Google creates it, Google's 403 rate limits waited out, and the look-up of an earlier event.
// API reference: https://developers.google.com/calendar/api/v3/reference/events/insert
import { z } from 'zod';
import { refreshedTokens } from '../../auth/oauth-session.js';
import { ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { httpStatus } from '../../http/failure.js';
import { readAgain } from '../../http/read-again.js';
import { backoffMs, maxRetryAfterMs, withRetries } from '../../http/retry.js';
import type { Meeting } from '../../meeting.js';
import type { ProviderSession, SessionContext } from '../provider.js';
import { apiFailure, reconnect, shortRateLimit } from './failure.js';
import { freeBusyFailure, readFreeBusy } from './free-busy.js';
import { googleClient } from './oauth.js';
import {
  displayName,
  eventUrl,
  eventsInsertUrl,
  fromGoogleEvent,
  googleEventId,
  meetStatus,
  parseGoogleEvent,
  sendUpdatesValues,
  toGoogleEvent,
  type GoogleEvent,
} from './wire.js';

/** Waits between polls of an event whose Meet link is still `pending`: a few short tries, about 3 s in all. */
const meetPollDelaysMs = [500, 1000, 1500];

const settingsSchema = z.object({
  clientId: z.string().min(1),
  calendarId: z.string().min(1).default('primary'),
  sendUpdates: z.enum(sendUpdatesValues).default('none'),
});

export function openGoogleSession(ctx: SessionContext): ProviderSession {
  const parsed = settingsSchema.safeParse(ctx.settings);
  if (!parsed.success) {
    throw new ProviderError(displayName, 'not_connected', 'the stored Google Calendar settings are incomplete', {
      hint: `connect Google again: ${reconnect}`,
    });
  }
  const settings = parsed.data;
  const endpoints = ctx.endpoints as { api: string; token: string };
  const { auth } = refreshedTokens(
    ctx,
    googleClient(ctx, settings.clientId, () => ctx.secret('client_secret')),
  );
  const http = createHttp({ prefixUrl: endpoints.api, timeoutMs: ctx.timeoutMs, auth });

  /** The booking's event (its id is ours), or undefined when Google has none. */
  async function read(meeting: Meeting, signal: AbortSignal): Promise<GoogleEvent | undefined> {
    try {
      return parseGoogleEvent(
        await http.get(eventUrl(settings.calendarId, googleEventId(meeting.bookingId)), { signal }).json(),
      );
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404 || status === 410) return undefined;
      throw error;
    }
  }

  /** The booking's event that an earlier insert made, if Google has it; one deleted since is an error, never made again. */
  async function madeEarlier(meeting: Meeting, signal: AbortSignal): Promise<GoogleEvent | undefined> {
    const existing = await read(meeting, signal);
    if (existing?.status === 'cancelled') {
      throw new ProviderError(
        displayName,
        'provider_rejected',
        "this booking's Google Calendar event was made earlier and has since been deleted",
        { hint: 'book again with a new idempotency_key to make another' },
      );
    }
    return existing;
  }

  async function insert(meeting: Meeting, signal: AbortSignal): Promise<GoogleEvent> {
    try {
      return parseGoogleEvent(
        await http
          .post(eventsInsertUrl(settings.calendarId, settings.sendUpdates), { json: toGoogleEvent(meeting), signal })
          .json(),
      );
    } catch (error) {
      // 409: this booking's event id is taken, so an earlier insert got through (its answer was lost): that event is it.
      const existing = httpStatus(error) === 409 ? await madeEarlier(meeting, signal) : undefined;
      if (!existing) throw error;
      return existing;
    }
  }

  /**
   * Runs `call` again after a 403 rateLimitExceeded or userRateLimitExceeded, which Google says to answer like its 429:
   * with exponential backoff (https://developers.google.com/workspace/calendar/api/guides/errors). The waits are the
   * ones http/client.ts gives a 429 (or Google's Retry-After, up to the same cap), and none ends past `deadline`, so the
   * booking's own timeout stays untouched. quotaExceeded and dailyLimitExceeded last hours: they fail at once.
   */
  async function throttled<T>(
    call: (attempt: number) => Promise<T>,
    signal: AbortSignal,
    deadline: number,
  ): Promise<T> {
    const limited = new WeakMap<object, number | null>();
    return withRetries({
      signal,
      run: async (attempt) => {
        try {
          return await call(attempt);
        } catch (error) {
          const after = await shortRateLimit(error);
          if (after !== undefined && typeof error === 'object' && error !== null) limited.set(error, after);
          throw error;
        }
      },
      retryAfter: (error, attempt) => {
        const after = typeof error === 'object' && error !== null ? limited.get(error) : undefined;
        if (after === undefined) return undefined;
        const wait = after === null ? backoffMs(attempt) : after * 1000;
        return wait <= maxRetryAfterMs && Date.now() + wait < deadline ? wait : undefined;
      },
    });
  }

  /** The part of the booking's time limit that Google's waits may use: the rest is for the calls themselves. */
  const deadlineFrom = (started: number): number => started + ctx.timeoutMs * 0.75;

  return {
    async book(meeting, signal, gate) {
      const deadline = deadlineFrom(Date.now());
      try {
        await gate?.();
        // A rate-limited insert is sent again only after looking for the booking's event: Google says it "cannot
        // guarantee that ID collisions will be detected at event creation time", so a 409 alone does not keep it single.
        const created = await throttled(
          async (attempt) => (attempt > 0 ? await madeEarlier(meeting, signal) : undefined) ?? insert(meeting, signal),
          signal,
          deadline,
        );
        // A Meet link still `pending`: the event is read again until Google reports it, or the wait ends with a note.
        const event = await readAgain({
          first: created,
          done: (e) => meetStatus(e) !== 'pending',
          read: async (e, s, timeout) =>
            parseGoogleEvent(
              await http.get(eventUrl(settings.calendarId, e.id), { signal: s, retry: 0, timeout }).json(),
            ),
          delaysMs: meetPollDelaysMs,
          deadline,
          signal,
        });
        return fromGoogleEvent(event);
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },

    async availability(query, signal) {
      try {
        const read = () => readFreeBusy(http, query, settings.calendarId, signal);
        return { kind: 'busy', busy: await throttled(read, signal, deadlineFrom(Date.now())) };
      } catch (error) {
        throw await freeBusyFailure(error, settings.calendarId);
      }
    },

    async cancel({ booked }, _reason, signal) {
      const url = `${eventUrl(settings.calendarId, booked.externalId)}?${new URLSearchParams({ sendUpdates: settings.sendUpdates }).toString()}`;
      try {
        await throttled(() => http.delete(url, { signal }), signal, deadlineFrom(Date.now()));
        return { state: 'cancelled' };
      } catch (error) {
        // 410 Gone: deleted already ("no further action is necessary"); 404: Google has no such event any more.
        const status = httpStatus(error);
        if (status === 410 || status === 404)
          return { state: 'already_gone', note: 'Google Calendar no longer had the event: it was deleted earlier.' };
        throw await apiFailure(error, settings.calendarId);
      }
    },

    async reschedule({ booked }, to, signal) {
      // Patch semantics: only start and end change; conferenceData (the Meet link) and attendees stay as they are.
      const query = new URLSearchParams({ sendUpdates: settings.sendUpdates });
      const url = `${eventUrl(settings.calendarId, booked.externalId)}?${query.toString()}`;
      const { start, end } = toGoogleEvent(to);
      try {
        const event = parseGoogleEvent(
          await throttled(
            () => http.patch(url, { json: { start, end }, signal }).json(),
            signal,
            deadlineFrom(Date.now()),
          ),
        );
        if (event.status === 'cancelled') throw deletedEvent();
        return { booked: fromGoogleEvent(event) };
      } catch (error) {
        const status = httpStatus(error);
        if (status === 404 || status === 410) throw deletedEvent();
        throw await apiFailure(error, settings.calendarId);
      }
    },

    async findExisting(meeting, signal) {
      try {
        const event = await throttled(() => read(meeting, signal), signal, deadlineFrom(Date.now()));
        return event && event.status !== 'cancelled' ? fromGoogleEvent(event) : undefined;
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },
  };
}

/** A booked event that Google no longer has: there is nothing to move. */
const deletedEvent = (): ProviderError =>
  new ProviderError(displayName, 'provider_rejected', "this booking's Google Calendar event was deleted", {
    hint: 'book a new meeting with book_meeting, or cancel this booking with cancel_booking',
    status: 410,
  });
