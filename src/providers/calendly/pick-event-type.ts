// Which Calendly event type a booking uses: the one pinned at connect time, checked against the booking's length, or
// the active one that lasts as long as the booking.
import type { Http } from '../../http/client.js';
import { ProviderError } from '../../errors.js';
import { convert, listEventTypes, parse, reconnect, type Credential } from './calls.js';
import { bookable, byDuration, describeEventType } from './event-types.js';
import type { Settings } from './settings.js';
import { displayName, eventTypeResource, uuidOf, type CalendlyEventType } from './wire.js';

/** The pinned event type, checked against the meeting's length (minutes), or the active one whose length matches it. */
export async function pickEventType(
  api: Http,
  settings: Settings,
  credential: Credential,
  minutes: number,
  signal: AbortSignal,
): Promise<{ eventType: CalendlyEventType; choice: string }> {
  const pinned = settings.eventType;
  if (pinned) {
    let eventType: CalendlyEventType;
    try {
      eventType = parse(
        eventTypeResource,
        await api.get(`event_types/${encodeURIComponent(uuidOf(pinned.uri))}`, { signal }).json(),
        'GET /event_types/{uuid}',
      ).resource;
    } catch (error) {
      const { error: converted } = await convert(error, 'eventTypes', credential);
      if (converted.status !== 404) throw converted;
      throw new ProviderError(
        displayName,
        'invalid_input',
        `the pinned Calendly event type "${pinned.name ?? pinned.slug ?? pinned.uri}" no longer exists`,
        { hint: `pin another one, or leave --event-type out to pick by length: ${reconnect} --event-type SLUG` },
      );
    }
    if (!eventType.active) {
      throw new ProviderError(
        displayName,
        'invalid_input',
        `the pinned Calendly event type ${describeEventType(eventType)} is turned off`,
        { hint: `turn it on in Calendly, or pin another one: ${reconnect} --event-type SLUG` },
      );
    }
    if (eventType.duration !== minutes) {
      throw new ProviderError(
        displayName,
        'invalid_input',
        `the pinned Calendly event type ${describeEventType(eventType)} lasts ${eventType.duration} min, but this booking is ${minutes} min`,
        {
          hint: `book ${eventType.duration} minutes (duration_minutes: ${eventType.duration}), or reconnect without --event-type so that the event type is picked by length: ${reconnect}`,
        },
      );
    }
    return { eventType, choice: ', pinned with --event-type' };
  }
  let types: CalendlyEventType[];
  try {
    types = await listEventTypes(api, settings.userUri, signal);
  } catch (error) {
    throw (await convert(error, 'eventTypes', credential)).error;
  }
  const [eventType, ...others] = byDuration(types, minutes);
  if (!eventType) {
    const candidates = bookable(types);
    throw new ProviderError(
      displayName,
      'invalid_input',
      candidates.length > 0
        ? `no active Calendly event type lasts ${minutes} min; the active ones are ${candidates.map(describeEventType).join(', ')}`
        : `Calendly has no active event type to book (this booking is ${minutes} min)`,
      {
        hint:
          candidates.length > 0
            ? `book one of those lengths (duration_minutes), or create a ${minutes}-minute event type in Calendly`
            : `create a ${minutes}-minute event type in Calendly (or turn one on), then retry`,
      },
    );
  }
  const choice =
    others.length > 0 ? `, the first of ${others.length + 1} lasting ${minutes} min; pin one with --event-type` : '';
  return { eventType, choice };
}
