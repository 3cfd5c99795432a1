// find_available_slots: ask every chosen provider about the range at once (each under the provider time limit, each
// answer or failure a value), then keep the slots all those that answered allow. A provider that could not be asked is
// listed with the reason and the fix, so a partial answer never reads as a complete one.
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import type { Connections } from '../connections/connections.js';
import { AppError, ProviderError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ProviderFailure } from '../meeting.js';
import {
  connectCommand,
  type Availability,
  type AvailabilityQuery,
  type MeetingProvider,
} from '../providers/provider.js';
import { timeLimit } from '../time-limit.js';
import type { ProviderAttempts } from './attempt.js';
import { freeSlots, type FreeSlot, type ProviderAnswer } from './free-slots.js';
import { asFailure, unusable } from './outcomes.js';
import { resolveRange, type SlotRange } from './slot-range.js';

export interface FindRequest {
  dateFrom: string;
  dateTo: string;
  durationMinutes: number;
  timezone?: string | undefined;
  earliestTime?: string | undefined;
  latestTime?: string | undefined;
  /** A subset of provider ids; every registered provider when absent. */
  providers?: readonly string[] | undefined;
  maxResults: number;
}

/** What one provider contributed to a search. */
export type ProviderCheck =
  | {
      provider: string;
      status: 'checked';
      /** `calendar`: its busy blocks removed time; `booking_page`: only its open starts were kept. */
      role: 'calendar' | 'booking_page';
      /** Busy blocks, or open starts, in the range. */
      count: number;
      note?: string;
    }
  | { provider: string; status: 'not_connected'; remedy: string }
  | { provider: string; status: 'no_availability_api'; reason: string }
  | { provider: string; status: 'failed'; error: ProviderFailure };

export interface FindResult {
  range: SlotRange;
  slots: FreeSlot[];
  /** More slots were free than `maxResults`. */
  more: boolean;
  /** Every chosen provider, in the registry's order. */
  providers: ProviderCheck[];
  /** The providers whose answer the slots honour. */
  consulted: string[];
  /** Every chosen provider was consulted. */
  complete: boolean;
}

export interface AvailabilityDeps {
  config: Pick<Config, 'defaultTimezone' | 'providerTimeoutMs'>;
  providers: readonly MeetingProvider[];
  connections: Connections;
  log: Logger;
  now?: () => DateTime;
}

export class AvailabilityService {
  constructor(
    private readonly deps: AvailabilityDeps,
    private readonly attempts: ProviderAttempts,
  ) {}

  async find(request: FindRequest): Promise<FindResult> {
    const { config } = this.deps;
    const now = this.deps.now?.() ?? DateTime.now();
    const range = resolveRange(
      {
        dateFrom: request.dateFrom,
        dateTo: request.dateTo,
        durationMinutes: request.durationMinutes,
        timezone: request.timezone ?? config.defaultTimezone,
        earliestTime: request.earliestTime,
        latestTime: request.latestTime,
      },
      now,
    );
    const wanted = this.deps.providers.filter((p) => !request.providers || request.providers.includes(p.id));
    const query: AvailabilityQuery = {
      from: range.from,
      to: range.to,
      durationMinutes: range.durationMinutes,
      timezone: range.timezone,
      defaultTimezone: config.defaultTimezone,
    };
    const checks = await this.check(wanted, query);
    const answers = checks.flatMap((c) => (c.answer ? [c.answer] : []));
    const consulted = checks.filter((c) => c.answer).map((c) => c.check.provider);
    const { slots, more } =
      consulted.length > 0 ? freeSlots(range, answers, now, request.maxResults) : { slots: [], more: false };
    return {
      range,
      slots,
      more,
      providers: checks.map((c) => c.check),
      consulted,
      complete: consulted.length === wanted.length,
    };
  }

  /**
   * Asks each provider at once; each entry says what it answered, or why it could not.
   * @param timeoutMs each provider's time limit (default: the provider time limit)
   */
  async check(
    wanted: readonly MeetingProvider[],
    query: AvailabilityQuery,
    timeoutMs = this.deps.config.providerTimeoutMs,
  ): Promise<Array<{ check: ProviderCheck; answer?: ProviderAnswer }>> {
    return Promise.all(
      wanted.map(async (provider) => {
        const connection = this.deps.connections.get(provider.id);
        const refused = unusable(provider, connection);
        if (refused || !connection)
          return {
            check: {
              provider: provider.id,
              status: 'not_connected' as const,
              remedy:
                refused && 'remedy' in refused
                  ? refused.remedy
                  : `connect ${provider.displayName}: ${connectCommand(provider.id)}`,
            },
          };
        const limit = timeLimit(timeoutMs);
        try {
          const session = this.attempts.session(provider, connection);
          const answer = await withTimeout(session.availability?.(query, limit.signal), limit.signal, provider);
          return toEntry(provider, answer);
        } catch (error) {
          if (!(error instanceof AppError))
            this.deps.log.error(`${provider.id}: unexpected error`, { error: String(error) });
          if (error instanceof AppError && error.code === 'auth_failed') this.#needsReauth(provider);
          const remedy = `retry, or reconnect ${provider.displayName}: ${connectCommand(provider.id)}`;
          return { check: { provider: provider.id, status: 'failed' as const, error: asFailure(error, remedy) } };
        } finally {
          limit.clear();
        }
      }),
    );
  }

  #needsReauth(provider: MeetingProvider): void {
    try {
      this.deps.connections.markNeedsReauth(provider.id);
    } catch (write) {
      this.deps.log.warn('a connection state could not be recorded', { error: String(write) });
    }
  }
}

function toEntry(
  provider: MeetingProvider,
  answer: Availability | undefined,
): { check: ProviderCheck; answer?: ProviderAnswer } {
  if (!answer || answer.kind === 'unsupported')
    return {
      check: {
        provider: provider.id,
        status: 'no_availability_api',
        reason: answer?.reason ?? `${provider.displayName} offers no API to read availability`,
      },
    };
  const note = answer.note ? { note: answer.note } : {};
  if (answer.kind === 'busy')
    return {
      check: { provider: provider.id, status: 'checked', role: 'calendar', count: answer.busy.length, ...note },
      answer: { busy: answer.busy },
    };
  return {
    check: { provider: provider.id, status: 'checked', role: 'booking_page', count: answer.starts.length, ...note },
    answer: { offered: answer.starts },
  };
}

/** The provider's answer, or a `timeout` failure when the time limit ends first (whatever the provider does with it). */
async function withTimeout<T>(
  work: Promise<T> | undefined,
  signal: AbortSignal,
  provider: MeetingProvider,
): Promise<T | undefined> {
  if (!work) return undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        onAbort = () =>
          reject(
            new ProviderError(provider.displayName, 'timeout', `${provider.displayName} did not answer in time`, {
              hint: `search again; if it keeps happening, leave ${provider.displayName} out with \`providers\``,
            }),
          );
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
