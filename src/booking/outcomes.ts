// Pure helpers over a booking's outcomes: a failure as a value, the order results are shown in, the overall status.
import { toAppError } from '../errors.js';
import type { BookedEntry } from '../email/mailer.js';
import type { BookingStatus, ProviderFailure, ProviderOutcome } from '../meeting.js';
import { connectCommand, reconnectCommand, type MeetingProvider } from '../providers/provider.js';
import type { Connection } from '../storage/connections.js';

/** Failures after which the provider may have made the meeting anyway: a repeat looks for it before making another. */
export const uncertainCodes: ReadonlySet<string> = new Set([
  'timeout',
  'network_error',
  'provider_unavailable',
  'internal_error',
  'outcome_unknown',
]);

export const asFailure = (error: unknown, fallbackRemedy: string): ProviderFailure => {
  const e = toAppError(error);
  return { code: e.code, message: e.message, remedy: e.hint ?? fallbackRemedy };
};

/** Why a provider cannot be called now, or undefined when it can. */
export function unusable(provider: MeetingProvider, connection: Connection | undefined): ProviderOutcome | undefined {
  if (!connection) {
    return {
      provider: provider.id,
      status: 'not_connected',
      remedy: `connect ${provider.displayName}: ${connectCommand(provider.id)}`,
    };
  }
  if (connection.status === 'needs_reauth') {
    return {
      provider: provider.id,
      status: 'needs_reauth',
      remedy: `reconnect ${provider.displayName}: ${reconnectCommand(provider, connection.settings)} (it refused the stored credentials)`,
    };
  }
  return undefined;
}

/** The outcomes in the order the call named its providers. */
export const ordered = (
  wanted: readonly MeetingProvider[],
  outcomes: ReadonlyMap<string, ProviderOutcome>,
): ProviderOutcome[] => wanted.map((p) => outcomes.get(p.id)).filter((o): o is ProviderOutcome => o !== undefined);

/** What the e-mail lists: each booked provider, by display name. */
export const bookedEntries = (
  wanted: readonly MeetingProvider[],
  outcomes: readonly ProviderOutcome[],
): BookedEntry[] =>
  outcomes.flatMap((o) =>
    o.status === 'booked'
      ? [
          {
            id: o.provider,
            provider: wanted.find((p) => p.id === o.provider)?.displayName ?? o.provider,
            meeting: o.meeting,
          },
        ]
      : [],
  );

export function statusOf(outcomes: readonly ProviderOutcome[], booked: number): BookingStatus {
  const attempted = outcomes.filter((o) => o.status === 'booked' || o.status === 'failed').length;
  return booked === 0 ? 'failed' : booked === attempted ? 'booked' : 'partial';
}
