// The changes made to a booking after it was booked (a cancel, a reschedule): each recorded before any provider is
// called, one step per provider, found again by its idempotency key so that a repeat does only what is left.
import type { EmailOutcome, ProviderFailure } from '../meeting.js';
import { statement, type Db } from './database.js';

export type OperationKind = 'cancel' | 'reschedule';

/** `pending` while providers are called (or a crash left it), `done` when every step is, else `partial` or `failed`. */
export type OperationStatus = 'pending' | 'done' | 'partial' | 'failed';

export interface OperationStep {
  provider: string;
  /** `pending`: called, or about to be, with no answer recorded (a repeat calls it again). */
  status: 'pending' | 'done' | 'failed';
  /** What the provider did, in the operation's own terms (a cancel's state and note). */
  result: Record<string, unknown>;
  error: ProviderFailure | null;
  updatedAt: string;
}

export interface OperationRecord {
  key: string;
  bookingId: string;
  kind: OperationKind;
  /** What the call asked for (a cancel's reason), as recorded. */
  target: Record<string, unknown>;
  requestHash: string;
  createdAt: string;
  owner: string | null;
  status: OperationStatus;
  /** The SEQUENCE its e-mail's calendar file carries. */
  sequence: number;
  email: { key: string | null; status: string; id: string | null; error: string | null };
  steps: OperationStep[];
}

export interface NewOperation {
  key: string;
  bookingId: string;
  kind: OperationKind;
  target: Record<string, unknown>;
  requestHash: string;
  owner: string;
  /** The providers it calls, each a pending step. */
  providers: readonly string[];
  /** The operation's e-mail (its outbox key), when it sends one. */
  emailKey: string | undefined;
  createdAt: string;
}

type Row = Record<string, unknown>;

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Reads and writes `booking_operations` and `operation_steps`. */
export class OperationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records the operation and a pending step per provider in one transaction, and gives the booking's calendar e-mails
   * the next SEQUENCE. Returns the stored operation: the one already holding the key when another call recorded it first.
   */
  create(op: NewOperation): OperationRecord {
    return this.db.transaction(() => {
      const held = this.get(op.key);
      if (held) return held;
      const { ics_sequence: current } = statement(this.db, 'SELECT ics_sequence FROM bookings WHERE id = ?').get(
        op.bookingId,
      ) as { ics_sequence: number };
      const sequence = current + 1;
      statement(
        this.db,
        `INSERT INTO booking_operations (idempotency_key, booking_id, kind, target, request_hash, created_at, updated_at,
           owner, status, sequence, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ).run(
        op.key,
        op.bookingId,
        op.kind,
        JSON.stringify(op.target),
        op.requestHash,
        op.createdAt,
        op.createdAt,
        op.owner,
        sequence,
        op.emailKey ?? null,
      );
      for (const provider of op.providers)
        statement(
          this.db,
          "INSERT INTO operation_steps (operation_key, provider, status, updated_at) VALUES (?, ?, 'pending', ?)",
        ).run(op.key, provider, op.createdAt);
      statement(this.db, 'UPDATE bookings SET ics_sequence = ?, updated_at = ? WHERE id = ?').run(
        sequence,
        op.createdAt,
        op.bookingId,
      );
      return this.get(op.key) as OperationRecord;
    })();
  }

  get(key: string): OperationRecord | undefined {
    const row = statement(this.db, 'SELECT * FROM booking_operations WHERE idempotency_key = ?').get(key) as
      Row | undefined;
    return row ? this.#read(row) : undefined;
  }

  /** The booking's operations of `kind`, oldest first. */
  ofBooking(bookingId: string, kind: OperationKind): OperationRecord[] {
    return (
      statement(
        this.db,
        'SELECT * FROM booking_operations WHERE booking_id = ? AND kind = ? ORDER BY created_at, idempotency_key',
      ).all(bookingId, kind) as Row[]
    ).map((r) => this.#read(r));
  }

  /** A repeat takes the operation over: `owner` calls the providers now, each step to retry pending again. */
  reopen(key: string, owner: string, providers: readonly string[]): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      statement(
        this.db,
        "UPDATE booking_operations SET owner = ?, status = 'pending', updated_at = ? WHERE idempotency_key = ?",
      ).run(owner, now, key);
      for (const provider of providers)
        statement(
          this.db,
          `UPDATE operation_steps SET status = 'pending', error_code = NULL, error_message = NULL, remedy = NULL,
             updated_at = ? WHERE operation_key = ? AND provider = ?`,
        ).run(now, key, provider);
    })();
  }

  /**
   * Commits one provider's step as soon as it is known; a done cancel also marks the booking's provider row `cancelled`,
   * in the same transaction, so the booking's current version never disagrees with its history.
   */
  recordStep(
    op: Pick<OperationRecord, 'key' | 'bookingId' | 'kind'>,
    provider: string,
    step: { status: 'done'; result: Record<string, unknown> } | { status: 'failed'; error: ProviderFailure },
  ): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      const error = step.status === 'failed' ? step.error : undefined;
      statement(
        this.db,
        `UPDATE operation_steps SET status = ?, result = ?, error_code = ?, error_message = ?, remedy = ?, updated_at = ?
           WHERE operation_key = ? AND provider = ?`,
      ).run(
        step.status,
        JSON.stringify(step.status === 'done' ? step.result : {}),
        error?.code ?? null,
        error?.message ?? null,
        error?.remedy ?? null,
        now,
        op.key,
        provider,
      );
      if (step.status === 'done' && op.kind === 'cancel')
        statement(
          this.db,
          "UPDATE booking_results SET status = 'cancelled', updated_at = ? WHERE booking_id = ? AND provider = ?",
        ).run(now, op.bookingId, provider);
      // A moved meeting: the provider's row holds it as it is now (a Calendly move has a new event and link); a meeting
      // a cut-off booking call had made, found and moved, is booked from now on.
      const moved = step.status === 'done' && op.kind === 'reschedule' ? step.result.booked : undefined;
      if (moved && typeof moved === 'object')
        statement(
          this.db,
          `UPDATE booking_results SET status = 'booked', external_id = ?, details = ?, error_code = NULL,
             error_message = NULL, remedy = NULL, updated_at = ? WHERE booking_id = ? AND provider = ?`,
        ).run(
          String((moved as { externalId?: unknown }).externalId ?? ''),
          JSON.stringify(moved),
          now,
          op.bookingId,
          provider,
        );
    })();
  }

  /**
   * Ends a run of the operation: its status, the booking's status when it changed (a cancel done everywhere), and one
   * entry in the booking's history, in one transaction. A booking cancelled everywhere gives its idempotency key back,
   * so the same invitee can be booked at the same time again.
   */
  finish(op: Pick<OperationRecord, 'key' | 'bookingId' | 'kind'>, status: OperationStatus, change: string): void {
    const now = new Date().toISOString();
    const providers = Object.fromEntries(
      (
        statement(
          this.db,
          'SELECT provider, status FROM operation_steps WHERE operation_key = ? ORDER BY provider',
        ).all(op.key) as Array<{ provider: string; status: string }>
      ).map((r) => [r.provider, r.status]),
    );
    this.db.transaction(() => {
      statement(
        this.db,
        'UPDATE booking_operations SET status = ?, owner = NULL, updated_at = ? WHERE idempotency_key = ?',
      ).run(status, now, op.key);
      if (op.kind === 'cancel' && status === 'done')
        statement(
          this.db,
          "UPDATE bookings SET status = 'cancelled', idempotency_key = NULL, updated_at = ? WHERE id = ?",
        ).run(now, op.bookingId);
      // A move that any provider made is the booking's time now; the providers that failed are named in the history.
      if (op.kind === 'reschedule' && (status === 'done' || status === 'partial')) {
        const target = JSON.parse(
          String(
            (
              statement(this.db, 'SELECT target FROM booking_operations WHERE idempotency_key = ?').get(op.key) as {
                target: string;
              }
            ).target,
          ),
        ) as { start: string; end: string; timezone: string; durationMinutes: number };
        statement(
          this.db,
          'UPDATE bookings SET start_at = ?, end_at = ?, timezone = ?, duration_minutes = ?, updated_at = ? WHERE id = ?',
        ).run(target.start, target.end, target.timezone, target.durationMinutes, now, op.bookingId);
        // A cut-off provider found and moved may have completed the booking.
        statement(
          this.db,
          `UPDATE bookings SET status = 'booked' WHERE id = ? AND status = 'partial'
             AND NOT EXISTS (SELECT 1 FROM booking_results WHERE booking_id = ? AND status != 'booked')`,
        ).run(op.bookingId, op.bookingId);
      }
      statement(
        this.db,
        `INSERT INTO booking_changes (booking_id, seq, at, kind, outcome)
           VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM booking_changes WHERE booking_id = ?), ?, ?, ?)`,
      ).run(op.bookingId, op.bookingId, now, change, JSON.stringify({ status, providers }));
    })();
  }

  /** Points the operation at a new e-mail (a move that changed more providers since its last one): not sent yet. */
  setEmailKey(key: string, emailKey: string): void {
    statement(
      this.db,
      `UPDATE booking_operations SET email_key = ?, email_status = 'pending', email_id = NULL, email_error = NULL,
         updated_at = ? WHERE idempotency_key = ? AND (email_key IS NULL OR email_key != ?)`,
    ).run(emailKey, new Date().toISOString(), key, emailKey);
  }

  /** Records the operation's e-mail outcome, as its call saw it. */
  recordEmail(key: string, outcome: EmailOutcome): void {
    this.#recordEmail('idempotency_key', key, outcome);
  }

  /** Records the outcome of the e-mail under outbox key `emailKey` on the operation that sent it, if any. */
  recordEmailByKey(emailKey: string, outcome: EmailOutcome): void {
    this.#recordEmail('email_key', emailKey, outcome);
  }

  #recordEmail(column: 'idempotency_key' | 'email_key', key: string, outcome: EmailOutcome): void {
    statement(
      this.db,
      `UPDATE booking_operations SET email_status = ?, email_id = COALESCE(?, email_id), email_error = ?, updated_at = ?
         WHERE ${column} = ?`,
    ).run(
      outcome.status,
      outcome.status === 'sent' ? outcome.id : null,
      outcome.status === 'failed' || outcome.status === 'queued'
        ? outcome.error.message
        : outcome.status === 'skipped'
          ? outcome.reason
          : outcome.status === 'not_connected'
            ? outcome.remedy
            : null,
      new Date().toISOString(),
      key,
    );
  }

  #read(row: Row): OperationRecord {
    const key = String(row.idempotency_key);
    const steps = (
      statement(this.db, 'SELECT * FROM operation_steps WHERE operation_key = ? ORDER BY provider').all(key) as Row[]
    ).map((s): OperationStep => ({
      provider: String(s.provider),
      status: s.status as OperationStep['status'],
      result: JSON.parse(String(s.result)) as Record<string, unknown>,
      error: s.error_code
        ? { code: String(s.error_code), message: String(s.error_message ?? ''), remedy: String(s.remedy ?? '') }
        : null,
      updatedAt: String(s.updated_at),
    }));
    return {
      key,
      bookingId: String(row.booking_id),
      kind: row.kind as OperationKind,
      target: JSON.parse(String(row.target)) as Record<string, unknown>,
      requestHash: String(row.request_hash),
      createdAt: String(row.created_at),
      owner: text(row.owner),
      status: row.status as OperationStatus,
      sequence: Number(row.sequence),
      email: {
        key: text(row.email_key),
        status: String(row.email_status),
        id: text(row.email_id),
        error: text(row.email_error),
      },
      steps,
    };
  }
}
