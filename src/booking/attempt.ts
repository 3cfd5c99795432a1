// One provider's part of a booking: its session (shared while the connection is unchanged), the create with retries
// under one time limit, and, after an interrupted try, a look for what that try made before making another.
import type { Connections } from '../connections/connections.js';
import { subjectTime } from '../email/when.js';
import { AppError, ProviderError, toAppError } from '../errors.js';
import { retriedByHttp } from '../http/client.js';
import { backoffMs, withRetries } from '../http/retry.js';
import type { Logger } from '../log.js';
import type { BookedMeeting, Meeting, ProviderFailure, ProviderOutcome } from '../meeting.js';
import { connectCommand, type CreateGate, type MeetingProvider, type ProviderSession } from '../providers/provider.js';
import type { Connection } from '../storage/connections.js';
import { asFailure, uncertainCodes } from './outcomes.js';
import { timeLimit } from '../time-limit.js';

/**
 * Failures worth another try within the same call (after a backoff, and only after looking for what the failed try may
 * have made): the network or the provider's servers, not our request. A timeout has used the call's budget already.
 */
const transientCodes: ReadonlySet<string> = new Set(['network_error', 'provider_unavailable']);

export interface Attempt {
  provider: MeetingProvider;
  connection: Connection;
  /** The earlier call's request may have made the meeting: look for it first. */
  lookFirst: boolean;
  /** Awaited before anything is created (the conflict check); absent: create at once. */
  gate?: CreateGate;
}

export interface AttemptsDeps {
  connections: Connections;
  timeoutMs: number;
  log: Logger;
}

/** Books a meeting in one provider at a time; every outcome is a value, never a throw. */
export class ProviderAttempts {
  readonly #sessions = new Map<string, { updatedAt: string; session: ProviderSession }>();

  constructor(private readonly deps: AttemptsDeps) {}

  async book({ provider, connection, lookFirst, gate }: Attempt, meeting: Meeting): Promise<ProviderOutcome> {
    const remedy = `retry, or reconnect ${provider.displayName}: ${connectCommand(provider.id)}`;
    const { timeoutMs } = this.deps;
    const limit = timeLimit(timeoutMs);
    const { signal } = limit;
    let onTimeout: (() => void) | undefined;
    try {
      const session = this.session(provider, connection);
      let failed: unknown;
      // A create is tried again only after looking for what the failed try may have made: a 5xx or a dropped
      // connection does not say whether Zoom, Calendly or Zoho made the meeting. Where the provider cannot be
      // searched, the first failure stands (a repeated call then asks the user to look).
      const tryOnce = (attempt: number): Promise<BookedMeeting> =>
        attempt === 0 && !lookFirst
          ? session.book(meeting, signal, gate)
          : this.#findOrBook(provider, session, meeting, signal, gate, attempt > 0 ? () => failed : undefined);
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
        new Promise<never>((_, reject) => {
          onTimeout = () =>
            reject(
              new ProviderError(
                provider.displayName,
                'timeout',
                `${provider.displayName} did not finish within ${timeoutMs} ms`,
                {
                  hint: `repeat the same call: it looks in ${provider.displayName} for this meeting before making another`,
                },
              ),
            );
          signal.addEventListener('abort', onTimeout, { once: true });
        }),
      ]);
      return { provider: provider.id, status: 'booked', meeting: bookedMeeting };
    } catch (error) {
      if (!(error instanceof AppError))
        this.deps.log.error(`${provider.id}: unexpected error`, { error: String(error) });
      return { provider: provider.id, status: 'failed', error: asFailure(error, remedy) };
    } finally {
      limit.clear();
      if (onTimeout) signal.removeEventListener('abort', onTimeout);
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
    gate: CreateGate | undefined,
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
      // Refused credentials will not work for the next booking either, whatever this one records.
      if (cause.code === 'auth_failed') {
        try {
          this.deps.connections.markNeedsReauth(provider.id);
        } catch (write) {
          this.deps.log.warn('a booking outcome could not be recorded', { error: toAppError(write).message });
        }
      }
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
    if (!found) return session.book(meeting, signal, gate);
    const note = `An earlier try had made this meeting before its answer was lost; it was found in ${provider.displayName}, and nothing new was created.`;
    return { ...found, note: found.note ? `${found.note} ${note}` : note };
  }

  /**
   * Runs one change of a booked meeting (a cancel) in one provider, under the same time limit as a create and with a
   * few tries after a network or server failure: a change is safe to send again (one already made answers as done).
   * @param again the hint of a timeout: how to finish the change
   */
  async change<T>(
    provider: MeetingProvider,
    connection: Connection,
    run: (session: ProviderSession, signal: AbortSignal) => Promise<T>,
    again: string,
  ): Promise<{ ok: true; value: T } | { ok: false; error: ProviderFailure }> {
    const { timeoutMs } = this.deps;
    const limit = timeLimit(timeoutMs);
    const { signal } = limit;
    let onTimeout: (() => void) | undefined;
    try {
      const session = this.session(provider, connection);
      const value = await Promise.race([
        withRetries({
          run: () => run(session, signal),
          signal,
          retryAfter: (error, attempt) =>
            error instanceof AppError && transientCodes.has(error.code) && !retriedByHttp(error)
              ? backoffMs(attempt)
              : undefined,
        }),
        new Promise<never>((_, reject) => {
          onTimeout = () =>
            reject(
              new ProviderError(
                provider.displayName,
                'timeout',
                `${provider.displayName} did not answer within ${timeoutMs} ms`,
                { hint: again },
              ),
            );
          signal.addEventListener('abort', onTimeout, { once: true });
        }),
      ]);
      return { ok: true, value };
    } catch (error) {
      if (!(error instanceof AppError))
        this.deps.log.error(`${provider.id}: unexpected error`, { error: String(error) });
      return {
        ok: false,
        error: asFailure(error, `${again}, or reconnect ${provider.displayName}: ${connectCommand(provider.id)}`),
      };
    } finally {
      limit.clear();
      if (onTimeout) signal.removeEventListener('abort', onTimeout);
    }
  }

  /** Sessions live as long as their connection is unchanged, so a token is shared by concurrent bookings and searches. */
  session(provider: MeetingProvider, connection: Connection): ProviderSession {
    const cached = this.#sessions.get(provider.id);
    if (cached && cached.updatedAt === connection.updatedAt) return cached.session;
    const session = provider.openSession(this.deps.connections.session(provider, connection));
    this.#sessions.set(provider.id, { updatedAt: connection.updatedAt, session });
    return session;
  }
}
