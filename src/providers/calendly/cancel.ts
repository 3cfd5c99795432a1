// Cancelling in Calendly: a direct booking's event through Cancel Event (with the reason, which Calendly e-mails the
// invitee); a single-use link cannot be revoked through the API, so the invitee's event booked through it is looked for
// and cancelled, and when there is none the link is said to remain.
// API reference: https://developer.calendly.com/api-docs/afb2e9fe3a0a0-cancel-event
import type { Http } from '../../http/client.js';
import type { BookedRef, Cancelled } from '../provider.js';
import { convert, parse, type Credential } from './calls.js';
import type { Settings } from './settings.js';
import { eventList, scheduledEvent, toUtc, uuidOf } from './wire.js';

/** Calendly's refusal of a cancel for an event already cancelled: 403 (or 400) "Event is already canceled". */
const alreadyCancelled = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && /already cancel/i.test(String((body as { message?: unknown }).message));

export async function cancelInCalendly(
  api: Http,
  settings: Settings,
  credential: Credential,
  { meeting, booked }: BookedRef,
  reason: string | undefined,
  signal: AbortSignal,
): Promise<Cancelled> {
  let eventUri = booked.externalId;
  if (booked.confirmation === 'invitee_must_confirm') {
    const found = await bookedThroughLink(api, settings, credential, meeting, signal);
    if (!found)
      return {
        state: 'link_remains',
        note: 'The invitee has not booked through the single-use Calendly link, and Calendly cannot revoke a link through its API: it stays usable, and the cancellation e-mail tells the invitee not to use it.',
      };
    eventUri = found;
  }
  try {
    await api.post(`scheduled_events/${encodeURIComponent(uuidOf(eventUri))}/cancellation`, {
      json: reason ? { reason } : {},
      signal,
    });
    return {
      state: 'cancelled',
      note:
        booked.confirmation === 'invitee_must_confirm'
          ? 'The invitee had booked through the single-use link: that event was cancelled; Calendly e-mails its own cancellation.'
          : 'Calendly e-mails its own cancellation to the invitee.',
    };
  } catch (error) {
    const { error: converted, body } = await convert(error, 'cancel', credential);
    if (converted.status === 404 || ([400, 403].includes(converted.status ?? 0) && alreadyCancelled(body)))
      return { state: 'already_gone', note: 'Calendly had the event cancelled already.' };
    throw converted;
  }
}

/**
 * The event the invitee booked through the link, if any: their active events around the meeting's day (the link opens
 * the booking page on that day, but they may have picked another time), the one nearest the meeting's start.
 */
async function bookedThroughLink(
  api: Http,
  settings: Settings,
  credential: Credential,
  meeting: BookedRef['meeting'],
  signal: AbortSignal,
): Promise<string | undefined> {
  try {
    const searchParams = {
      user: settings.userUri,
      invitee_email: meeting.customerEmail,
      min_start_time: toUtc(meeting.start.minus({ days: 1 })),
      max_start_time: toUtc(meeting.start.plus({ days: 1 })),
      status: 'active',
      sort: 'start_time:asc',
      count: 100,
    };
    const events = parse(
      eventList,
      await api.get('scheduled_events', { searchParams, signal }).json(),
      'GET /scheduled_events',
    ).collection;
    const start = meeting.start.toMillis();
    const nearest = events
      .map((e) => ({ uri: e.uri, off: Math.abs(Date.parse(e.start_time) - start) }))
      .sort((a, b) => a.off - b.off)[0];
    return nearest?.uri;
  } catch (error) {
    throw (await convert(error, 'event', credential)).error;
  }
}

/** Whether a direct booking's event is cancelled in Calendly (Get Event's `status` "canceled"), or no longer there. */
export async function eventCancelled(
  api: Http,
  credential: Credential,
  { booked }: BookedRef,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const { resource } = parse(
      scheduledEvent,
      await api.get(`scheduled_events/${encodeURIComponent(uuidOf(booked.externalId))}`, { signal }).json(),
      'GET /scheduled_events',
    );
    return resource.status === 'canceled';
  } catch (error) {
    const { error: converted } = await convert(error, 'event', credential);
    if (converted.status === 404) return true;
    throw converted;
  }
}
