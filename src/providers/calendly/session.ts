// A Calendly booking: directly through the Scheduling API (POST /invitees) when the event type and the time allow it,
// else (mode auto or link) a single-use link on which the invitee books; and the look-up of a direct booking an
// interrupted call made.
// Flow: https://developer.calendly.com/schedule-events-with-ai-agents
import { DateTime } from 'luxon';
import { ProviderError } from '../../errors.js';
import { waitFor } from '../../http/failure.js';
import type { Http } from '../../http/client.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import type {
  Availability,
  AvailabilityQuery,
  BookedRef,
  Cancelled,
  ConnectorContext,
  CreateGate,
  ProviderSession,
  Rescheduled,
} from '../provider.js';
import { offeredStarts } from './available-starts.js';
import { convert, parse, reconnect, scopeFor, type Credential } from './calls.js';
import { cancelInCalendly, eventCancelled } from './cancel.js';
import { rescheduleInCalendly } from './reschedule.js';
import { describeEventType, directBlocker, locationFor } from './event-types.js';
import { holdInvitees, inviteeHold, inviteeLimits } from './limits.js';
import { inviteeStep, type SlotState } from './link-step.js';
import { EventTypes } from './pick-event-type.js';
import type { Mode, Settings } from './settings.js';
import { availabilityWindow, findSlot, meetingDay, meetingTime, nearbyTimes } from './slots.js';
import {
  availableTimesResponse,
  createdInvitee,
  displayName,
  eventList,
  fromDirectBooking,
  fromSchedulingLink,
  inviteeList,
  isSlotTaken,
  scheduledEvent,
  schedulingLink,
  toInviteeRequest,
  toUtc,
  uuidOf,
  type AvailableTime,
  type CalendlyEventType,
  type ScheduledEvent,
} from './wire.js';

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

export class CalendlySession implements ProviderSession {
  readonly #eventTypes: EventTypes;

  constructor(
    private readonly api: Http,
    private readonly settings: Settings,
    private readonly credential: Credential,
    /** Its rate gates: a 429 on a direct booking holds the next ones in every process (limits.ts). */
    private readonly ctx: ConnectorContext,
  ) {
    this.#eventTypes = new EventTypes(api, settings, credential);
  }

  async book(meeting: Meeting, signal: AbortSignal, gate?: CreateGate): Promise<BookedMeeting> {
    const picked = await this.#eventTypes.pick(meeting.durationMinutes, signal);
    const { eventType, choice } = picked;
    const mode: Mode = this.settings.mode;
    const blocker = directBlocker(eventType, meeting);
    if (mode === 'link')
      return this.#link(
        eventType,
        meeting,
        signal,
        gate,
        'This connection books by link (--mode link), so a single-use Calendly link was sent.',
        undefined,
        blocker?.ask,
      );
    if (blocker) {
      if (mode === 'direct') {
        throw new ProviderError(displayName, 'provider_rejected', `cannot book directly: ${blocker.reason}`, {
          hint: `${blocker.fix}, or let a single-use link be sent instead: ${reconnect} --mode auto`,
        });
      }
      return this.#link(
        eventType,
        meeting,
        signal,
        gate,
        `${capitalize(blocker.reason)}, so a single-use link was sent instead of a direct booking.`,
        undefined,
        blocker.ask,
      );
    }

    let times: AvailableTime[];
    try {
      times = await this.#availableTimes(eventType, meeting, signal);
    } catch (error) {
      const converted = (await convert(error, 'availability', this.credential)).error;
      // The event type kept from an earlier read is gone: read them again, once.
      if (converted.status === 404 && picked.kept) {
        this.#eventTypes.forget();
        return this.book(meeting, signal, gate);
      }
      if (mode === 'auto' && converted.status === 403)
        return this.#link(
          eventType,
          meeting,
          signal,
          gate,
          `Calendly refused to show availability (${converted.message}): the plan or the token's scopes (${scopeFor.availability.join(' and ')}) do not allow it, so a single-use link was sent instead.`,
          { offered: 'unknown' },
        );
      throw converted;
    }
    const when = `${meetingTime(meeting)} on ${meetingDay(meeting)}`;
    const slot = findSlot(times, meeting);
    if (!slot) {
      const open = nearbyTimes(times, meeting);
      const openText = open.length > 0 ? `open that day: ${open.join(', ')}` : 'nothing is open that day';
      if (mode === 'direct') {
        throw new ProviderError(
          displayName,
          'provider_rejected',
          `Calendly does not offer ${when} for ${describeEventType(eventType)} (${openText})`,
          {
            hint:
              open.length > 0
                ? `book one of the open times (${open.join(', ')}) instead`
                : 'choose another day, or open more time in Calendly',
          },
        );
      }
      return this.#link(
        eventType,
        meeting,
        signal,
        gate,
        `Calendly does not offer ${when} (${openText}), so a single-use link was sent instead of a direct booking.`,
        { offered: false, open },
      );
    }

    const held = inviteeHold(this.ctx);
    if (held) return this.#rateLimited(eventType, meeting, signal, gate, held, 'a direct booking moments ago');
    let raw: unknown;
    await gate?.();
    try {
      const { location } = locationFor(eventType, meeting);
      raw = await this.api
        .post('invitees', { json: toInviteeRequest(meeting, eventType.uri, location), signal })
        .json();
    } catch (error) {
      const { error: converted, body } = await convert(error, 'invitee', this.credential);
      if (isSlotTaken(body)) {
        if (mode === 'auto')
          return this.#link(
            eventType,
            meeting,
            signal,
            gate,
            `${when} was taken in Calendly just before booking (already_filled), so a single-use link was sent instead.`,
            {
              offered: false,
              taken: true,
              open: nearbyTimes(
                times.filter((t) => t !== slot),
                meeting,
              ),
            },
          );
        throw new ProviderError(
          displayName,
          'provider_rejected',
          `${when} was just taken in Calendly (${converted.message})`,
          { hint: 'choose another time and book again', status: converted.status },
        );
      }
      // Refused for what the kept event type did not show (a question added, the type gone): nothing was made, so read
      // the event types again and decide afresh, once.
      if (picked.kept && [400, 404, 422].includes(converted.status ?? 0)) {
        this.#eventTypes.forget();
        return this.book(meeting, signal, gate);
      }
      if (converted.code === 'rate_limited')
        return this.#rateLimited(
          eventType,
          meeting,
          signal,
          gate,
          holdInvitees(this.ctx, converted),
          'this direct booking',
        );
      if (converted.status === 403) {
        if (mode === 'auto')
          return this.#link(
            eventType,
            meeting,
            signal,
            gate,
            `Calendly refused to book directly (${converted.message}): the plan or the token's scope (scheduled_events:write) does not allow it, so a single-use link was sent instead.`,
            { offered: true },
          );
        throw new ProviderError(displayName, 'permission_denied', converted.message, {
          hint: `check the plan, or ${this.credential.needScope(scopeFor.invitee)}; or send single-use links instead: ${reconnect} --mode link`,
          status: 403,
        });
      }
      throw converted;
    }
    const created = createdInvitee.safeParse(raw);
    if (!created.success) {
      // Uncertain, not refused: the booking exists, so a repeat must look for it before making another.
      throw new ProviderError(
        displayName,
        'outcome_unknown',
        'Calendly booked the meeting but its answer had no scheduled event',
        { hint: 'repeat the same call: it looks in Calendly for this meeting before making another' },
      );
    }
    const invitee = created.data.resource;
    // The meeting exists from here on: failing to read its join link is a note, never an error (a retry would book twice).
    let event: ScheduledEvent | undefined;
    let missing = '';
    try {
      event = parse(
        scheduledEvent,
        await this.api.get(`scheduled_events/${encodeURIComponent(uuidOf(invitee.event))}`, { signal }).json(),
        'GET /scheduled_events',
      ).resource;
    } catch (error) {
      missing = ` Its join link could not be read (${(await convert(error, 'event', this.credential)).error.message}); Calendly's own e-mail has it.`;
    }
    return fromDirectBooking(
      invitee,
      event,
      `Booked directly in Calendly (${describeEventType(eventType)}${choice}); Calendly also e-mails its own confirmation.${missing}`,
    );
  }

  /** The starts Calendly offers for an event type of the query's length. */
  availability(query: AvailabilityQuery, signal: AbortSignal): Promise<Availability> {
    return offeredStarts(this.api, this.#eventTypes, this.credential, this.ctx, query, signal);
  }

  /** Cancels the direct booking, or the event the invitee booked through the single-use link (cancel.ts). */
  cancel(ref: BookedRef, reason: string | undefined, signal: AbortSignal): Promise<Cancelled> {
    return cancelInCalendly(this.api, this.settings, this.credential, ref, reason, signal);
  }

  /** Books the new time, then cancels the old event (reschedule.ts): Calendly has no reschedule endpoint. */
  reschedule(ref: BookedRef, to: Meeting, signal: AbortSignal): Promise<Rescheduled> {
    return rescheduleInCalendly(
      {
        book: (meeting, s) => this.book(meeting, s),
        findExisting: (meeting, s) => this.findExisting(meeting, s),
        cancel: (r, reason, s) => this.cancel(r, reason, s),
        eventCancelled: (r, s) => eventCancelled(this.api, this.credential, r, s),
      },
      ref,
      to,
      signal,
    );
  }

  /**
   * A direct booking an interrupted call made: the invitee's active event at the start. A single-use link whose answer
   * was lost was never shown to anyone, so there is nothing to find for one, and making another is harmless.
   */
  async findExisting(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting | undefined> {
    if (this.settings.mode === 'link') return undefined;
    const start = meeting.start.toMillis();
    try {
      // A minute either side: whether Calendly's bounds are inclusive is not documented; the match below is exact.
      const searchParams = {
        user: this.settings.userUri,
        invitee_email: meeting.customerEmail,
        min_start_time: toUtc(meeting.start.minus({ minutes: 1 })),
        max_start_time: toUtc(meeting.start.plus({ minutes: 1 })),
        status: 'active',
        count: 100,
      };
      const events = parse(
        eventList,
        await this.api.get('scheduled_events', { searchParams, signal }).json(),
        'GET /scheduled_events',
      ).collection;
      const event = events.find((e) => Date.parse(e.start_time) === start);
      if (!event) return undefined;
      const invitees = parse(
        inviteeList,
        await this.api
          .get(`scheduled_events/${encodeURIComponent(uuidOf(event.uri))}/invitees`, {
            searchParams: { email: meeting.customerEmail },
            signal,
          })
          .json(),
        'GET /scheduled_events/{uuid}/invitees',
      ).collection;
      const invitee = invitees.find((i) => i.email?.toLowerCase() === meeting.customerEmail.toLowerCase());
      if (!invitee) return undefined;
      return fromDirectBooking(
        { ...invitee, event: event.uri },
        { uri: event.uri, location: event.location },
        'Booked directly in Calendly; Calendly also e-mails its own confirmation.',
      );
    } catch (error) {
      throw (await convert(error, 'event', this.credential)).error;
    }
  }

  /**
   * Calendly refused direct bookings for its rate limit until `until`: in auto mode a single-use link instead (the slot
   * is offered, so the invitee picks it there); in direct mode `rate_limited` with the wait.
   */
  async #rateLimited(
    eventType: CalendlyEventType,
    meeting: Meeting,
    signal: AbortSignal,
    gate: CreateGate | undefined,
    until: number,
    what: string,
  ): Promise<BookedMeeting> {
    const wait = waitFor(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
    const why = `Calendly refused ${what} for its rate limit (HTTP 429, for another ${wait}; ${inviteeLimits})`;
    if (this.settings.mode === 'auto')
      return this.#link(eventType, meeting, signal, gate, `${why}, so a single-use link was sent instead.`, {
        offered: true,
      });
    throw new ProviderError(displayName, 'rate_limited', `cannot book directly: ${why}`, {
      hint: `retry Calendly after ${wait}, or let a single-use link be sent when Calendly limits direct bookings: ${reconnect} --mode auto`,
      status: 429,
    });
  }

  async #availableTimes(eventType: CalendlyEventType, meeting: Meeting, signal: AbortSignal): Promise<AvailableTime[]> {
    const searchParams = { event_type: eventType.uri, ...availabilityWindow(meeting, DateTime.now()) };
    return parse(
      availableTimesResponse,
      await this.api.get('event_type_available_times', { searchParams, signal }).json(),
      'GET /event_type_available_times',
    ).collection;
  }

  /**
   * A single-use link for one booking, and what the invitee does on it. `slot` says whether Calendly offers the start;
   * when not given (link mode, an event type that asks questions), availability is looked up, and a failure to do so
   * leaves it unknown. `ask` is what the page asks beyond the time.
   */
  async #link(
    eventType: CalendlyEventType,
    meeting: Meeting,
    signal: AbortSignal,
    gate: CreateGate | undefined,
    why: string,
    slot?: SlotState,
    ask?: string,
  ): Promise<BookedMeeting> {
    const state: SlotState =
      slot ??
      (await this.#availableTimes(eventType, meeting, signal).then(
        (times): SlotState =>
          findSlot(times, meeting) ? { offered: true } : { offered: false, open: nearbyTimes(times, meeting) },
        (): SlotState => ({ offered: 'unknown' }),
      ));
    let raw: unknown;
    await gate?.();
    try {
      raw = await this.api
        .post('scheduling_links', {
          json: { max_event_count: 1, owner: eventType.uri, owner_type: 'EventType' },
          signal,
        })
        .json();
    } catch (error) {
      throw (await convert(error, 'link', this.credential)).error;
    }
    const { booking_url: bookingUrl } = parse(schedulingLink, raw, 'POST /scheduling_links').resource;
    const step = inviteeStep(meeting, state, ask);
    const opens = `The link opens Calendly's booking page on ${meetingDay(meeting)} with the invitee's e-mail filled in (and the name, where the page asks for a full name); the invitee must ${step.action}.`;
    return fromSchedulingLink(bookingUrl, meeting, step, `${why} ${opens}`);
  }
}
