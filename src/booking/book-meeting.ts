// The booking flow: validate the slot, record it, fan out to every provider at once, e-mail the invitee, record the outcome.
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { renderInvite, type BookedEntry } from '../email/invite.js';
import { resend, sendInvite } from '../email/resend.js';
import { longTime, subjectTime } from '../email/when.js';
import { AppError, InputError, ProviderError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecret } from '../log.js';
import { retriedByHttp } from '../http/client.js';
import { backoffMs, withRetries } from '../http/retry.js';
import { connectCommand, reconnectCommand, type MeetingProvider, type ProviderSession } from '../providers/provider.js';
import type { BookingRecord, BookingRepository } from '../storage/bookings.js';
import type { Connection, ConnectionRepository } from '../storage/connections.js';
import { secretAccount, type SecretStore } from '../storage/secret-store.js';
import { singleLine, truncate } from '../text.js';
import { bookingKey, keyLifetimeMs, requestHash, type CallIdentity } from './idempotency.js';
import { isAlive, thisProcess } from './owner.js';
import { recordedEmail, recordedMeeting, recordedOutcomes } from './recorded.js';
import { resolveSlot } from './slot.js';
import type {
  BookedMeeting,
  BookingStatus,
  EmailOutcome,
  Meeting,
  ProviderFailure,
  ProviderOutcome,
} from '../meeting.js';

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
  /** Absent when nothing was attempted (no provider connected), so nothing was recorded. */
  bookingId: string | undefined;
  status: BookingStatus;
  meeting: Meeting;
  providers: ProviderOutcome[];
  email: EmailOutcome;
  /** Things the agent should tell the user (an ambiguous time that was resolved, ...). */
  notes: string[];
  repeat?: Repeat;
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

/** Failures after which the provider may have made the meeting anyway: a repeat looks for it before making another. */
const uncertainCodes: ReadonlySet<string> = new Set([
  'timeout',
  'network_error',
  'provider_unavailable',
  'internal_error',
  'outcome_unknown',
]);

/**
 * Failures worth another try within the same call (after a backoff, and only after looking for what the failed try may
 * have made): the network or the provider's servers, not our request. A timeout has used the call's budget already.
 */
const transientCodes: ReadonlySet<string> = new Set(['network_error', 'provider_unavailable']);

interface Attempt {
  provider: MeetingProvider;
  connection: Connection;
  /** The earlier call's request may have made the meeting: look for it first. */
  lookFirst: boolean;
}

interface Call {
  identity: CallIdentity;
  key: string;
  requestHash: string;
  byAgent: boolean;
  wanted: readonly MeetingProvider[];
  notes: string[];
  now: DateTime;
}

/** Books one meeting in every chosen provider concurrently; one provider's failure never hides the others. */
export class BookingService {
  readonly #sessions = new Map<string, { updatedAt: string; session: ProviderSession }>();
  /** One call at a time per booking key: the same call made ten times at once books once, and the others repeat it. */
  readonly #turns = new Map<string, Promise<unknown>>();
  /** Resend's key, kept like a session: for as long as its connection is unchanged (a keychain read per e-mail is slow). */
  #resendKey: { updatedAt: string; value: string } | undefined;

  constructor(private readonly deps: BookingDeps) {}

  /** @param onProgress called as each provider finishes, with the number of providers attempted */
  async book(
    request: BookRequest,
    onProgress?: (outcome: ProviderOutcome, total: number) => void,
  ): Promise<BookingResult> {
    const { config } = this.deps;
    const now = this.deps.now?.() ?? DateTime.now();
    const timezone = request.timezone ?? config.defaultTimezone;
    const slot = resolveSlot(
      { date: request.date, time: request.time, timezone, durationMinutes: request.durationMinutes },
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
      timezone,
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
    };
    return this.#inTurn(call.key, () => this.#bookOnce(call, slot.end, onProgress));
  }

  async #inTurn<T>(key: string, run: () => Promise<T>): Promise<T> {
    const mine = (this.#turns.get(key) ?? Promise.resolve()).then(run);
    const settled = mine.catch(() => undefined);
    this.#turns.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.#turns.get(key) === settled) this.#turns.delete(key);
    }
  }

  async #bookOnce(
    call: Call,
    end: DateTime,
    onProgress?: (outcome: ProviderOutcome, total: number) => void,
  ): Promise<BookingResult> {
    const { connections, bookings, log } = this.deps;
    const lapsedBefore = call.now.minus({ milliseconds: keyLifetimeMs }).toUTC().toISO() ?? '';
    const existing = bookings.findByKey(call.key, lapsedBefore);
    if (existing) return this.#repeat(existing, call, onProgress);

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
      const unusable = this.#unusable(provider, connection);
      if (unusable) outcomes.set(provider.id, unusable);
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
    if (
      !bookings.createPending(
        meeting,
        attempted.map((a) => a.provider.id),
        [...outcomes.values()],
        identityRow,
        { createdAt, lapsedBefore },
      )
    ) {
      // Another process recorded the same call a moment ago: this one repeats it.
      const holder = bookings.findByKey(call.key, lapsedBefore);
      if (holder) return this.#repeat(holder, call, onProgress);
      throw new AppError(
        'storage_failed',
        'the booking could not be recorded: its key is held by a booking that cannot be read',
        { hint: 'retry the call' },
      );
    }
    log.info('booking started', { booking: meeting.bookingId, providers: attempted.map((a) => a.provider.id) });

    const trouble = new Set<string>();
    const finished = this.#run(meeting, attempted, outcomes, trouble, onProgress);
    // The e-mail's and the answer's times depend on the meeting alone: format them while the providers are answering
    // (once every request is on its way), not on the critical path after the last one.
    setImmediate(() => longTime(meeting) && subjectTime(meeting));
    await finished;

    const ordered = this.#ordered(call.wanted, outcomes);
    const booked = this.#bookedEntries(ordered);
    const email = await this.#email(meeting, booked, createdAt, false);
    this.#keep(trouble, () =>
      bookings.recordEmail(
        meeting.bookingId,
        email,
        booked.map((b) => b.id),
      ),
    );
    const status = statusOf(ordered, booked.length);
    this.#keep(trouble, () => bookings.finish(meeting.bookingId, status));
    return {
      bookingId: meeting.bookingId,
      status,
      meeting,
      providers: ordered,
      email,
      notes: [...call.notes, ...trouble],
    };
  }

  /**
   * The same call again: the recorded result, with only what had not been booked tried again (looking first for what an
   * interrupted request may have made), and an e-mail only where the invitee lacks one listing every booked provider.
   */
  async #repeat(
    record: BookingRecord,
    call: Call,
    onProgress?: (outcome: ProviderOutcome, total: number) => void,
  ): Promise<BookingResult> {
    const { connections, bookings } = this.deps;
    if (call.byAgent && record.requestHash !== call.requestHash) {
      throw new InputError(
        'idempotency_key',
        `was already used, at ${record.createdAt}, for another booking (${record.id}) with other details`,
        'give a new idempotency_key for a new booking, or repeat the earlier call exactly to get its result',
      );
    }
    // As first booked, but with a phone given now (a provider asked for one): the providers tried again get it.
    const phone = call.identity.customerPhone ?? record.customerPhone ?? undefined;
    const meeting: Meeting = { ...recordedMeeting(record), ...(phone ? { customerPhone: phone } : {}) };
    const recorded = recordedOutcomes(record);
    // A live owner is another server process making these calls right now (this process's own are waited for in turn).
    const underWay = record.owner !== null && record.owner !== thisProcess && isAlive(record.owner);
    const outcomes = new Map<string, ProviderOutcome>();
    const retry: Attempt[] = [];
    let elsewhere = false;
    for (const provider of call.wanted) {
      const before = recorded.get(provider.id);
      if (before?.status === 'booked') {
        outcomes.set(provider.id, before);
        continue;
      }
      if (before?.status === 'pending' && underWay) {
        elsewhere = true;
        outcomes.set(provider.id, {
          provider: provider.id,
          status: 'failed',
          error: {
            code: 'in_progress',
            message: `another alsatalk-mcp process is booking this in ${provider.displayName} right now`,
            remedy: 'wait a minute, then repeat the same call to get its result',
          },
        });
        continue;
      }
      const connection = connections.get(provider.id);
      const unusable = this.#unusable(provider, connection);
      if (unusable) outcomes.set(provider.id, unusable);
      else if (connection)
        retry.push({
          provider,
          connection,
          lookFirst:
            before?.status === 'pending' || (before?.status === 'failed' && uncertainCodes.has(before.error.code)),
        });
    }
    const notes = [...call.notes];
    if (!call.byAgent && (record.topic !== call.identity.topic || record.customerName !== call.identity.customerName)) {
      notes.push(
        `The same invitee, start, length and providers were booked at ${record.createdAt} as "${record.topic}" for ${record.customerName}; that booking is returned. To book another meeting at the same time, pass a new idempotency_key.`,
      );
    }
    const trouble = new Set<string>();
    if (retry.length > 0) {
      bookings.reopen(
        record.id,
        thisProcess,
        retry.map((r) => r.provider.id),
        phone,
      );
      await this.#run(meeting, retry, outcomes, trouble, onProgress);
    }

    const ordered = this.#ordered(call.wanted, outcomes);
    const booked = this.#bookedEntries(ordered);
    const covered = record.emailStatus === 'sent' && booked.every((b) => record.emailCovers.includes(b.id));
    let email: EmailOutcome;
    let emailed = false;
    if (booked.length === 0) {
      email = { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' };
    } else if (covered) {
      email = recordedEmail(record) ?? {
        status: 'skipped',
        reason: 'the invitee already has an e-mail listing every booked provider',
      };
    } else if (elsewhere) {
      // The process still booking sends the e-mail once it is done: one now, listing only part, would be a second one.
      email = {
        status: 'skipped',
        reason: 'another alsatalk-mcp process is still booking this meeting and e-mails the invitee when it is done',
      };
    } else {
      email = await this.#email(meeting, booked, record.createdAt, record.emailStatus === 'sent');
      emailed = email.status === 'sent';
      const sent = email;
      this.#keep(trouble, () =>
        bookings.recordEmail(
          record.id,
          sent,
          booked.map((b) => b.id),
        ),
      );
    }
    const status = statusOf(ordered, booked.length);
    // A pure replay writes nothing.
    if (!underWay && (retry.length > 0 || !covered)) this.#keep(trouble, () => bookings.finish(record.id, status));
    return {
      bookingId: record.id,
      status,
      meeting,
      providers: ordered,
      email,
      notes: [...notes, ...trouble],
      repeat: { firstCalledAt: record.createdAt, retried: retry.map((r) => r.provider.id), emailed },
    };
  }

  /** Why a provider cannot be called now, or undefined when it can. */
  #unusable(provider: MeetingProvider, connection: Connection | undefined): ProviderOutcome | undefined {
    if (!connection)
      return {
        provider: provider.id,
        status: 'not_connected',
        remedy: `connect ${provider.displayName}: ${connectCommand(provider.id)}`,
      };
    if (connection.status === 'needs_reauth') {
      return {
        provider: provider.id,
        status: 'needs_reauth',
        remedy: `reconnect ${provider.displayName}: ${reconnectCommand(provider, connection.settings)} (it refused the stored credentials)`,
      };
    }
    return undefined;
  }

  /**
   * A write made after a provider acted. If it fails (the database locked by another process past its busy timeout,
   * the disk full), what the provider did is still returned, never hidden behind a storage error: the booking's row
   * keeps that provider `pending`, so a repeat looks before booking again, and the e-mail keeps its idempotency key.
   */
  #keep(trouble: Set<string>, write: () => void): void {
    try {
      write();
    } catch (error) {
      const cause = toAppError(error);
      this.deps.log.warn('a booking outcome could not be recorded', { error: cause.message });
      trouble.add(
        `Part of this result could not be recorded (${cause.message}${cause.hint ? `: ${cause.hint}` : ''}). What it shows did happen; repeating the same call is safe: it looks in each provider before booking again and sends no second e-mail.`,
      );
    }
  }

  /** Calls every attempt at once, committing each outcome as it arrives. */
  async #run(
    meeting: Meeting,
    attempts: readonly Attempt[],
    outcomes: Map<string, ProviderOutcome>,
    trouble: Set<string>,
    onProgress?: (outcome: ProviderOutcome, total: number) => void,
  ): Promise<void> {
    const { connections, bookings, log } = this.deps;
    await Promise.all(
      attempts.map(async ({ provider, connection, lookFirst }) => {
        const outcome = await this.#bookOne(provider, connection, meeting, lookFirst);
        outcomes.set(provider.id, outcome);
        this.#keep(trouble, () => {
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

  #ordered(wanted: readonly MeetingProvider[], outcomes: ReadonlyMap<string, ProviderOutcome>): ProviderOutcome[] {
    return wanted.map((p) => outcomes.get(p.id)).filter((o): o is ProviderOutcome => o !== undefined);
  }

  #bookedEntries(ordered: readonly ProviderOutcome[]): Array<BookedEntry & { id: string }> {
    return ordered.flatMap((o) =>
      o.status === 'booked' ? [{ id: o.provider, provider: this.#displayName(o.provider), meeting: o.meeting }] : [],
    );
  }

  async #bookOne(
    provider: MeetingProvider,
    connection: Connection,
    meeting: Meeting,
    lookFirst: boolean,
  ): Promise<ProviderOutcome> {
    const remedy = `retry, or reconnect ${provider.displayName}: ${connectCommand(provider.id)}`;
    const timeoutMs = this.deps.config.providerTimeoutMs;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const session = this.#session(provider, connection);
      let failed: unknown;
      // A create is tried again only after looking for what the failed try may have made: a 5xx or a dropped
      // connection does not say whether Zoom, Calendly or Zoho made the meeting. Where the provider cannot be
      // searched, the first failure stands (a repeated call then asks the user to look).
      const tryOnce = (attempt: number): Promise<BookedMeeting> =>
        attempt === 0 && !lookFirst
          ? session.book(meeting, signal)
          : this.#findOrBook(provider, session, meeting, signal, attempt > 0 ? () => failed : undefined);
      // The timeout bounds the whole chain (token, look-up, create, retries), not only one request.
      const bookedMeeting = await Promise.race([
        withRetries({
          run: tryOnce,
          signal,
          retryAfter: (error, attempt) => {
            failed = error;
            // Not a GET or a token request that http/client.ts retried already: tries would multiply.
            return error instanceof AppError && transientCodes.has(error.code) && !retriedByHttp(error)
              ? backoffMs(attempt)
              : undefined;
          },
        }),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(
              new ProviderError(
                provider.displayName,
                'timeout',
                `${provider.displayName} did not finish within ${timeoutMs} ms`,
                {
                  hint: `repeat the same call: it looks in ${provider.displayName} for this meeting before making another`,
                },
              ),
            ),
          ),
        ),
      ]);
      return { provider: provider.id, status: 'booked', meeting: bookedMeeting };
    } catch (error) {
      if (!(error instanceof AppError))
        this.deps.log.error(`${provider.id}: unexpected error`, { error: String(error) });
      return { provider: provider.id, status: 'failed', error: asFailure(error, remedy) };
    }
  }

  /**
   * After an interrupted request: the meeting it made, if the provider has it, or a new one; never a second one.
   * @param unsearchable within a call's own retry: the failure to report when the provider cannot be searched
   */
  async #findOrBook(
    provider: MeetingProvider,
    session: ProviderSession,
    meeting: Meeting,
    signal: AbortSignal,
    unsearchable?: () => unknown,
  ): Promise<BookedMeeting> {
    let found: Awaited<ReturnType<ProviderSession['findExisting']>>;
    try {
      found = await session.findExisting(meeting, signal);
    } catch (error) {
      // A look-up refused for good (a missing scope, say) must not be recorded as that refusal alone: the next repeat
      // would then create without looking. outcome_unknown keeps it looking until the meeting is found or ruled out.
      const cause = toAppError(error);
      if (uncertainCodes.has(cause.code)) throw error;
      // Refused credentials will not work for the next booking either (see #run), whatever this one records.
      if (cause.code === 'auth_failed') this.#keep(new Set(), () => this.deps.connections.markNeedsReauth(provider.id));
      throw new ProviderError(
        provider.displayName,
        'outcome_unknown',
        `${provider.displayName} may already have this meeting (an earlier try was cut off), and looking for it failed: ${cause.message}`,
        {
          ...(cause.hint ? { hint: cause.hint } : {}),
          cause: error,
        },
      );
    }
    if (found === 'cannot_search') {
      if (unsearchable) throw unsearchable();
      throw new ProviderError(
        provider.displayName,
        'outcome_unknown',
        `the earlier call to ${provider.displayName} was cut off before its answer was recorded, and ${provider.displayName} cannot be searched for the meeting it may have made`,
        {
          hint: `look in ${provider.displayName} for a meeting on ${subjectTime(meeting)} with ${meeting.customerEmail}; if there is none, book again with a new idempotency_key`,
        },
      );
    }
    if (!found) return session.book(meeting, signal);
    const note = `An earlier try had made this meeting before its answer was lost; it was found in ${provider.displayName}, and nothing new was created.`;
    return { ...found, note: found.note ? `${found.note} ${note}` : note };
  }

  /** Sessions live as long as their connection is unchanged, so a token is shared by concurrent bookings. */
  #session(provider: MeetingProvider, connection: Connection): ProviderSession {
    const cached = this.#sessions.get(provider.id);
    if (cached && cached.updatedAt === connection.updatedAt) return cached.session;
    const session = provider.openSession({
      settings: connection.settings,
      endpoints: this.deps.config.endpoints[provider.id] ?? {},
      timeoutMs: this.deps.config.providerTimeoutMs,
      log: this.deps.log,
      secret: (key) => this.#secret(provider.id, provider.displayName, key),
      saveSecret: async (key, value) => {
        registerSecret(value);
        await this.deps.secrets.set(secretAccount(provider.id, key), value);
      },
      recordToken: (token) =>
        this.deps.connections.recordToken(provider.id, {
          expiresAt: new Date(token.expiresAt).toISOString(),
          scopes: token.scopes,
        }),
    });
    this.#sessions.set(provider.id, { updatedAt: connection.updatedAt, session });
    return session;
  }

  async #secret(connectorId: string, displayName: string, key: string): Promise<string> {
    const value = await this.deps.secrets.get(secretAccount(connectorId, key));
    if (value === null) {
      throw new ProviderError(
        displayName,
        'not_connected',
        `the ${displayName} credentials are missing from the ${this.deps.secrets.label}`,
        {
          hint: `connect ${displayName} again: ${connectCommand(connectorId)}`,
        },
      );
    }
    registerSecret(value);
    return value;
  }

  /**
   * @param stamp when the booking was first made: the .ics DTSTAMP, so that the same e-mail renders byte for byte the
   *   same on a repeat, and Resend's idempotency key (kept 24 h) answers it without sending twice
   * @param update an earlier e-mail listed fewer providers: this one says it replaces it
   */
  async #email(
    meeting: Meeting,
    booked: ReadonlyArray<BookedEntry & { id: string }>,
    stamp: string,
    update: boolean,
  ): Promise<EmailOutcome> {
    if (booked.length === 0) return { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' };
    const connection = this.deps.connections.get(resend.id);
    if (!connection)
      return { status: 'not_connected', remedy: `connect Resend to e-mail invitees: ${connectCommand(resend.id)}` };
    try {
      if (this.#resendKey?.updatedAt !== connection.updatedAt) {
        this.#resendKey = {
          updatedAt: connection.updatedAt,
          value: await this.#secret(resend.id, resend.displayName, 'api_key'),
        };
      }
      const id = await sendInvite({
        apiKey: this.#resendKey.value,
        baseUrl: this.deps.config.endpoints[resend.id]?.api ?? 'https://api.resend.com',
        settings: connection.settings,
        to: meeting.customerEmail,
        invite: renderInvite(meeting, booked, { now: new Date(stamp), update }),
        // One key per set of providers listed: a repeat of the same e-mail is answered, never sent twice; an update is new.
        idempotencyKey: `alsatalk-${meeting.bookingId}-${booked.map((b) => b.id).join('-')}`,
        // A hanging Resend is cut off like a hanging provider; the booking is recorded either way.
        signal: AbortSignal.timeout(this.deps.config.providerTimeoutMs),
      });
      // Sent is sent: a locked database must not turn it into a failure (the booking's own write says so, see #keep).
      this.#keep(new Set(), () => this.deps.connections.markUsed(resend.id));
      return { status: 'sent', id, to: meeting.customerEmail };
    } catch (error) {
      return { status: 'failed', error: asFailure(error, `retry, or reconnect Resend: ${connectCommand(resend.id)}`) };
    }
  }

  #displayName(providerId: string): string {
    return this.deps.providers.find((p) => p.id === providerId)?.displayName ?? providerId;
  }
}

function statusOf(ordered: readonly ProviderOutcome[], booked: number): BookingStatus {
  const attempted = ordered.filter((o) => o.status === 'booked' || o.status === 'failed').length;
  return booked === 0 ? 'failed' : booked === attempted ? 'booked' : 'partial';
}
