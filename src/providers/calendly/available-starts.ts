// Calendly's part in a search: the starts the event type of the meeting's length offers, read from
// event_type_available_times in ranges of at most 31 days (its limit), the ranges asked at once.
// API reference: https://developer.calendly.com/api-docs/calendly-api/event-types/list-event-type-available-times
import { DateTime } from 'luxon';
import type { Http } from '../../http/client.js';
import { limitOf, type Availability, type AvailabilityQuery, type ConnectorContext } from '../provider.js';
import { convert, parse, type Credential } from './calls.js';
import { describeEventType } from './event-types.js';
import { calendly } from './manifest.js';
import type { EventTypes } from './pick-event-type.js';
import { rangeChunks } from './slots.js';
import { availableTimesResponse } from './wire.js';

export async function offeredStarts(
  api: Http,
  eventTypes: EventTypes,
  credential: Credential,
  ctx: ConnectorContext,
  query: AvailabilityQuery,
  signal: AbortSignal,
): Promise<Availability> {
  const { eventType, choice, kept } = await eventTypes.pick(query.durationMinutes, signal);
  const chunks = rangeChunks(
    query.from,
    query.to,
    DateTime.now().plus({ minutes: 1 }).startOf('second'),
    limitOf(calendly, ctx, 'availableTimesDays'),
  );
  try {
    const answers = await Promise.all(
      chunks.map(async (chunk) =>
        parse(
          availableTimesResponse,
          await api
            .get('event_type_available_times', { searchParams: { event_type: eventType.uri, ...chunk }, signal })
            .json(),
          'GET /event_type_available_times',
        ),
      ),
    );
    const starts = answers
      .flatMap((a) => a.collection)
      .filter((t) => t.status === 'available' && (t.invitees_remaining ?? 1) > 0)
      .map((t) => Date.parse(t.start_time))
      .filter(Number.isFinite);
    return { kind: 'offered', starts, note: `the open times of ${describeEventType(eventType)}${choice}` };
  } catch (error) {
    const converted = (await convert(error, 'availability', credential)).error;
    // The event type kept from an earlier read is gone: read them again, once.
    if (converted.status === 404 && kept) {
      eventTypes.forget();
      return offeredStarts(api, eventTypes, credential, ctx, query, signal);
    }
    throw converted;
  }
}
