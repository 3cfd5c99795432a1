// Which Calendly event type a booking uses: the one pinned at connect time, checked against the booking's length, or
// the active one that lasts as long as the booking. A session keeps what it read for a few minutes (one round less on
// every booking's critical path), and reads again when what it kept does not fit (a length none has, a pinned type
// gone or changed) or Calendly says an event type it named is gone.
import type { Http } from '../../http/client.js';
import { ProviderError } from '../../errors.js';
import { convert, listEventTypes, parse, reconnect, type Credential } from './calls.js';
import { bookable, byDuration, describeEventType } from './event-types.js';
import type { Settings } from './settings.js';
import { displayName, eventTypeResource, uuidOf, type CalendlyEventType } from './wire.js';

export interface PickedEventType {
  eventType: CalendlyEventType;
  /** How it was chosen, for the booking's note (", pinned with --event-type"). */
  choice: string;
  /** Read from what the session kept, not from Calendly just now. */
  kept: boolean;
}

/** How long a session keeps the event types it read: a change in Calendly is seen within this, or at once on a miss. */
export const eventTypesLifetimeMs = 5 * 60_000;

/** The event types of one connection, read once and kept a short while. */
export class EventTypes {
  #kept: { at: number; types: Promise<CalendlyEventType[]> } | undefined;

  constructor(
    private readonly api: Http,
    private readonly settings: Settings,
    private readonly credential: Credential,
    private readonly now: () => number = Date.now,
  ) {}

  /** The event type for a meeting of `minutes`; what was kept is read again before it is called a mismatch. */
  async pick(minutes: number, signal: AbortSignal): Promise<PickedEventType> {
    const kept = this.#kept && this.now() - this.#kept.at < eventTypesLifetimeMs ? this.#kept : undefined;
    if (kept) {
      try {
        return { ...this.#choose(await kept.types, minutes), kept: true };
      } catch {
        // A mismatch with what was kept: Calendly may have changed since; read again below.
      }
    }
    this.forget();
    const read = { at: this.now(), types: this.#read(signal) };
    this.#kept = read;
    // A failed read is not kept.
    read.types.catch(() => {
      if (this.#kept === read) this.#kept = undefined;
    });
    return { ...this.#choose(await read.types, minutes), kept: false };
  }

  /** Calendly said an event type is gone (a 404): the next pick reads again. */
  forget(): void {
    this.#kept = undefined;
  }

  /** The pinned event type alone, or every event type of the user. */
  async #read(signal: AbortSignal): Promise<CalendlyEventType[]> {
    const pinned = this.settings.eventType;
    if (!pinned) {
      try {
        return await listEventTypes(this.api, this.settings.userUri, signal);
      } catch (error) {
        throw (await convert(error, 'eventTypes', this.credential)).error;
      }
    }
    try {
      return [
        parse(
          eventTypeResource,
          await this.api.get(`event_types/${encodeURIComponent(uuidOf(pinned.uri))}`, { signal }).json(),
          'GET /event_types/{uuid}',
        ).resource,
      ];
    } catch (error) {
      const { error: converted } = await convert(error, 'eventTypes', this.credential);
      if (converted.status !== 404) throw converted;
      throw new ProviderError(
        displayName,
        'invalid_input',
        `the pinned Calendly event type "${pinned.name ?? pinned.slug ?? pinned.uri}" no longer exists`,
        { hint: `pin another one, or leave --event-type out to pick by length: ${reconnect} --event-type SLUG` },
      );
    }
  }

  #choose(types: readonly CalendlyEventType[], minutes: number): Omit<PickedEventType, 'kept'> {
    if (this.settings.eventType) {
      const [eventType] = types;
      if (!eventType) throw new Error('unreachable: a pinned read returns its event type');
      return { eventType: checkPinned(eventType, minutes), choice: ', pinned with --event-type' };
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
}

/** The pinned event type, if it is on and lasts `minutes`; else the refusal that says what to do. */
function checkPinned(eventType: CalendlyEventType, minutes: number): CalendlyEventType {
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
  return eventType;
}
