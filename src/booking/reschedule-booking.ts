// reschedule_booking: one booking moved in every provider that holds it, under its id, exactly once. The host's
// calendars are checked as for a new booking (the meeting's own time aside); the move is recorded (one step per
// provider) before any provider is called; a repeat does only what is left; the invitee gets an "Updated:" e-mail whose
// calendar file (the same UID, a higher SEQUENCE, the new times) moves the entry the invitation made.
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { Connections } from '../connections/connections.js';
import { invitationKey, type Mailer, type MeetingChange } from '../email/mailer.js';
import { AppError, InputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BookedMeeting, EmailOutcome, Meeting, ProviderFailure } from '../meeting.js';
import type { MeetingProvider, Rescheduled } from '../providers/provider.js';
import type { BookingRecord, BookingRepository } from '../storage/bookings.js';
import type { OperationRecord, OperationRepository, OperationStatus } from '../storage/operations.js';
import type { ProviderAttempts } from './attempt.js';
import type { AvailabilityService } from './availability.js';
import { bookedOf, invited } from './booked-now.js';
import { ChangeRun, changeTargets, type Connection } from './change-run.js';
import { checkHost, checkShare, nearestSlots, withoutOwnTime, type ConflictReport } from './conflict.js';
import { isAlive, thisProcess } from './owner.js';
import { recordedMeeting } from './recorded-meeting.js';
import { resolveSlot } from './slot.js';
import { Turns } from './turns.js';

export interface RescheduleRequest {
  bookingId: string;
  date: string;
  time: string;
  /** Left out: the booking's own length. */
  durationMinutes?: number | undefined;
  /** Left out: the booking's own zone. */
  timezone?: string | undefined;
  allowConflict?: boolean | undefined;
  /** The agent's key; without one, a repeat of the same move (same booking, same new time) is found by its target. */
  idempotencyKey?: string | undefined;
}

/** One provider's part of a move, as the tool shows it. */
export type RescheduleStep =
  | {
      provider: string;
      status: 'moved';
      meeting: BookedMeeting;
      note?: string;
      linkRemains?: boolean;
      newLinks?: boolean;
    }
  /** The booking's call to this provider was cut off, and the provider has no meeting for it: nothing to move. */
  | { provider: string; status: 'not_booked'; note: string }
  | { provider: string; status: 'failed'; error: ProviderFailure };

export interface RescheduleResult {
  bookingId: string;
  /**
   * `rescheduled` everywhere; `partial`: some providers still hold the old time (see their remedies, then repeat);
   * `failed`: none moved; `unchanged`: it is at that time already; `conflict`: the host is busy then, nothing moved.
   */
  status: 'rescheduled' | 'partial' | 'failed' | 'unchanged' | 'conflict';
  meeting: Meeting;
  previous: Meeting;
  providers: RescheduleStep[];
  email: EmailOutcome;
  notes: string[];
  conflict?: ConflictReport;
  repeat?: { firstCalledAt: string; retried: string[] };
}

export interface RescheduleDeps {
  config: Pick<Config, 'defaultTimezone' | 'providerTimeoutMs'>;
  providers: readonly MeetingProvider[];
  connections: Connections;
  bookings: BookingRepository;
  operations: OperationRepository;
  mailer: Mailer;
  log: Logger;
  now?: () => DateTime;
}

export type OnRescheduleProgress = (step: RescheduleStep, total: number) => void;

/** Where the meeting goes, and where it was when the move was first asked: recorded as the operation's target. */
interface Target {
  start: string;
  end: string;
  timezone: string;
  durationMinutes: number;
  from: { start: string; end: string; timezone: string; durationMinutes: number };
}

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const iso = (at: DateTime): string => at.toISO() ?? '';

export class RescheduleService {
  readonly #turns = new Turns();
  readonly #change: ChangeRun;

  constructor(
    private readonly deps: RescheduleDeps,
    private readonly attempts: ProviderAttempts,
    private readonly availability: AvailabilityService,
  ) {
    this.#change = new ChangeRun(deps, { tool: 'reschedule_booking', done: 'moved', verb: 'move' });
  }

  async reschedule(request: RescheduleRequest, onProgress?: OnRescheduleProgress): Promise<RescheduleResult> {
    const id = request.bookingId.trim();
    return this.#turns.run(id, () => this.#once({ ...request, bookingId: id }, onProgress));
  }

  async #once(request: RescheduleRequest, onProgress?: OnRescheduleProgress): Promise<RescheduleResult> {
    const { bookings, operations } = this.deps;
    const record = this.#movable(request.bookingId);
    const current = recordedMeeting(record);
    const durationMinutes = request.durationMinutes ?? record.durationMinutes;
    const slot = resolveSlot(
      { date: request.date, time: request.time, timezone: request.timezone ?? record.timezone, durationMinutes },
      this.deps.now?.() ?? DateTime.now(),
    );
    const to: Meeting = { ...current, start: slot.start, end: slot.end, timezone: slot.timezone, durationMinutes };
    const requestHash = sha256(['reschedule', record.id, iso(to.start), iso(to.end), to.timezone]);
    const notes = slot.note ? [slot.note] : [];

    // The operation this call continues: the agent's key, or the booking's last move when it went to this same time.
    const agentKey = request.idempotencyKey !== undefined ? `agent:${request.idempotencyKey}` : undefined;
    const held = agentKey
      ? operations.get(agentKey)
      : operations.ofBooking(record.id, 'reschedule').findLast((op) => op.requestHash === requestHash);
    if (held && (held.bookingId !== record.id || held.kind !== 'reschedule' || held.requestHash !== requestHash))
      throw new InputError(
        'idempotency_key',
        `was already used, at ${held.createdAt}, for another change (${held.kind} of booking ${held.bookingId})`,
        'give a new idempotency_key, or repeat the earlier call exactly to get its result',
      );
    // A move done, with the booking still there: the same call answers from the record.
    if (held?.status === 'done' && sameTime(current, to)) return this.#answer(record, held, notes, { replay: true });

    let op = held && held.status !== 'done' ? held : undefined;
    if (!op) {
      if (sameTime(current, to))
        return {
          bookingId: record.id,
          status: 'unchanged',
          meeting: current,
          previous: current,
          providers: [],
          email: { status: 'skipped', reason: 'the meeting is at that time already, so nothing was sent' },
          notes: [...notes, 'The booking is at that time already: no provider was called.'],
        };
      // Every provider that holds the meeting, or may (a booking call cut short, whose meeting is looked for).
      const targets = changeTargets(record);
      const conflict = request.allowConflict === true ? undefined : await this.#conflict(targets, current, to);
      if (conflict?.busy.length)
        return {
          bookingId: record.id,
          status: 'conflict',
          meeting: to,
          previous: current,
          providers: [],
          email: { status: 'skipped', reason: 'nothing was moved, so no e-mail was sent' },
          notes: [...notes, ...(conflict.unread ?? [])],
          conflict: { busy: conflict.busy, alternatives: conflict.alternatives, allowed: false },
        };
      if (conflict) notes.push(...conflict.unread);
      const target: Target = {
        start: iso(to.start),
        end: iso(to.end),
        timezone: to.timezone,
        durationMinutes,
        from: {
          start: iso(current.start),
          end: iso(current.end),
          timezone: current.timezone,
          durationMinutes: current.durationMinutes,
        },
      };
      const key = agentKey ?? `derived:reschedule:${record.id}:${requestHash.slice(0, 16)}:${Date.now()}`;
      op = operations.create({
        key,
        bookingId: record.id,
        kind: 'reschedule',
        target: { ...target },
        requestHash,
        owner: thisProcess,
        providers: targets,
        emailKey: invited(record) ? emailKeyOf(record.id, key, []) : undefined,
        createdAt: new Date().toISOString(),
      });
      if (op.status === 'done') return this.#answer(record, op, notes, { replay: true });
    } else if (op.owner !== null && op.owner !== thisProcess && isAlive(op.owner)) {
      throw new AppError('in_progress', 'another alsatalk-mcp process is moving this booking right now', {
        hint: 'wait a minute, then repeat the same call to get its result',
      });
    }

    const fresh = op.steps.every((s) => s.status === 'pending') && op.owner === thisProcess;
    const retry = op.steps.filter((s) => s.status !== 'done').map((s) => s.provider);
    if (!fresh) operations.reopen(op.key, thisProcess, retry);
    const target = op.target as unknown as Target;
    const from: Meeting = {
      ...current,
      start: DateTime.fromISO(target.from.start, { zone: target.from.timezone }),
      end: DateTime.fromISO(target.from.end, { zone: target.from.timezone }),
      timezone: target.from.timezone,
      durationMinutes: target.from.durationMinutes,
    };
    await this.#run(record, op, from, to, retry, onProgress);

    const after = operations.get(op.key) ?? op;
    const moved = after.steps.filter((s) => s.status === 'done').length;
    const status: OperationStatus = moved === after.steps.length ? 'done' : moved > 0 ? 'partial' : 'failed';
    // The e-mail before the move is marked finished: a crash in between leaves it open, and its repeat sends it.
    const email = moved > 0 ? await this.#email(op.key, to, target, notes) : undefined;
    this.#change.keep(notes, () => operations.finish(op, status, 'rescheduled'));
    return this.#answer(bookings.get(record.id) ?? record, operations.get(op.key) ?? after, notes, {
      replay: false,
      ...(email ? { email } : {}),
      ...(fresh ? {} : { retried: retry }),
    });
  }

  /** The booking, when it can be moved: booked somewhere, not cancelled, not being made by another process. */
  #movable(bookingId: string): BookingRecord {
    const { bookings, operations } = this.deps;
    const record = bookings.get(bookingId);
    if (!record)
      throw new InputError(
        'booking_id',
        `no booking has the id ${bookingId}`,
        'pass the booking_id that book_meeting returned; list_bookings shows every booking with its id',
      );
    const cancel = operations.ofBooking(record.id, 'cancel')[0];
    if (record.status === 'cancelled' || cancel)
      throw new InputError(
        'booking_id',
        `booking ${record.id} was cancelled${cancel ? ` at ${cancel.createdAt}` : ''}, so it cannot be moved`,
        cancel?.status === 'done'
          ? 'book a new meeting with book_meeting'
          : 'finish the cancel with cancel_booking, then book a new meeting with book_meeting',
      );
    if (record.status === 'pending' && record.owner !== null && record.owner !== thisProcess && isAlive(record.owner))
      throw new AppError('in_progress', 'this booking is still being made by another alsatalk-mcp process', {
        hint: 'wait a minute, then reschedule it',
      });
    if (!record.results.some((r) => r.status === 'booked' && r.booked))
      throw new InputError(
        'booking_id',
        `booking ${record.id} holds no meeting in any provider (its status is ${record.status})`,
        'repeat the book_meeting call to finish it, or book the new time with book_meeting',
      );
    return record;
  }

  /** The host's calendars among the booking's providers, asked about the new time; the meeting's own time aside. */
  async #conflict(targets: readonly string[], current: Meeting, to: Meeting) {
    const { config, connections } = this.deps;
    const calendars = this.deps.providers.filter(
      (p) => targets.includes(p.id) && p.availabilityRole === 'calendar' && connections.get(p.id),
    );
    if (calendars.length === 0) return undefined;
    const found = await checkHost(
      this.availability,
      calendars,
      to,
      config.defaultTimezone,
      Math.round(config.providerTimeoutMs * checkShare),
    );
    const busy = withoutOwnTime(found.busy, current, to);
    const named = (id: string) => this.#change.name(id);
    const unread = found.unread.map(
      (u) =>
        `The host's ${named(u.provider)} could not be checked for a conflict (${u.message}); the move went ahead without it.`,
    );
    const alternatives =
      busy.length > 0
        ? await nearestSlots(
            this.availability,
            to,
            this.deps.providers.filter((p) => targets.includes(p.id)).map((p) => p.id),
          )
        : [];
    return { busy, unread, alternatives };
  }

  /** Calls each provider still to move at once, recording each step as it is known. */
  async #run(
    record: BookingRecord,
    op: OperationRecord,
    from: Meeting,
    to: Meeting,
    providers: readonly string[],
    onProgress?: OnRescheduleProgress,
  ): Promise<void> {
    await this.#change.run(
      record,
      op,
      providers,
      (provider, connection) =>
        this.#moveIn(provider, connection, from, record.results.find((r) => r.provider === provider.id)?.booked, to),
      {
        failed: (provider, error): RescheduleStep => ({ provider, status: 'failed', error }),
        record: (step) =>
          step.status === 'failed'
            ? { status: 'failed', error: step.error }
            : step.status === 'not_booked'
              ? { status: 'done', result: { state: 'not_booked', note: step.note } }
              : {
                  status: 'done',
                  result: {
                    booked: step.meeting,
                    ...(step.note ? { note: step.note } : {}),
                    ...(step.linkRemains ? { linkRemains: true } : {}),
                    ...(step.newLinks ? { newLinks: true } : {}),
                  },
                },
      },
      onProgress,
    );
  }

  /** One provider's move; a meeting never recorded (a booking call cut short) is looked for first. */
  async #moveIn(
    provider: MeetingProvider,
    connection: Connection,
    from: Meeting,
    booked: BookedMeeting | null | undefined,
    to: Meeting,
  ): Promise<RescheduleStep> {
    const name = provider.displayName;
    const outcome = await this.attempts.change(
      provider,
      connection,
      async (session, signal): Promise<Rescheduled | undefined> => {
        if (!session.reschedule)
          throw new AppError('provider_rejected', `${name} offers no way to move a meeting through its API`, {
            hint: `move it in ${name} yourself`,
          });
        if (booked) return session.reschedule({ meeting: from, booked }, to, signal);
        // Where the cut-off call would have made it: at the time it booked (the booking's time then), newest first.
        const found = await this.#change.findCutOff(session, provider, from, signal);
        return found ? session.reschedule(found, to, signal) : undefined;
      },
      `repeat reschedule_booking: it moves in ${name} what is left, and a meeting moved already stays where it is`,
    );
    if (!outcome.ok) return { provider: provider.id, status: 'failed', error: this.#change.failure(outcome.error) };
    if (!outcome.value)
      return {
        provider: provider.id,
        status: 'not_booked',
        note: `The booking's call to ${name} was cut off before it made a meeting, and ${name} has none for this booking: nothing to move. To add one, book the new time there with book_meeting (providers: ["${provider.id}"]).`,
      };
    const { booked: now, note, linkRemains, newLinks } = outcome.value;
    return {
      provider: provider.id,
      status: 'moved',
      meeting: now,
      ...(note ? { note } : {}),
      ...(linkRemains ? { linkRemains: true } : {}),
      ...(newLinks ? { newLinks: true } : {}),
    };
  }

  /**
   * The "Updated:" e-mail once a provider has moved: every link as it stands now. A repeat that moved a provider whose
   * move made new links (a new event or link) sends one more, so the invitee has them; otherwise nothing more.
   */
  async #email(key: string, to: Meeting, target: Target, notes: string[]): Promise<EmailOutcome | undefined> {
    const { operations, bookings, mailer } = this.deps;
    const op = operations.get(key);
    const record = bookings.get(to.bookingId);
    if (!op?.email.key || !record) return undefined;
    const renewed = op.steps.filter((s) => s.status === 'done' && s.result.newLinks === true).map((s) => s.provider);
    const emailKey = emailKeyOf(record.id, key, renewed);
    if (op.email.key === emailKey && op.email.status === 'sent' && op.email.id)
      return { status: 'sent', id: op.email.id, to: record.customerEmail };
    const first = op.email.status !== 'sent';
    this.#change.keep(notes, () => operations.setEmailKey(key, emailKey));
    const linkRemains = op.steps
      .filter((s) => s.status === 'done' && s.result.linkRemains === true)
      .map((s) => this.#change.name(s.provider));
    const change: MeetingChange = {
      kind: 'rescheduled',
      tag: emailKey.slice(`alsatalk-${record.id}-`.length),
      sequence: op.sequence,
      from: { start: target.from.start, end: target.from.end, timezone: target.from.timezone },
      linkRemains,
    };
    const email = await mailer.sendInvitation({
      meeting: to,
      booked: bookedOf(record, (id) => this.#change.name(id)).filter(
        (b) => record.results.find((r) => r.provider === b.id)?.status === 'booked',
      ),
      // The first e-mail of the move is stamped when the move was asked; one that adds links later, when it is sent.
      stamp: first ? op.createdAt : new Date().toISOString(),
      update: true,
      change,
    });
    this.#change.keep(notes, () => operations.recordEmail(key, email));
    return email;
  }

  #answer(
    record: BookingRecord,
    op: OperationRecord,
    notes: string[],
    how: { replay: boolean; email?: EmailOutcome; retried?: readonly string[] },
  ): RescheduleResult {
    const target = op.target as unknown as Target;
    const meeting = recordedMeeting(record);
    const to: Meeting = {
      ...meeting,
      start: DateTime.fromISO(target.start, { zone: target.timezone }),
      end: DateTime.fromISO(target.end, { zone: target.timezone }),
      timezone: target.timezone,
      durationMinutes: target.durationMinutes,
    };
    const previous: Meeting = {
      ...meeting,
      start: DateTime.fromISO(target.from.start, { zone: target.from.timezone }),
      end: DateTime.fromISO(target.from.end, { zone: target.from.timezone }),
      timezone: target.from.timezone,
      durationMinutes: target.from.durationMinutes,
    };
    const providers = op.steps.map((s): RescheduleStep => {
      if (s.status === 'done') {
        const note = typeof s.result.note === 'string' ? s.result.note : undefined;
        if (s.result.state === 'not_booked') return { provider: s.provider, status: 'not_booked', note: note ?? '' };
        return {
          provider: s.provider,
          status: 'moved',
          meeting: s.result.booked as BookedMeeting,
          ...(note ? { note } : {}),
        };
      }
      return {
        provider: s.provider,
        status: 'failed',
        error: s.error ?? {
          code: 'outcome_unknown',
          message: 'the move was cut off before its answer was recorded',
          remedy: 'repeat reschedule_booking',
        },
      };
    });
    const moved = providers.filter((p) => p.status !== 'failed').length;
    const status = moved === providers.length ? 'rescheduled' : moved > 0 ? 'partial' : 'failed';
    const recordedEmail: EmailOutcome =
      op.email.status === 'sent' && op.email.id
        ? { status: 'sent', id: op.email.id, to: record.customerEmail }
        : {
            status: 'skipped',
            reason:
              op.email.error ??
              (op.email.key
                ? 'no provider has moved the meeting yet, so the invitee was not told; repeat reschedule_booking'
                : 'the invitee was never sent an invitation, so no update was sent'),
          };
    return {
      bookingId: record.id,
      status,
      meeting: to,
      previous,
      providers,
      email: how.email ?? recordedEmail,
      notes: how.replay
        ? [`This booking was already moved to this time at ${op.createdAt}; nothing was called again.`, ...notes]
        : notes,
      ...(how.replay || how.retried
        ? { repeat: { firstCalledAt: op.createdAt, retried: [...(how.retried ?? [])] } }
        : {}),
    };
  }
}

/** Whether two meetings are the same instants in the same zone. */
const sameTime = (a: Meeting, b: Meeting): boolean =>
  a.start.toMillis() === b.start.toMillis() && a.end.toMillis() === b.end.toMillis() && a.timezone === b.timezone;

/** The outbox key of a move's e-mail: one per move, and one more for each provider whose new links it adds. */
const emailKeyOf = (bookingId: string, opKey: string, renewed: readonly string[]): string =>
  invitationKey({
    meeting: { bookingId } as Meeting,
    booked: [],
    change: {
      kind: 'rescheduled',
      tag: `move-${sha256(opKey).slice(0, 12)}${renewed.length > 0 ? `-${[...renewed].sort().join('-')}` : ''}`,
      sequence: 0,
      linkRemains: [],
    },
  });
