// What a booking call shares between its first run and its repeats: the call's identity, the service's parts, and the
// fan-out that records each provider's outcome as it arrives.
import type { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { Connections } from '../connections/connections.js';
import { toAppError } from '../errors.js';
import type { BookedEntry, Mailer } from '../email/mailer.js';
import type { Logger } from '../log.js';
import type { BookingStatus, EmailOutcome, Meeting, ProviderOutcome } from '../meeting.js';
import type { MeetingProvider } from '../providers/provider.js';
import type { BookingRepository } from '../storage/bookings.js';
import type { Attempt, ProviderAttempts } from './attempt.js';
import type { ConflictReport } from './conflict.js';
import type { CallIdentity } from './idempotency.js';

export interface BookingDeps {
  config: Pick<Config, 'defaultTimezone' | 'providerTimeoutMs'>;
  providers: readonly MeetingProvider[];
  connections: Connections;
  bookings: BookingRepository;
  mailer: Mailer;
  log: Logger;
  now?: () => DateTime;
}

/** Set when the call repeated an earlier one (same key, within its 24 hours). */
export interface Repeat {
  firstCalledAt: string;
  /** Providers called again, because the earlier call had not booked them; empty when nothing was retried. */
  retried: string[];
  /** Whether an e-mail went out this time (one the earlier call never sent, or an update listing what this call added). */
  emailed: boolean;
}

export interface BookingResult {
  /** Absent when nothing was attempted (no provider connected) or the host was busy, so nothing was recorded. */
  bookingId: string | undefined;
  /** `conflict`: the host is busy then in a connected calendar, and nothing was created (see `conflict`). */
  status: BookingStatus | 'conflict';
  meeting: Meeting;
  providers: ProviderOutcome[];
  email: EmailOutcome;
  /** Things the agent should tell the user (an ambiguous time that was resolved, ...). */
  notes: string[];
  repeat?: Repeat;
  /** Where the host is busy at that time, with the nearest free slots (a conflict), or booked anyway (allow_conflict). */
  conflict?: ConflictReport;
}

export type OnProgress = (outcome: ProviderOutcome, total: number) => void;

/** Told when the invitee's e-mail waits in the outbox (behind others, or to be tried again), as a line to show. */
export type OnEmailQueued = (message: string) => void;

/** One book_meeting call, validated: who and when, the key that makes it the same booking, what it asked for. */
export interface Call {
  identity: CallIdentity;
  key: string;
  requestHash: string;
  byAgent: boolean;
  wanted: readonly MeetingProvider[];
  notes: string[];
  now: DateTime;
  /** Book even when the host is busy then. */
  allowConflict: boolean;
}

/** A call's running state: the service's parts, and the notes of writes that failed after a provider acted. */
export class Flow {
  readonly trouble = new Set<string>();

  constructor(
    readonly deps: BookingDeps,
    readonly attempts: ProviderAttempts,
  ) {}

  /**
   * A write made after a provider acted. If it fails (the database locked by another process past its busy timeout,
   * the disk full), what the provider did is still returned, never hidden behind a storage error: the booking's row
   * keeps that provider `pending`, so a repeat looks before booking again, and the e-mail keeps its idempotency key.
   */
  keep(write: () => void): void {
    try {
      write();
    } catch (error) {
      const cause = toAppError(error);
      this.deps.log.warn('a booking outcome could not be recorded', { error: cause.message });
      this.trouble.add(
        `Part of this result could not be recorded (${cause.message}${cause.hint ? `: ${cause.hint}` : ''}). What it shows did happen; repeating the same call is safe: it looks in each provider before booking again and sends no second e-mail.`,
      );
    }
  }

  /**
   * Lets each booked provider that keeps an event for the host list the others' links in it (Microsoft 365's Outlook
   * event), all at once; a failure is a note, the meetings stand. Nothing to do with one provider booked.
   */
  async annotate(meeting: Meeting, booked: readonly BookedEntry[], notes: string[]): Promise<void> {
    if (booked.length < 2) return;
    await Promise.all(
      booked.map(async (entry) => {
        const provider = this.deps.providers.find((p) => p.id === entry.id);
        const connection = this.deps.connections.get(entry.id);
        if (!provider || !connection) return;
        const others = booked
          .filter((b) => b.id !== entry.id)
          .flatMap((b) => b.meeting.links.map((l) => ({ provider: b.provider, label: l.label, url: l.url })));
        if (others.length === 0) return;
        const outcome = await this.attempts.change(
          provider,
          connection,
          (session, signal) =>
            session.annotate?.({ meeting, booked: entry.meeting }, others, signal) ?? Promise.resolve(),
          'nothing to repeat: the meeting is booked',
        );
        if (!outcome.ok)
          notes.push(
            `${provider.displayName}'s event does not list the other providers' links (${outcome.error.message}); the invitee's e-mail has every link.`,
          );
      }),
    );
  }

  /** Calls every attempt at once, committing each outcome as it arrives. */
  async run(
    meeting: Meeting,
    attempts: readonly Attempt[],
    outcomes: Map<string, ProviderOutcome>,
    onProgress?: OnProgress,
  ): Promise<void> {
    const { connections, bookings, log } = this.deps;
    await Promise.all(
      attempts.map(async (attempt) => {
        const { provider } = attempt;
        const outcome = await this.attempts.book(attempt, meeting);
        outcomes.set(provider.id, outcome);
        this.keep(() => {
          bookings.recordProvider(meeting.bookingId, outcome);
          if (outcome.status === 'booked') connections.markUsed(provider.id);
          // Refused credentials will not work on the next call either: skip the provider until it is reconnected.
          if (outcome.status === 'failed' && outcome.error.code === 'auth_failed')
            connections.markNeedsReauth(provider.id);
        });
        log.info(`${provider.id}: ${outcome.status}`, { booking: meeting.bookingId });
        onProgress?.(outcome, attempts.length);
      }),
    );
  }
}
