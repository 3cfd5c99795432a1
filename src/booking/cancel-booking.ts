// cancel_booking: one booking cancelled in every provider it was booked in, under one id, exactly once. The cancel is
// recorded (one step per provider) before any provider is called; a repeat does only what is left; the invitee gets
// one cancellation e-mail whose calendar file removes the meeting the invitation added.
import { createHash } from 'node:crypto';
import { AppError, InputError } from '../errors.js';
import { invitationKey, type Mailer } from '../email/mailer.js';
import type { Logger } from '../log.js';
import type { BookedMeeting, EmailOutcome, Meeting, ProviderFailure } from '../meeting.js';
import type { Cancelled, MeetingProvider } from '../providers/provider.js';
import type { Connections } from '../connections/connections.js';
import type { BookingRecord, BookingRepository } from '../storage/bookings.js';
import type { OperationRecord, OperationRepository, OperationStatus } from '../storage/operations.js';
import type { ProviderAttempts } from './attempt.js';
import { ChangeRun, changeTargets, type Connection } from './change-run.js';
import { isAlive, thisProcess } from './owner.js';
import { recordedMeeting } from './recorded-meeting.js';
import { Turns } from './turns.js';
import { bookedOf, invited } from './booked-now.js';

export interface CancelRequest {
  bookingId: string;
  reason?: string | undefined;
  /** The agent's key for this cancel; without one, the booking's id is the key (a booking is cancelled once). */
  idempotencyKey?: string | undefined;
}

/** One provider's part of a cancel, as the tool shows it. */
export type CancelStep =
  | { provider: string; status: Cancelled['state']; note?: string }
  | { provider: string; status: 'failed'; error: ProviderFailure };

export interface CancelResult {
  bookingId: string;
  /** `cancelled` everywhere; `partial`: some providers still have it (see their remedies); `failed`: none was cancelled. */
  status: 'cancelled' | 'partial' | 'failed';
  meeting: Meeting;
  providers: CancelStep[];
  email: EmailOutcome;
  notes: string[];
  /** Set when an earlier call made this cancel: `retried` names the providers called again now. */
  repeat?: { firstCalledAt: string; retried: string[] };
}

export interface CancelDeps {
  providers: readonly MeetingProvider[];
  connections: Connections;
  bookings: BookingRepository;
  operations: OperationRepository;
  mailer: Mailer;
  log: Logger;
}

export type OnCancelProgress = (step: CancelStep, total: number) => void;

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The tag of the cancellation e-mail's idempotency key: a booking is cancelled once, so it has one. */
const emailTag = 'cancel';

export class CancelService {
  /** One call at a time per booking: ten cancels of one booking at once call each provider once. */
  readonly #turns = new Turns();
  readonly #change: ChangeRun;

  constructor(
    private readonly deps: CancelDeps,
    private readonly attempts: ProviderAttempts,
  ) {
    this.#change = new ChangeRun(deps, { tool: 'cancel_booking', done: 'cancelled', verb: 'cancel' });
  }

  async cancel(request: CancelRequest, onProgress?: OnCancelProgress): Promise<CancelResult> {
    const id = request.bookingId.trim();
    return this.#turns.run(id, () => this.#cancelOnce({ ...request, bookingId: id }, onProgress));
  }

  async #cancelOnce(request: CancelRequest, onProgress?: OnCancelProgress): Promise<CancelResult> {
    const { bookings, operations } = this.deps;
    const record = bookings.get(request.bookingId);
    if (!record)
      throw new InputError(
        'booking_id',
        `no booking has the id ${request.bookingId}`,
        'pass the booking_id that book_meeting returned; list_bookings shows every booking with its id',
      );
    const reason = request.reason?.trim() || undefined;
    const key =
      request.idempotencyKey !== undefined ? `agent:${request.idempotencyKey}` : `derived:cancel:${record.id}`;
    const requestHash = sha256(['cancel', record.id, reason ?? null]);
    const held = operations.get(key);
    // An agent's key names one request; the derived key names the booking's cancel, whatever reason a repeat gives.
    const mismatch =
      held &&
      (held.bookingId !== record.id ||
        held.kind !== 'cancel' ||
        (request.idempotencyKey !== undefined && held.requestHash !== requestHash));
    if (held && mismatch)
      throw new InputError(
        'idempotency_key',
        `was already used, at ${held.createdAt}, for another change (${held.kind} of booking ${held.bookingId})`,
        'give a new idempotency_key, or repeat the earlier call exactly to get its result',
      );
    // A booking is cancelled once, whichever key asked: a second cancel is answered by the first.
    const earlier = held ?? operations.ofBooking(record.id, 'cancel')[0];
    const meeting = recordedMeeting(record);
    if (earlier?.status === 'done') return this.#answer(record, earlier, meeting, [], true);

    let op = earlier;
    if (!op) {
      if (record.status === 'pending' && record.owner !== null && record.owner !== thisProcess && isAlive(record.owner))
        throw new AppError('in_progress', 'this booking is still being made by another alsatalk-mcp process', {
          hint: 'wait a minute, then cancel it again',
        });
      op = operations.create({
        key,
        bookingId: record.id,
        kind: 'cancel',
        target: reason ? { reason } : {},
        requestHash,
        owner: thisProcess,
        providers: changeTargets(record),
        // The invitee is told only when an invitation went out (or may have: one still queued).
        emailKey: invited(record)
          ? invitationKey({ meeting, booked: [], change: cancellation(0, reason, []) })
          : undefined,
        createdAt: new Date().toISOString(),
      });
      if (op.status === 'done') return this.#answer(record, op, meeting, [], true);
    }
    const fresh = op.steps.every((s) => s.status === 'pending') && op.owner === thisProcess;
    const underWay = op.owner !== null && op.owner !== thisProcess && isAlive(op.owner);
    const retry = op.steps.filter((s) => s.status !== 'done').map((s) => s.provider);
    if (underWay)
      throw new AppError('in_progress', 'another alsatalk-mcp process is cancelling this booking right now', {
        hint: 'wait a minute, then repeat the same call to get its result',
      });
    if (!fresh) operations.reopen(op.key, thisProcess, retry);

    const steps = await this.#run(record, op, meeting, retry, reason, onProgress);
    const done = op.steps.filter((s) => s.status === 'done').length + steps.filter((s) => s.status !== 'failed').length;
    const status: OperationStatus = done === op.steps.length ? 'done' : done > 0 ? 'partial' : 'failed';
    const notes: string[] = [];
    const after = operations.get(op.key) ?? op;
    const email = await this.#email(record, after, meeting, reason, done > 0);
    this.#change.keep(notes, () => operations.finish(op, status, 'cancelled'));
    return this.#answer(
      record,
      operations.get(op.key) ?? after,
      meeting,
      notes,
      false,
      email,
      fresh ? undefined : retry,
    );
  }

  /** Calls each provider still to cancel at once, recording each step as it is known. */
  #run(
    record: BookingRecord,
    op: OperationRecord,
    meeting: Meeting,
    providers: readonly string[],
    reason: string | undefined,
    onProgress?: OnCancelProgress,
  ): Promise<CancelStep[]> {
    return this.#change.run(
      record,
      op,
      providers,
      (provider, connection) =>
        this.#cancelIn(
          provider,
          connection,
          meeting,
          record.results.find((r) => r.provider === provider.id)?.booked ?? undefined,
          reason,
        ),
      {
        failed: (provider, error) => ({ provider, status: 'failed', error }),
        record: (step) =>
          step.status === 'failed'
            ? { status: 'failed', error: step.error }
            : { status: 'done', result: { state: step.status, ...(step.note ? { note: step.note } : {}) } },
      },
      onProgress,
    );
  }

  /** One provider's cancel; a meeting never recorded (a booking cut short) is looked for first. */
  async #cancelIn(
    provider: MeetingProvider,
    connection: Connection,
    meeting: Meeting,
    booked: BookedMeeting | undefined,
    reason: string | undefined,
  ): Promise<CancelStep> {
    const name = provider.displayName;
    const outcome = await this.attempts.change(
      provider,
      connection,
      async (session, signal): Promise<Cancelled> => {
        if (!session.cancel)
          throw new AppError('provider_rejected', `${name} offers no way to cancel a meeting through its API`, {
            hint: `cancel it in ${name} yourself`,
          });
        if (booked) return session.cancel({ meeting, booked }, reason, signal);
        // The call that booked was cut off: its meeting, if made, is at the time the booking had then (it may have
        // moved since, without this provider).
        const found = await this.#change.findCutOff(session, provider, meeting, signal);
        if (found) return session.cancel(found, reason, signal);
        return { state: 'already_gone', note: `${name} has no meeting for this booking.` };
      },
      `repeat cancel_booking: it cancels in ${name} what is left, and a meeting already cancelled counts as done`,
    );
    // The provider's own remedy ("retry in a few minutes") says what to fix; the retry itself is this tool's repeat.
    if (!outcome.ok) return { provider: provider.id, status: 'failed', error: this.#change.failure(outcome.error) };
    return {
      provider: provider.id,
      status: outcome.value.state,
      ...(outcome.value.note ? { note: outcome.value.note } : {}),
    };
  }

  /** The cancellation e-mail, once a provider has cancelled; the same e-mail again on a repeat (one key), never a second. */
  async #email(
    record: BookingRecord,
    op: OperationRecord,
    meeting: Meeting,
    reason: string | undefined,
    anyDone: boolean,
  ): Promise<EmailOutcome> {
    const { operations, mailer } = this.deps;
    if (!op.email.key)
      return { status: 'skipped', reason: 'the invitee was never sent an invitation, so no cancellation was sent' };
    if (op.email.status === 'sent' && op.email.id) return { status: 'sent', id: op.email.id, to: record.customerEmail };
    if (!anyDone)
      return {
        status: 'skipped',
        reason: 'no provider has cancelled the meeting yet, so the invitee was not told; repeat cancel_booking',
      };
    const linkRemains = op.steps
      .filter((s) => s.status === 'done' && s.result.state === 'link_remains')
      .map((s) => this.#change.name(s.provider));
    const email = await mailer.sendInvitation({
      meeting,
      booked: bookedOf(record, (id) => this.#change.name(id)),
      stamp: op.createdAt,
      update: false,
      change: cancellation(op.sequence, reason, linkRemains),
    });
    this.#change.keep([], () => operations.recordEmail(op.key, email));
    return email;
  }

  #answer(
    record: BookingRecord,
    op: OperationRecord,
    meeting: Meeting,
    notes: string[],
    replay: boolean,
    email?: EmailOutcome,
    retried?: readonly string[],
  ): CancelResult {
    const providers = op.steps.map((s): CancelStep =>
      s.status === 'done'
        ? {
            provider: s.provider,
            status: (s.result.state as Cancelled['state'] | undefined) ?? 'cancelled',
            ...(typeof s.result.note === 'string' ? { note: s.result.note } : {}),
          }
        : {
            provider: s.provider,
            status: 'failed',
            error: s.error ?? {
              code: 'outcome_unknown',
              message: 'the cancel was cut off before its answer was recorded',
              remedy: 'repeat cancel_booking',
            },
          },
    );
    const done = providers.filter((p) => p.status !== 'failed').length;
    const status = done === providers.length ? 'cancelled' : done > 0 ? 'partial' : 'failed';
    const recordedEmail: EmailOutcome =
      op.email.status === 'sent' && op.email.id
        ? { status: 'sent', id: op.email.id, to: record.customerEmail }
        : { status: 'skipped', reason: op.email.error ?? 'no cancellation e-mail was sent' };
    return {
      bookingId: record.id,
      status,
      meeting,
      providers,
      email: email ?? recordedEmail,
      notes: replay
        ? [`This booking was already cancelled at ${op.createdAt}; nothing was called again.`, ...notes]
        : notes,
      ...(replay || retried ? { repeat: { firstCalledAt: op.createdAt, retried: [...(retried ?? [])] } } : {}),
    };
  }
}

const cancellation = (sequence: number, reason: string | undefined, linkRemains: string[]) => ({
  kind: 'cancelled' as const,
  tag: emailTag,
  sequence,
  ...(reason ? { reason } : {}),
  linkRemains,
});
