// The booking flow: validate the slot, record it, fan out to every provider at once, e-mail the invitee, record the outcome.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { renderInvite, type BookedEntry } from '../email/invite.js';
import { resend, sendInvite } from '../email/resend.js';
import { longTime, subjectTime } from '../email/when.js';
import { AppError, ProviderError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import { connectCommand, reconnectCommand, type MeetingProvider, type ProviderSession } from '../providers/provider.js';
import type { BookingRepository } from '../storage/bookings.js';
import type { Connection, ConnectionRepository } from '../storage/connections.js';
import { secretAccount, type SecretStore } from '../storage/secret-store.js';
import { singleLine, truncate } from '../text.js';
import { resolveSlot } from './slot.js';
import type { BookingStatus, EmailOutcome, Meeting, ProviderFailure, ProviderOutcome } from './types.js';

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
}

export interface BookingResult {
  /** Absent when nothing was attempted (no provider connected), so nothing was recorded. */
  bookingId: string | undefined;
  status: BookingStatus;
  meeting: Meeting;
  providers: ProviderOutcome[];
  email: EmailOutcome;
  /** Things the agent should tell the user (an ambiguous time that was resolved, ...). */
  notes: string[];
}

export interface BookingDeps {
  config: Config;
  providers: readonly MeetingProvider[];
  connections: ConnectionRepository;
  bookings: BookingRepository;
  secrets: SecretStore;
  log: Logger;
  now?: () => DateTime;
}

const asFailure = (error: unknown, fallbackRemedy: string): ProviderFailure => {
  const e = toAppError(error);
  return { code: e.code, message: e.message, remedy: e.hint ?? fallbackRemedy };
};

/** Books one meeting in every chosen provider concurrently; one provider's failure never hides the others. */
export class BookingService {
  readonly #sessions = new Map<string, { updatedAt: string; session: ProviderSession }>();
  /** Resend's key, kept like a session: for as long as its connection is unchanged (a keychain read per e-mail is slow). */
  #resendKey: { updatedAt: string; value: string } | undefined;

  constructor(private readonly deps: BookingDeps) {}

  /** @param onProgress called as each provider finishes, with the number of providers attempted */
  async book(request: BookRequest, onProgress?: (outcome: ProviderOutcome, total: number) => void): Promise<BookingResult> {
    const { config, connections, bookings, log } = this.deps;
    const timezone = request.timezone ?? config.defaultTimezone;
    const slot = resolveSlot(
      { date: request.date, time: request.time, timezone, durationMinutes: request.durationMinutes },
      this.deps.now?.() ?? DateTime.now(),
    );
    const notes = slot.note ? [slot.note] : [];
    const customerName = singleLine(request.customerName);
    const meeting: Meeting = {
      bookingId: randomUUID(),
      customerName,
      customerEmail: request.customerEmail.trim(),
      ...(request.customerPhone ? { customerPhone: request.customerPhone } : {}),
      topic: singleLine(request.topic ?? '') || truncate(`Meeting with ${customerName}`, 200),
      timezone,
      durationMinutes: request.durationMinutes,
      start: slot.start,
      end: slot.end,
    };

    const wanted = this.deps.providers.filter((p) => !request.providers || request.providers.includes(p.id));
    const attempted: Array<{ provider: MeetingProvider; connection: Connection }> = [];
    const outcomes = new Map<string, ProviderOutcome>();
    for (const provider of wanted) {
      const connection = connections.get(provider.id);
      if (!connection) {
        outcomes.set(provider.id, { provider: provider.id, status: 'not_connected', remedy: `connect ${provider.displayName}: ${connectCommand(provider.id)}` });
      } else if (connection.status === 'needs_reauth') {
        outcomes.set(provider.id, { provider: provider.id, status: 'needs_reauth', remedy: `reconnect ${provider.displayName}: ${reconnectCommand(provider, connection.settings)} (it refused the stored credentials)` });
      } else {
        attempted.push({ provider, connection });
      }
    }
    if (attempted.length === 0) {
      return {
        bookingId: undefined,
        status: 'failed',
        meeting,
        providers: [...outcomes.values()],
        email: { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' },
        notes,
      };
    }

    bookings.createPending(meeting, attempted.map((a) => a.provider.id), [...outcomes.values()]);
    log.info('booking started', { booking: meeting.bookingId, providers: attempted.map((a) => a.provider.id) });

    const finished = Promise.all(
      attempted.map(async ({ provider, connection }) => {
        const outcome = await this.#bookOne(provider, connection, meeting);
        outcomes.set(provider.id, outcome);
        bookings.recordProvider(meeting.bookingId, outcome);
        if (outcome.status === 'booked') connections.markUsed(provider.id);
        // Refused credentials will not work on the next call either: skip the provider until it is reconnected.
        if (outcome.status === 'failed' && outcome.error.code === 'auth_failed') connections.markNeedsReauth(provider.id);
        log.info(`${provider.id}: ${outcome.status}`, { booking: meeting.bookingId });
        onProgress?.(outcome, attempted.length);
      }),
    );
    // The e-mail's and the answer's times depend on the meeting alone: format them while the providers are answering
    // (once every request is on its way), not on the critical path after the last one.
    setImmediate(() => longTime(meeting) && subjectTime(meeting));
    await finished;

    const ordered = wanted.map((p) => outcomes.get(p.id)).filter((o): o is ProviderOutcome => o !== undefined);
    const booked: BookedEntry[] = ordered.flatMap((o) =>
      o.status === 'booked' ? [{ provider: this.#displayName(o.provider), meeting: o.meeting }] : [],
    );
    const email = await this.#email(meeting, booked);
    bookings.recordEmail(meeting.bookingId, email);
    const status: BookingStatus = booked.length === 0 ? 'failed' : booked.length === attempted.length ? 'booked' : 'partial';
    bookings.finish(meeting.bookingId, status);
    return { bookingId: meeting.bookingId, status, meeting, providers: ordered, email, notes };
  }

  async #bookOne(provider: MeetingProvider, connection: Connection, meeting: Meeting): Promise<ProviderOutcome> {
    const remedy = `retry, or reconnect ${provider.displayName}: ${connectCommand(provider.id)}`;
    const timeoutMs = this.deps.config.providerTimeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const session = this.#session(provider, connection);
      // The timeout bounds the whole chain (token, create), not only one request.
      const bookedMeeting = await Promise.race([
        session.book(meeting, signal),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(new ProviderError(provider.displayName, 'timeout', `${provider.displayName} did not finish within ${timeoutMs} ms`, {
              hint: `check ${provider.displayName} for a meeting at that time before retrying, so it is not doubled`,
            })),
          ),
        ),
      ]);
      return { provider: provider.id, status: 'booked', meeting: bookedMeeting };
    } catch (error) {
      if (!(error instanceof AppError)) this.deps.log.error(`${provider.id}: unexpected error`, { error: String(error) });
      return { provider: provider.id, status: 'failed', error: asFailure(error, remedy) };
    }
  }

  /** Sessions live as long as their connection is unchanged, so a token is shared by concurrent bookings. */
  #session(provider: MeetingProvider, connection: Connection): ProviderSession {
    const cached = this.#sessions.get(provider.id);
    if (cached && cached.updatedAt === connection.updatedAt) return cached.session;
    const session = provider.openSession({
      connection,
      endpoints: this.deps.config.endpoints[provider.id] ?? {},
      timeoutMs: this.deps.config.providerTimeoutMs,
      log: this.deps.log,
      secret: (key) => this.#secret(provider.id, provider.displayName, key),
      saveSecret: async (key, value) => {
        registerSecret(value);
        await this.deps.secrets.set(secretAccount(provider.id, key), value);
      },
      recordToken: (token) => this.deps.connections.recordToken(provider.id, { expiresAt: new Date(token.expiresAt).toISOString(), scopes: token.scopes }),
    });
    this.#sessions.set(provider.id, { updatedAt: connection.updatedAt, session });
    return session;
  }

  async #secret(connectorId: string, displayName: string, key: string): Promise<string> {
    const value = await this.deps.secrets.get(secretAccount(connectorId, key));
    if (value === null) {
      throw new ProviderError(displayName, 'not_connected', `the ${displayName} credentials are missing from the ${this.deps.secrets.label}`, {
        hint: `connect ${displayName} again: ${connectCommand(connectorId)}`,
      });
    }
    registerSecret(value);
    return value;
  }

  async #email(meeting: Meeting, booked: readonly BookedEntry[]): Promise<EmailOutcome> {
    if (booked.length === 0) return { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' };
    const connection = this.deps.connections.get(resend.id);
    if (!connection) return { status: 'not_connected', remedy: `connect Resend to e-mail invitees: ${connectCommand(resend.id)}` };
    try {
      if (this.#resendKey?.updatedAt !== connection.updatedAt) {
        this.#resendKey = { updatedAt: connection.updatedAt, value: await this.#secret(resend.id, resend.displayName, 'api_key') };
      }
      const id = await sendInvite({
        apiKey: this.#resendKey.value,
        baseUrl: this.deps.config.endpoints[resend.id]?.api ?? 'https://api.resend.com',
        settings: connection.settings,
        to: meeting.customerEmail,
        invite: renderInvite(meeting, booked),
        idempotencyKey: `alsatalk-booking-${meeting.bookingId}`,
      });
      this.deps.connections.markUsed(resend.id);
      return { status: 'sent', id, to: meeting.customerEmail };
    } catch (error) {
      return { status: 'failed', error: asFailure(error, `retry, or reconnect Resend: ${connectCommand(resend.id)}`) };
    }
  }

  #displayName(providerId: string): string {
    return this.deps.providers.find((p) => p.id === providerId)?.displayName ?? providerId;
  }
}
