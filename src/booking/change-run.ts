// What cancel_booking and reschedule_booking share: the providers a change calls (a call cut short included), each of
// them called at once with its step recorded as its answer comes, a failure's remedy ending in the repeat that finishes
// it, and a write after providers acted that never hides their result.
import { DateTime } from 'luxon';
import type { Connections } from '../connections/connections.js';
import { AppError, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { BookedMeeting, Meeting, ProviderFailure } from '../meeting.js';
import type { MeetingProvider, ProviderSession } from '../providers/provider.js';
import type { BookingRecord } from '../storage/bookings.js';
import type { OperationRecord, OperationRepository } from '../storage/operations.js';
import { uncertainCodes, unusable } from './outcomes.js';

export interface ChangeRunDeps {
  providers: readonly MeetingProvider[];
  connections: Connections;
  operations: OperationRepository;
  log: Logger;
}

/** How a change is worded to the user: its tool, and what it does to a meeting. */
export interface ChangeWords {
  tool: 'cancel_booking' | 'reschedule_booking';
  /** "cancelled", "moved" */
  done: string;
  /** "cancel", "move" */
  verb: string;
}

export type StepRecord =
  { status: 'done'; result: Record<string, unknown> } | { status: 'failed'; error: ProviderFailure };

export type Connection = NonNullable<ReturnType<Connections['get']>>;

/** Refusals a repeat of the same call cannot fix (another time, other input): no "repeat" is added to their remedy. */
const final: ReadonlySet<string> = new Set(['provider_rejected', 'invalid_input']);

export class ChangeRun {
  constructor(
    private readonly deps: ChangeRunDeps,
    private readonly words: ChangeWords,
  ) {}

  name(id: string): string {
    return this.deps.providers.find((p) => p.id === id)?.displayName ?? id;
  }

  /**
   * Calls each of `ids` at once through `act` (or says why it cannot be called), records each step as it is known
   * and reports it to `onStep`.
   */
  async run<S>(
    record: BookingRecord,
    op: OperationRecord,
    ids: readonly string[],
    act: (provider: MeetingProvider, connection: Connection) => Promise<S>,
    step: { failed(id: string, error: ProviderFailure): S; record(step: S): StepRecord },
    onStep?: (step: S, total: number) => void,
  ): Promise<S[]> {
    const { connections, operations, log } = this.deps;
    return Promise.all(
      ids.map(async (id): Promise<S> => {
        const provider = this.deps.providers.find((p) => p.id === id);
        const connection = connections.get(id);
        const refused = provider ? unusable(provider, connection) : undefined;
        const result =
          provider && connection && !refused
            ? await act(provider, connection)
            : step.failed(id, {
                code: refused?.status ?? 'not_connected',
                message: provider
                  ? `${provider.displayName} cannot be called, so its meeting was not ${this.words.done}`
                  : `${id} is not a provider this server offers`,
                remedy: `${refused && 'remedy' in refused ? refused.remedy : 'connect it'}, then repeat ${this.words.tool}`,
              });
        const recorded = step.record(result);
        this.keep([], () => operations.recordStep(op, id, recorded));
        log.info(`${id}: ${recorded.status}`, { booking: record.id });
        onStep?.(result, ids.length);
        return result;
      }),
    );
  }

  /** A provider's failure as the tool shows it: its own remedy, then the repeat that finishes the change. */
  failure(error: ProviderFailure): ProviderFailure {
    if (error.remedy.includes(this.words.tool) || final.has(error.code)) return error;
    return {
      ...error,
      remedy: `${error.remedy}; then repeat ${this.words.tool} (it calls only the providers still to ${this.words.verb})`,
    };
  }

  /**
   * The meeting a booking call cut short may have made: looked for at `meeting`'s time, then at each time the booking
   * had before its moves (the call booked at the time the booking had then); undefined when the provider has none.
   */
  async findCutOff(
    session: ProviderSession,
    provider: MeetingProvider,
    meeting: Meeting,
    signal: AbortSignal,
  ): Promise<{ meeting: Meeting; booked: BookedMeeting } | undefined> {
    const seen = new Set<string>();
    for (const at of [meeting, ...this.#earlierTimes(meeting)]) {
      const when = `${at.start.toMillis()}/${at.end.toMillis()}`;
      if (seen.has(when)) continue;
      seen.add(when);
      const found = await session.findExisting(at, signal);
      if (found === 'cannot_search')
        throw new AppError(
          'outcome_unknown',
          `the booking's call to ${provider.displayName} was cut off, and ${provider.displayName} cannot be searched for the meeting it may have made`,
          {
            hint: `look in ${provider.displayName} for a meeting with ${at.customerEmail} at that time and ${this.words.verb} it there`,
          },
        );
      if (found) return { meeting: at, booked: found };
    }
    return undefined;
  }

  /** The times the booking had before its moves, latest first. */
  #earlierTimes(meeting: Meeting): Meeting[] {
    return this.deps.operations
      .ofBooking(meeting.bookingId, 'reschedule')
      .reverse()
      .flatMap((op): Meeting[] => {
        const from = (op.target as { from?: { start: string; end: string; timezone: string; durationMinutes: number } })
          .from;
        if (!from) return [];
        return [
          {
            ...meeting,
            start: DateTime.fromISO(from.start, { zone: from.timezone }),
            end: DateTime.fromISO(from.end, { zone: from.timezone }),
            timezone: from.timezone,
            durationMinutes: from.durationMinutes,
          },
        ];
      });
  }

  /** A write after providers acted: its failure is a note, never a hidden result (see Flow.keep). */
  keep(notes: string[], write: () => void): void {
    try {
      write();
    } catch (error) {
      const cause = toAppError(error);
      this.deps.log.warn(`a ${this.words.verb} outcome could not be recorded`, { error: cause.message });
      notes.push(
        `Part of this result could not be recorded (${cause.message}). What it shows did happen; repeating the same call is safe.`,
      );
    }
  }
}

/** The providers a change calls: each one the booking holds a meeting in, or may (a call cut short). */
export function changeTargets(record: BookingRecord): string[] {
  return record.results
    .filter(
      (r) =>
        r.status === 'booked' ||
        r.status === 'pending' ||
        (r.status === 'failed' && r.errorCode !== null && uncertainCodes.has(r.errorCode)),
    )
    .map((r) => r.provider);
}
