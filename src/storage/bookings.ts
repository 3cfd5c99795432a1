// Every booking and its per-provider results: written before the first provider call, updated as outcomes arrive.
import type { BookingStatus, EmailOutcome, Meeting, ProviderOutcome } from '../booking/types.js';
import { statement, type Db } from './database.js';

export interface BookingRecord {
  id: string;
  status: BookingStatus;
  customerName: string;
  customerEmail: string;
  topic: string;
  timezone: string;
  startAt: string;
  endAt: string;
  durationMinutes: number;
  emailStatus: string;
  emailId: string | null;
  emailError: string | null;
  results: Array<{
    provider: string;
    status: string;
    externalId: string | null;
    details: Record<string, unknown>;
    errorCode: string | null;
    errorMessage: string | null;
    remedy: string | null;
  }>;
}

/** Reads and writes `bookings` and `booking_results`. */
export class BookingRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records the booking and one row per provider in one transaction, before any provider is called,
   * so a crash mid-booking still leaves a trace of what was attempted.
   */
  createPending(meeting: Meeting, attempted: readonly string[], skipped: readonly ProviderOutcome[]): void {
    const now = new Date().toISOString();
    const insertResult = statement(this.db, 
      'INSERT INTO booking_results (booking_id, provider, status, remedy, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      statement(this.db, 
          `INSERT INTO bookings (id, created_at, updated_at, customer_name, customer_email, topic, timezone,
             start_at, end_at, duration_minutes, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
        )
        .run(
          meeting.bookingId,
          now,
          now,
          meeting.customerName,
          meeting.customerEmail,
          meeting.topic,
          meeting.timezone,
          meeting.start.toISO(),
          meeting.end.toISO(),
          meeting.durationMinutes,
        );
      for (const provider of attempted) insertResult.run(meeting.bookingId, provider, 'pending', null, now);
      for (const s of skipped) insertResult.run(meeting.bookingId, s.provider, s.status, 'remedy' in s ? s.remedy : null, now);
    })();
  }

  /** Commits one provider's outcome as soon as it arrives. */
  recordProvider(bookingId: string, outcome: ProviderOutcome): void {
    const booked = outcome.status === 'booked' ? outcome.meeting : undefined;
    const error = outcome.status === 'failed' ? outcome.error : undefined;
    statement(this.db, 
        `UPDATE booking_results SET status = ?, external_id = ?, details = ?, error_code = ?, error_message = ?,
           remedy = ?, updated_at = ? WHERE booking_id = ? AND provider = ?`,
      )
      .run(
        outcome.status,
        booked?.externalId ?? null,
        JSON.stringify(booked ? { join_url: booked.joinUrl, links: booked.links, has_passcode: Boolean(booked.passcode) } : {}),
        error?.code ?? null,
        error?.message ?? null,
        error?.remedy ?? ('remedy' in outcome ? outcome.remedy : null),
        new Date().toISOString(),
        bookingId,
        outcome.provider,
      );
  }

  recordEmail(bookingId: string, outcome: EmailOutcome): void {
    statement(this.db, 'UPDATE bookings SET email_status = ?, email_id = ?, email_error = ?, updated_at = ? WHERE id = ?')
      .run(
        outcome.status,
        outcome.status === 'sent' ? outcome.id : null,
        outcome.status === 'failed' ? outcome.error.message : outcome.status === 'sent' ? null : outcome.status === 'skipped' ? outcome.reason : outcome.remedy,
        new Date().toISOString(),
        bookingId,
      );
  }

  finish(bookingId: string, status: BookingStatus): void {
    statement(this.db, 'UPDATE bookings SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date().toISOString(), bookingId);
  }

  get(bookingId: string): BookingRecord | undefined {
    const b = statement(this.db, 'SELECT * FROM bookings WHERE id = ?').get(bookingId) as Record<string, unknown> | undefined;
    if (!b) return undefined;
    const results = statement(this.db, 'SELECT * FROM booking_results WHERE booking_id = ? ORDER BY provider')
      .all(bookingId) as Array<Record<string, unknown>>;
    return {
      id: String(b.id),
      status: b.status as BookingStatus,
      customerName: String(b.customer_name),
      customerEmail: String(b.customer_email),
      topic: String(b.topic),
      timezone: String(b.timezone),
      startAt: String(b.start_at),
      endAt: String(b.end_at),
      durationMinutes: Number(b.duration_minutes),
      emailStatus: String(b.email_status),
      emailId: (b.email_id as string | null) ?? null,
      emailError: (b.email_error as string | null) ?? null,
      results: results.map((r) => ({
        provider: String(r.provider),
        status: String(r.status),
        externalId: (r.external_id as string | null) ?? null,
        details: JSON.parse(String(r.details)) as Record<string, unknown>,
        errorCode: (r.error_code as string | null) ?? null,
        errorMessage: (r.error_message as string | null) ?? null,
        remedy: (r.remedy as string | null) ?? null,
      })),
    };
  }
}
