// What makes two book_meeting calls the same booking: the agent's idempotency key, or one derived from the call.
import { createHash } from 'node:crypto';
import type { DateTime } from 'luxon';

/** How long a key holds: a repeat within it returns the recorded booking; after it, the same call books anew. */
export const keyLifetimeMs = 24 * 60 * 60 * 1000;

export interface CallIdentity {
  customerName: string;
  customerEmail: string;
  customerPhone?: string | undefined;
  start: DateTime;
  durationMinutes: number;
  timezone: string;
  topic: string;
  /** The providers the call asked for (all registered ones when it named none). */
  providers: readonly string[];
}

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

const instant = (start: DateTime): string => start.toUTC().toISO({ suppressMilliseconds: true }) ?? '';

/**
 * The agent's key, or one derived from the invitee, the start instant, the length and the provider set: an agent that
 * retries a call it never saw answered books nothing twice, even without a key. (A different topic or name for the
 * same invitee at the same moment is the same meeting, restated.)
 */
export function bookingKey(call: CallIdentity, agentKey?: string): string {
  if (agentKey !== undefined) return `agent:${agentKey}`;
  return `derived:${sha256([call.customerEmail.trim().toLowerCase(), instant(call.start), call.durationMinutes, [...call.providers].sort()])}`;
}

/**
 * What the call asked for: an agent's key reused for another booking is refused, not answered with the old one. The phone
 * is left out: giving it on a repeat is how a provider that asked for it (Zoho) is booked after all.
 */
export const requestHash = (call: CallIdentity): string =>
  sha256([
    call.customerName,
    call.customerEmail.trim().toLowerCase(),
    instant(call.start),
    call.durationMinutes,
    call.timezone,
    call.topic,
    [...call.providers].sort(),
  ]);
