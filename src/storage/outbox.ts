// The e-mail outbox: every invitation is a row here before it is sent, and leaves only with its outcome, which is
// written to its booking in the same transaction. Rows are claimed with an owner and a lease, so two processes on one
// data folder never send the same e-mail at the same moment (Resend's idempotency key is the second guard).
import type { EmailOutcome, ProviderFailure } from '../meeting.js';
import type { BookingRepository } from './bookings.js';
import type { OperationRepository } from './operations.js';
import { statement, type Db } from './database.js';

/** One e-mail waiting to be sent, in the outbox's own terms: its content is an opaque, self-contained text. */
export interface OutboxEntry {
  /** Resend's idempotency key: one per booking and set of providers listed. */
  key: string;
  bookingId: string;
  /** Everything needed to render the same e-mail again, byte for byte (email/outbox-invitation.ts). */
  invitation: string;
  /** The providers it lists. */
  covers: string[];
  /** When it was recorded: the outbox's order. */
  createdAt: string;
  /** Epoch ms: past it, the e-mail is no longer sent (the meeting has started, or Resend's key has lapsed). */
  expiresAt: number;
  /** Epoch ms: the next try starts no earlier. */
  nextAt: number;
  /** Set: it waits for a fix (a new Resend key or sender), tried again once the connection's stamp is not this one. */
  heldFor: string | null;
  attempts: number;
  owner: string | null;
  leaseUntil: number;
  /** What the last try answered. */
  last: ProviderFailure | null;
}

export interface NewEntry {
  key: string;
  bookingId: string;
  invitation: string;
  covers: readonly string[];
  expiresAt: number;
}

export interface Claim {
  owner: string;
  now: number;
  leaseMs: number;
  /** The mailer connection's stamp now (its updated_at); undefined: not connected. */
  stamp: string | undefined;
  /** Whether a lease's owner may still be sending (a dead one's lease is taken at once). */
  isAlive(owner: string): boolean;
  /** Only this entry (a booking call's own e-mail); else the first one due. */
  key?: string;
}

type Row = Record<string, unknown>;

const toEntry = (r: Row): OutboxEntry => ({
  key: String(r.idempotency_key),
  bookingId: String(r.booking_id),
  invitation: String(r.invitation),
  covers: JSON.parse(String(r.covers)) as string[],
  createdAt: String(r.created_at),
  expiresAt: Number(r.expires_at),
  nextAt: Number(r.next_at),
  heldFor: (r.held_for as string | null) ?? null,
  attempts: Number(r.attempts),
  owner: (r.owner as string | null) ?? null,
  leaseUntil: Number(r.lease_until),
  last: r.last_code
    ? { code: String(r.last_code), message: String(r.last_message ?? ''), remedy: String(r.last_remedy ?? '') }
    : null,
});

/** Reads and writes `email_outbox`, and the e-mail columns of its bookings. */
export class OutboxRepository {
  readonly #claim: (claim: Claim) => OutboxEntry | undefined;

  constructor(
    private readonly db: Db,
    private readonly bookings: BookingRepository,
    private readonly operations: OperationRepository,
  ) {
    // IMMEDIATE: the write lock is taken before the read, so two processes never claim the same row.
    const claim = db.transaction((c: Claim): OutboxEntry | undefined => {
      const rows = (
        c.key === undefined
          ? statement(db, 'SELECT * FROM email_outbox WHERE next_at <= ? ORDER BY next_at, created_at LIMIT 20').all(
              c.now,
            )
          : statement(db, 'SELECT * FROM email_outbox WHERE next_at <= ? AND idempotency_key = ?').all(c.now, c.key)
      ) as Row[];
      const entry = rows
        .map(toEntry)
        .find(
          (e) =>
            (e.heldFor === null || (c.stamp !== undefined && c.stamp !== e.heldFor)) &&
            (e.owner === null || e.leaseUntil <= c.now || (e.owner !== c.owner && !c.isAlive(e.owner))),
        );
      if (!entry) return undefined;
      statement(
        db,
        'UPDATE email_outbox SET owner = ?, lease_until = ?, attempts = attempts + 1 WHERE idempotency_key = ?',
      ).run(c.owner, c.now + c.leaseMs, entry.key);
      return { ...entry, owner: c.owner, leaseUntil: c.now + c.leaseMs, attempts: entry.attempts + 1 };
    });
    this.#claim = (c) => claim.immediate(c);
  }

  /**
   * Records the e-mail before it is sent; the same key again (a repeat of the call) keeps the row it has, due now. Older e-mails
   * of the same booking that nobody is sending are replaced: this one lists every provider they listed and more.
   * @returns the entry as stored
   */
  enqueue(entry: NewEntry, now: number): OutboxEntry {
    return this.db.transaction(() => {
      statement(
        this.db,
        'DELETE FROM email_outbox WHERE booking_id = ? AND idempotency_key != ? AND (owner IS NULL OR lease_until <= ?)',
      ).run(entry.bookingId, entry.key, now);
      statement(
        this.db,
        `INSERT INTO email_outbox (idempotency_key, booking_id, invitation, covers, created_at, expires_at, next_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (idempotency_key) DO UPDATE SET next_at = MIN(next_at, excluded.next_at)`,
      ).run(
        entry.key,
        entry.bookingId,
        entry.invitation,
        JSON.stringify(entry.covers),
        new Date(now).toISOString(),
        entry.expiresAt,
        now,
      );
      statement(
        this.db,
        "UPDATE bookings SET email_status = 'queued', email_error = NULL, updated_at = ? WHERE id = ?",
      ).run(new Date(now).toISOString(), entry.bookingId);
      return this.get(entry.key) as OutboxEntry;
    })();
  }

  /** Takes the first entry that is due and nobody is sending, for `leaseMs`; undefined when there is none. */
  claim(claim: Claim): OutboxEntry | undefined {
    return this.#claim(claim);
  }

  /** Gives a claimed entry back, to be tried again at `nextAt` (or, `heldFor` set, once the connection changes). */
  retryLater(key: string, owner: string, retry: { nextAt: number; heldFor?: string; last: ProviderFailure }): void {
    statement(
      this.db,
      `UPDATE email_outbox SET owner = NULL, lease_until = 0, next_at = ?, held_for = ?, last_code = ?, last_message = ?,
         last_remedy = ? WHERE idempotency_key = ? AND owner = ?`,
    ).run(retry.nextAt, retry.heldFor ?? null, retry.last.code, retry.last.message, retry.last.remedy, key, owner);
  }

  /** The e-mail leaves the outbox with its outcome, written to its booking in the same transaction. */
  finish(entry: Pick<OutboxEntry, 'key' | 'bookingId' | 'covers'>, outcome: EmailOutcome): void {
    this.db.transaction(() => {
      statement(this.db, 'DELETE FROM email_outbox WHERE idempotency_key = ?').run(entry.key);
      this.bookings.recordEmail(entry.bookingId, outcome, entry.covers);
      // A change's e-mail (a cancellation) is its operation's too: a repeat of the change then sees it sent.
      this.operations.recordEmailByKey(entry.key, outcome);
    })();
  }

  get(key: string): OutboxEntry | undefined {
    const row = statement(this.db, 'SELECT * FROM email_outbox WHERE idempotency_key = ?').get(key) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** How many e-mails wait ahead of `key` (recorded before it, not held for a fix). */
  ahead(key: string): number {
    const row = statement(
      this.db,
      `SELECT COUNT(*) AS n FROM email_outbox WHERE held_for IS NULL AND idempotency_key != ?
         AND created_at <= (SELECT created_at FROM email_outbox WHERE idempotency_key = ?)`,
    ).get(key, key) as { n: number };
    return row.n;
  }

  /** A booking's e-mail as its row records it (an entry another process finished: what it left). */
  recorded(bookingId: string): { status: string; id: string | null; error: string | null } | undefined {
    return statement(
      this.db,
      'SELECT email_status AS status, email_id AS id, email_error AS error FROM bookings WHERE id = ?',
    ).get(bookingId) as { status: string; id: string | null; error: string | null } | undefined;
  }

  /** How many e-mails are in the outbox. */
  waiting(): number {
    return (statement(this.db, 'SELECT COUNT(*) AS n FROM email_outbox').get() as { n: number }).n;
  }

  /** When the earliest entry not held for a fix is due (epoch ms); undefined when there is none. */
  nextDue(): number | undefined {
    const row = statement(this.db, 'SELECT MIN(next_at) AS at FROM email_outbox WHERE held_for IS NULL').get() as {
      at: number | null;
    };
    return row.at ?? undefined;
  }
}
