// A Google Calendar session: events.insert with our own event id (a second insert of the same booking is refused, never
// doubled), a Meet link awaited while Google creates it, and the look-up of an event an interrupted call made.
// API reference: https://developers.google.com/calendar/api/v3/reference/events/insert
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { refreshedTokens } from '../../auth/oauth-session.js';
import { ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { httpStatus } from '../../http/failure.js';
import type { Meeting } from '../../meeting.js';
import type { ProviderSession, SessionContext } from '../provider.js';
import { apiFailure, reconnect } from './failure.js';
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

  /**
   * Re-reads an event whose Meet link is `pending` until Google reports it, within a soft deadline that leaves the
   * booking's own timeout (the same `ctx.timeoutMs` as its abort signal) untouched: the event exists, so running out of
   * time here must end in a booking with a note, never in a timeout error that would invite a second booking.
   */
  async function settle(event: GoogleEvent, signal: AbortSignal, deadline: number): Promise<GoogleEvent> {
    let current = event;
    for (const delay of meetPollDelaysMs) {
      if (meetStatus(current) !== 'pending' || Date.now() + delay >= deadline) break;
      try {
        await sleep(delay, undefined, { signal });
        const body = await http
          .get(eventUrl(settings.calendarId, current.id), {
            signal,
            retry: 0,
            timeout: Math.max(1, deadline - Date.now()),
          })
          .json();
        current = parseGoogleEvent(body);
      } catch {
        break; // The event exists: report it with its pending note rather than fail the booking.
      }
    }
    return current;
  }

  return {
    async book(meeting, signal) {
      const started = Date.now();
      try {
        let created: GoogleEvent;
        try {
          created = parseGoogleEvent(
            await http
              .post(eventsInsertUrl(settings.calendarId, settings.sendUpdates), {
                json: toGoogleEvent(meeting),
                signal,
              })
              .json(),
          );
        } catch (error) {
          // 409: this booking's event id is taken, so an earlier insert got through (its answer was lost): that event is it.
          const existing = httpStatus(error) === 409 ? await read(meeting, signal) : undefined;
          if (!existing) throw error;
          if (existing.status === 'cancelled') {
            throw new ProviderError(
              displayName,
              'provider_rejected',
              "this booking's Google Calendar event was made earlier and has since been deleted",
              {
                hint: 'book again with a new idempotency_key to make another',
                status: 409,
              },
            );
          }
          created = existing;
        }
        const event =
          meetStatus(created) === 'pending' ? await settle(created, signal, started + ctx.timeoutMs * 0.75) : created;
        return fromGoogleEvent(event);
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },

    async findExisting(meeting, signal) {
      try {
        const event = await read(meeting, signal);
        return event && event.status !== 'cancelled' ? fromGoogleEvent(event) : undefined;
      } catch (error) {
        throw await apiFailure(error, settings.calendarId);
      }
    },
  };
}
