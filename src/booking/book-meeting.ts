// The booking flow: validate the slot, record it, fan out to every provider at once, e-mail the invitee, record the
// outcome. One provider's part is attempt.ts; a repeat of the same call is repeat.ts; the e-mail is the Mailer's.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { longTime, subjectTime } from '../email/when.js';
import { AppError } from '../errors.js';
import type { Meeting, ProviderOutcome } from '../meeting.js';
import { singleLine, truncate } from '../text.js';
import { ProviderAttempts, type Attempt } from './attempt.js';
import { Flow, type BookingDeps, type BookingResult, type Call, type OnEmailQueued, type OnProgress } from './flow.js';
import { bookingKey, keyLifetimeMs, requestHash, type CallIdentity } from './idempotency.js';
import { bookedEntries, ordered, statusOf, unusable } from './outcomes.js';
import { isAlive, thisProcess } from './owner.js';
import { AvailabilityService } from './availability.js';
import { checkHost, checkShare, hostBusy, nearestSlots, type HostCheck } from './conflict.js';
import type { MeetingProvider } from '../providers/provider.js';
import { repeatBooking } from './repeat.js';
import { resolveSlot } from './slot.js';
import { Turns } from './turns.js';

export type { BookingDeps, BookingResult, Repeat } from './flow.js';

export interface BookRequest {
  customerName: string;
  customerEmail: string;
  customerPhone?: string | undefined;
  date: string;
  time: string;
  durationMinutes: number;
  timezone?: string | undefined;
  topic?: string | undefined;
  /** A subset of provider ids; all registered providers when absent. */
  providers?: readonly string[] | undefined;
  /** The agent's key for this booking; without one, a key is derived from the call (see idempotency.ts). */
  idempotencyKey?: string | undefined;
  /** Book even when the host is busy then in a connected calendar (the result says so). */
  allowConflict?: boolean | undefined;
}

/** Books one meeting in every chosen provider concurrently; one provider's failure never hides the others. */
export class BookingService {
  /** One call at a time per booking key: the same call made ten times at once books once, and the others repeat it. */
  readonly #turns = new Turns();
  readonly #attempts: ProviderAttempts;

  readonly #availability: AvailabilityService;

  /**
   * @param attempts shared with the availability search, so that both use one session (and token) per connection
   * @param availability the search the conflict check and its alternatives use
   */
  constructor(
    private readonly deps: BookingDeps,
    attempts?: ProviderAttempts,
    availability?: AvailabilityService,
  ) {
    this.#attempts =
      attempts ??
      new ProviderAttempts({ connections: deps.connections, timeoutMs: deps.config.providerTimeoutMs, log: deps.log });
    this.#availability = availability ?? new AvailabilityService(deps, this.#attempts);
  }

  /**
   * @param onProgress called as each provider finishes, with the number of providers attempted
   * @param onEmailQueued called when the invitee's e-mail waits in the outbox
   */
  async book(request: BookRequest, onProgress?: OnProgress, onEmailQueued?: OnEmailQueued): Promise<BookingResult> {
    const { config } = this.deps;
    const now = this.deps.now?.() ?? DateTime.now();
    const slot = resolveSlot(
      {
        date: request.date,
        time: request.time,
        timezone: request.timezone ?? config.defaultTimezone,
        durationMinutes: request.durationMinutes,
      },
      now,
    );
    const customerName = singleLine(request.customerName);
    const wanted = this.deps.providers.filter((p) => !request.providers || request.providers.includes(p.id));
    const identity: CallIdentity = {
      customerName,
      customerEmail: request.customerEmail.trim(),
      customerPhone: request.customerPhone,
      start: slot.start,
      durationMinutes: request.durationMinutes,
      timezone: slot.timezone,
      topic: singleLine(request.topic ?? '') || truncate(`Meeting with ${customerName}`, 200),
      providers: wanted.map((p) => p.id),
    };
    const call: Call = {
      identity,
      key: bookingKey(identity, request.idempotencyKey),
      requestHash: requestHash(identity),
      byAgent: request.idempotencyKey !== undefined,
      wanted,
      notes: slot.note ? [slot.note] : [],
      now,
      allowConflict: request.allowConflict === true,
    };
    return this.#turns.run(call.key, () => this.#bookOnce(call, slot.end, onProgress, onEmailQueued));
  }

  async #bookOnce(
    call: Call,
    end: DateTime,
    onProgress?: OnProgress,
    onEmailQueued?: OnEmailQueued,
  ): Promise<BookingResult> {
    const { connections, bookings, mailer, log } = this.deps;
    const flow = new Flow(this.deps, this.#attempts);
    const lapsedBefore = call.now.minus({ milliseconds: keyLifetimeMs }).toUTC().toISO() ?? '';
    let existing = bookings.findByKey(call.key, lapsedBefore);
    // Cut short while checking the host's calendars (a crash): nothing was created, so it starts over, check and all.
    if (existing?.conflictCheck === 'checking' && !ownedElsewhere(existing.owner)) {
      bookings.discard(existing.id);
      existing = bookings.findByKey(call.key, lapsedBefore);
    }
    if (existing) return repeatBooking(flow, existing, call, onProgress, onEmailQueued);

    const { identity } = call;
    const meeting: Meeting = {
      bookingId: randomUUID(),
      customerName: identity.customerName,
      customerEmail: identity.customerEmail,
      ...(identity.customerPhone ? { customerPhone: identity.customerPhone } : {}),
      topic: identity.topic,
      timezone: identity.timezone,
      durationMinutes: identity.durationMinutes,
      start: identity.start,
      end,
    };
    const attempted: Attempt[] = [];
    const outcomes = new Map<string, ProviderOutcome>();
    for (const provider of call.wanted) {
      const connection = connections.get(provider.id);
      const refused = unusable(provider, connection);
      if (refused) outcomes.set(provider.id, refused);
      else if (connection) attempted.push({ provider, connection, lookFirst: false });
    }
    if (attempted.length === 0) {
      return {
        bookingId: undefined,
        status: 'failed',
        meeting,
        providers: [...outcomes.values()],
        email: { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' },
        notes: call.notes,
      };
    }

    const createdAt = call.now.toUTC().toISO() ?? '';
    const identityRow = { key: call.key, requestHash: call.requestHash, owner: thisProcess };
    const providerIds = attempted.map((a) => a.provider.id);
    const calendars = attempted.map((a) => a.provider).filter((p) => p.availabilityRole === 'calendar');
    const checking = calendars.length > 0;
    if (
      !bookings.createPending(meeting, providerIds, [...outcomes.values()], identityRow, {
        createdAt,
        lapsedBefore,
        checking,
      })
    ) {
      // Another process recorded the same call a moment ago: this one repeats it.
      const holder = bookings.findByKey(call.key, lapsedBefore);
      if (holder) return repeatBooking(flow, holder, call, onProgress, onEmailQueued);
      throw new AppError(
        'storage_failed',
        'the booking could not be recorded: its key is held by a booking that cannot be read',
        { hint: 'retry the call' },
      );
    }
    log.info('booking started', { booking: meeting.bookingId, providers: providerIds });

    // The host's calendars are asked while every provider prepares; each waits at the gate before creating anything.
    const hostCheck = checking
      ? checkHost(
          this.#availability,
          calendars,
          meeting,
          this.deps.config.defaultTimezone,
          Math.round(this.deps.config.providerTimeoutMs * checkShare),
        )
      : undefined;
    if (hostCheck) {
      const opened = hostCheck.then((found) => {
        if (found.busy.length > 0 && !call.allowConflict) throw hostBusy();
        // Recorded before anything is created: from here on a crash must never make this booking start over.
        bookings.passCheck(meeting.bookingId);
      });
      opened.catch(() => undefined);
      for (const attempt of attempted) attempt.gate = () => opened;
    }
    const finished = flow.run(meeting, attempted, outcomes, onProgress);
    // The e-mail's and the answer's times depend on the meeting alone: format them while the providers are answering
    // (once every request is on its way), not on the critical path after the last one.
    setImmediate(() => longTime(meeting) && subjectTime(meeting));
    await finished;
    const found = await hostCheck;
    if (found && found.busy.length > 0 && !call.allowConflict) {
      // Every provider stopped at the gate: nothing exists anywhere, so the booking is forgotten, and a repeat checks again.
      flow.keep(() => bookings.discard(meeting.bookingId));
      const alternatives = await nearestSlots(
        this.#availability,
        meeting,
        call.wanted.map((p) => p.id),
      );
      return {
        bookingId: undefined,
        status: 'conflict',
        meeting,
        providers: ordered(call.wanted, outcomes),
        email: { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' },
        notes: [...call.notes, ...flow.trouble],
        conflict: { busy: found.busy, alternatives, allowed: false },
      };
    }
    if (found) call.notes.push(...checkNotes(found, call.wanted));

    const results = ordered(call.wanted, outcomes);
    const booked = bookedEntries(call.wanted, results);
    // The outbox records it in the ledger before sending and its outcome after (email/outbox.ts).
    // The host's events gain the other providers' links while the e-mail goes out: neither waits for the other.
    const [email] = await Promise.all([
      mailer.sendInvitation(
        { meeting, booked, stamp: createdAt, update: false },
        onEmailQueued ? { onQueued: onEmailQueued } : {},
      ),
      flow.annotate(meeting, booked, call.notes),
    ]);
    const status = statusOf(results, booked.length);
    flow.keep(() => bookings.finish(meeting.bookingId, status));
    return {
      bookingId: meeting.bookingId,
      status,
      meeting,
      providers: results,
      email,
      notes: [...call.notes, ...flow.trouble],
      ...(found && found.busy.length > 0 ? { conflict: { busy: found.busy, alternatives: [], allowed: true } } : {}),
    };
  }
}

/** Whether a live process other than this one holds the booking (it may be checking or booking right now). */
const ownedElsewhere = (owner: string | null): boolean => owner !== null && owner !== thisProcess && isAlive(owner);

/** What the user should know about the check: a calendar that could not be read, a conflict booked on purpose. */
function checkNotes(found: HostCheck, providers: readonly MeetingProvider[]): string[] {
  const named = (id: string) => providers.find((p) => p.id === id)?.displayName ?? id;
  const notes = found.unread.map(
    (u) =>
      `The host's ${named(u.provider)} could not be checked for a conflict (${u.message}); the booking went ahead without it.`,
  );
  if (found.busy.length > 0)
    notes.push(
      `Booked although the host is busy then (${found.busy.map((b) => `${named(b.provider)} ${b.start.toFormat('HH:mm')}–${b.end.toFormat('HH:mm')}`).join(', ')}), as allow_conflict asked.`,
    );
  return notes;
}
