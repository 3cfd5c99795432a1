// Every booking and its per-provider results: written before the first provider call, updated as outcomes arrive, and
// found again by its idempotency key when the same call comes back.
import type { BookedMeeting, BookingStatus, EmailOutcome, Meeting, ProviderOutcome } from '../meeting.js';
import { statement, type Db } from './database.js';

/** What makes a repeated call find this booking, and who is booking it. */
export interface BookingIdentity {
  key: string;
  requestHash: string;
  /** `host:pid` of the process making the provider calls. */
  owner: string;
}

export interface BookingRecord {
  id: string;
  createdAt: string;
  status: BookingStatus;
  idempotencyKey: string | null;
  requestHash: string | null;
  owner: string | null;
  customerName: string;
  customerEmail: string;
  customerPhone: string | null;
  topic: string;
  timezone: string;
  startAt: string;
  endAt: string;
  durationMinutes: number;
  emailStatus: string;
  emailId: string | null;
  emailError: string | null;
  /** The providers the last e-mail sent listed. */
  emailCovers: string[];
  /** The SEQUENCE of the booking's last calendar e-mail (0: the invitation). */
  icsSequence: number;
  /** `checking`: the host's calendars were being checked and nothing was created yet; else null or `passed`. */
  conflictCheck: string | null;
  /** What happened to it, oldest first (append-only). */
  changes: BookingChange[];
  results: Array<{
    provider: string;
    status: string;
    externalId: string | null;
    /** What was booked, as the tool returned it (so that a repeat returns it again). */
    booked: BookedMeeting | null;
    errorCode: string | null;
    errorMessage: string | null;
    remedy: string | null;
    updatedAt: string;
  }>;
}

/** One entry of a booking's history. */
export interface BookingChange {
  at: string;
  /**
   * `booked` (the first call), `retried` (a repeat that called providers again), `emailed` (a repeat that only sent the
   * e-mail the first call had not), `cancelled` (a cancel_booking call, with each provider's step); later `rescheduled`.
   */
  kind: string;
  /** The status after the change, and each provider's state. */
  outcome: { status: string; providers?: Record<string, string> };
}

/** What list_bookings filters on; every part optional. */
export interface BookingFilter {
  /** Compared without regard to case. */
  customerEmail?: string | undefined;
  /** The meeting starts at or after `startFrom` and before `startBefore` (ISO instants). */
  startFrom?: string | undefined;
  startBefore?: string | undefined;
  status?: string | undefined;
  /** Bookings made before this one (`createdAt` + `id`), for the next page. */
  before?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** Reads and writes `bookings` and `booking_results`. */
export class BookingRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records the booking and one row per provider in one transaction, before any provider is called, so a crash
   * mid-booking still leaves a trace of what was attempted. A key whose booking was made before `lapsedBefore` is
   * released first. Returns false, writing nothing, when another booking holds the key (another process got there first).
   */
  createPending(
    meeting: Meeting,
    attempted: readonly string[],
    skipped: readonly ProviderOutcome[],
    identity: BookingIdentity,
    { createdAt, lapsedBefore, checking = false }: { createdAt: string; lapsedBefore: string; checking?: boolean },
  ): boolean {
    const now = createdAt;
    const insertResult = statement(
      this.db,
      'INSERT INTO booking_results (booking_id, provider, status, remedy, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      statement(this.db, 'UPDATE bookings SET idempotency_key = NULL WHERE idempotency_key = ? AND created_at < ?').run(
        identity.key,
        lapsedBefore,
      );
      const inserted = statement(
        this.db,
        `INSERT INTO bookings (id, created_at, updated_at, customer_name, customer_email, customer_phone, topic, timezone,
             start_at, end_at, duration_minutes, status, idempotency_key, request_hash, owner, conflict_check)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`,
      ).run(
        meeting.bookingId,
        now,
        now,
        meeting.customerName,
        meeting.customerEmail,
        meeting.customerPhone ?? null,
        meeting.topic,
        meeting.timezone,
        meeting.start.toISO(),
        meeting.end.toISO(),
        meeting.durationMinutes,
        identity.key,
        identity.requestHash,
        identity.owner,
        checking ? 'checking' : null,
      );
      if (inserted.changes === 0) return false;
      for (const provider of attempted) insertResult.run(meeting.bookingId, provider, 'pending', null, now);
      for (const s of skipped)
        insertResult.run(meeting.bookingId, s.provider, s.status, 'remedy' in s ? s.remedy : null, now);
      return true;
    })();
  }

  /** The check found the host free (or was told to book anyway): creating may begin, so the booking is never started over. */
  passCheck(bookingId: string): void {
    statement(this.db, "UPDATE bookings SET conflict_check = 'passed', updated_at = ? WHERE id = ?").run(
      new Date().toISOString(),
      bookingId,
    );
  }

  /**
   * Forgets a booking nothing was created for (the host was busy, or a crash cut its check short), with its provider
   * rows: only while its check has not passed, so a booking some provider may have acted on is never lost.
   */
  discard(bookingId: string): void {
    statement(this.db, "DELETE FROM bookings WHERE id = ? AND conflict_check = 'checking'").run(bookingId);
  }

  /** The live booking that holds `key`: made at or after `notBefore` (older ones have lapsed). */
  findByKey(key: string, notBefore: string): BookingRecord | undefined {
    const row = statement(this.db, 'SELECT id FROM bookings WHERE idempotency_key = ? AND created_at >= ?').get(
      key,
      notBefore,
    ) as { id: string } | undefined;
    return row ? this.get(row.id) : undefined;
  }

  /**
   * Takes a recorded booking over for a repeated call: `owner` makes the calls now, and each provider to try again is
   * pending (added when the earlier call had no row for it), all in one transaction; a phone given now is kept.
   */
  reopen(bookingId: string, owner: string, providers: readonly string[], customerPhone?: string): void {
    const now = new Date().toISOString();
    this.db.transaction(() => {
      statement(
        this.db,
        "UPDATE bookings SET owner = ?, status = 'pending', customer_phone = COALESCE(?, customer_phone), updated_at = ? WHERE id = ?",
      ).run(owner, customerPhone ?? null, now, bookingId);
      for (const provider of providers) {
        statement(
          this.db,
          `INSERT INTO booking_results (booking_id, provider, status, updated_at) VALUES (?, ?, 'pending', ?)
           ON CONFLICT (booking_id, provider) DO UPDATE SET status = 'pending', external_id = NULL, details = '{}', error_code = NULL,
             error_message = NULL, remedy = NULL, updated_at = excluded.updated_at`,
        ).run(bookingId, provider, now);
      }
    })();
  }

  /** Commits one provider's outcome as soon as it arrives. */
  recordProvider(bookingId: string, outcome: ProviderOutcome): void {
    const booked = outcome.status === 'booked' ? outcome.meeting : undefined;
    const error = outcome.status === 'failed' ? outcome.error : undefined;
    statement(
      this.db,
      `UPDATE booking_results SET status = ?, external_id = ?, details = ?, error_code = ?, error_message = ?,
           remedy = ?, updated_at = ? WHERE booking_id = ? AND provider = ?`,
    ).run(
      outcome.status,
      booked?.externalId ?? null,
      JSON.stringify(booked ?? {}),
      error?.code ?? null,
      error?.message ?? null,
      error?.remedy ?? ('remedy' in outcome ? outcome.remedy : null),
      new Date().toISOString(),
      bookingId,
      outcome.provider,
    );
  }

  /**
   * Records the e-mail's outcome; `covers` (the providers a sent e-mail listed) is kept from the last e-mail that went
   * out, so a later failure to send an update does not forget what the invitee already has.
   */
  recordEmail(bookingId: string, outcome: EmailOutcome, covers?: readonly string[]): void {
    statement(
      this.db,
      'UPDATE bookings SET email_status = ?, email_id = ?, email_error = ?, email_covers = COALESCE(?, email_covers), updated_at = ? WHERE id = ?',
    ).run(
      outcome.status,
      outcome.status === 'sent' ? outcome.id : null,
      outcome.status === 'failed' || outcome.status === 'queued'
        ? outcome.error.message
        : outcome.status === 'sent'
          ? null
          : outcome.status === 'skipped'
            ? outcome.reason
            : outcome.remedy,
      outcome.status === 'sent' && covers ? JSON.stringify(covers) : null,
      new Date().toISOString(),
      bookingId,
    );
  }

  /**
   * Records the booking's status after a call, and appends the change to its history (see BookingChange.kind).
   */
  finish(bookingId: string, status: BookingStatus, kind: 'booked' | 'retried' | 'emailed' = 'booked'): void {
    const now = new Date().toISOString();
    const providers = Object.fromEntries(
      (
        statement(this.db, 'SELECT provider, status FROM booking_results WHERE booking_id = ? ORDER BY provider').all(
          bookingId,
        ) as Array<{ provider: string; status: string }>
      ).map((r) => [r.provider, r.status]),
    );
    this.db.transaction(() => {
      statement(
        this.db,
        `INSERT INTO booking_changes (booking_id, seq, at, kind, outcome)
           VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM booking_changes WHERE booking_id = ?), ?, ?, ?)`,
      ).run(bookingId, bookingId, now, kind, JSON.stringify({ status, providers }));
      this.#setStatus(bookingId, status, now);
    })();
  }

  /**
   * Bookings matching `filter`, newest first (by when they were made), at most `limit`; one more is read to say
   * whether there is a next page.
   */
  list(filter: BookingFilter): { records: BookingRecord[]; more: boolean } {
    // A booking still at its conflict check has nothing in any provider: it is either under way or forgotten on its repeat.
    const where: string[] = ["conflict_check IS NULL OR conflict_check != 'checking'"];
    const params: unknown[] = [];
    if (filter.customerEmail) {
      where.push('customer_email = ? COLLATE NOCASE');
      params.push(filter.customerEmail.trim());
    }
    // julianday() reads the stored ISO times with their offsets as instants.
    if (filter.startFrom) {
      where.push('julianday(start_at) >= julianday(?)');
      params.push(filter.startFrom);
    }
    if (filter.startBefore) {
      where.push('julianday(start_at) < julianday(?)');
      params.push(filter.startBefore);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.before) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(filter.before.createdAt, filter.before.createdAt, filter.before.id);
    }
    const rows = statement(
      this.db,
      `SELECT id FROM bookings WHERE ${where.map((w) => `(${w})`).join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ).all(...params, filter.limit + 1) as Array<{ id: string }>;
    const records = rows.slice(0, filter.limit).flatMap((r) => {
      const record = this.get(r.id);
      return record ? [record] : [];
    });
    return { records, more: rows.length > filter.limit };
  }

  #setStatus(bookingId: string, status: BookingStatus, now: string): void {
    statement(this.db, 'UPDATE bookings SET status = ?, updated_at = ? WHERE id = ?').run(status, now, bookingId);
  }

  get(bookingId: string): BookingRecord | undefined {
    const b = statement(this.db, 'SELECT * FROM bookings WHERE id = ?').get(bookingId) as
      Record<string, unknown> | undefined;
    if (!b) return undefined;
    const results = statement(this.db, 'SELECT * FROM booking_results WHERE booking_id = ? ORDER BY provider').all(
      bookingId,
    ) as Array<Record<string, unknown>>;
    const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
    return {
      id: String(b.id),
      createdAt: String(b.created_at),
      status: b.status as BookingStatus,
      idempotencyKey: text(b.idempotency_key),
      requestHash: text(b.request_hash),
      owner: text(b.owner),
      customerName: String(b.customer_name),
      customerEmail: String(b.customer_email),
      customerPhone: text(b.customer_phone),
      topic: String(b.topic),
      timezone: String(b.timezone),
      startAt: String(b.start_at),
      endAt: String(b.end_at),
      durationMinutes: Number(b.duration_minutes),
      emailStatus: String(b.email_status),
      emailId: (b.email_id as string | null) ?? null,
      emailError: (b.email_error as string | null) ?? null,
      emailCovers: b.email_covers ? (JSON.parse(String(b.email_covers)) as string[]) : [],
      icsSequence: Number(b.ics_sequence ?? 0),
      conflictCheck: text(b.conflict_check),
      changes: (
        statement(this.db, 'SELECT at, kind, outcome FROM booking_changes WHERE booking_id = ? ORDER BY seq').all(
          bookingId,
        ) as Array<{ at: string; kind: string; outcome: string }>
      ).map((c) => ({ at: c.at, kind: c.kind, outcome: JSON.parse(c.outcome) as BookingChange['outcome'] })),
      results: results.map((r) => ({
        provider: String(r.provider),
        status: String(r.status),
        externalId: (r.external_id as string | null) ?? null,
        booked:
          r.status === 'booked' || r.status === 'cancelled' ? (JSON.parse(String(r.details)) as BookedMeeting) : null,
        errorCode: (r.error_code as string | null) ?? null,
        errorMessage: (r.error_message as string | null) ?? null,
        remedy: (r.remedy as string | null) ?? null,
        updatedAt: String(r.updated_at),
      })),
    };
  }
}
