// Calendly's documented limits that a booking meets: 8 OAuth token requests per user a minute (every process's
// refreshes share one gate), and Create Event Invitee's own limits per user (paid, non-Enterprise: 10 a minute, 50 an
// hour, 100 a day), whose 429 holds direct bookings until the reset Calendly names.
// https://developer.calendly.com/api-docs/overview/rate-limits (checked 2026-12-05)
import type { OAuthClient } from '../../auth/oauth.js';
import type { TokenAnswer } from '../../auth/oauth-spec.js';
import { ProviderError } from '../../errors.js';
import { waitFor } from '../../http/failure.js';
import { timeLimit } from '../../time-limit.js';
import { limitOf, type ConnectorContext } from '../provider.js';
import { calendly } from './manifest.js';
import { displayName } from './wire.js';

export const tokenGate = 'calendly:token';
/** Held while Calendly refuses direct bookings (POST /invitees) for its rate limit. */
export const inviteeGate = 'calendly:invitees';
/** "X-RateLimit-Reset: Number of seconds until the limit resets (typically 60 seconds)". */
const typicalResetSeconds = 60;

/**
 * Token requests through the shared gate: half the minute's allowance may go at once (two processes refreshing
 * together never wait), the rest spaced so that no 60 s window holds more than the limit. A 429 holds every process
 * until Calendly's reset. The wait is bounded by the provider time limit: past it, the refresh is not sent.
 */
export function pacedTokens<A extends TokenAnswer>(client: OAuthClient<A>, ctx: ConnectorContext): OAuthClient<A> {
  const { gates } = ctx;
  if (!gates) return client;
  const perMinute = limitOf(calendly, ctx, 'tokensPerMinute');
  const burst = Math.max(1, Math.floor(perMinute / 2));
  const intervalMs = 60_000 / Math.max(1, perMinute - burst);
  return {
    ...client,
    refresh: async (refreshToken) => {
      const limit = timeLimit(ctx.timeoutMs);
      await gates
        .wait(tokenGate, intervalMs, limit.signal, burst)
        .finally(limit.clear)
        .catch(() => {
          throw new ProviderError(
            displayName,
            'rate_limited',
            `Calendly allows ${perMinute} token requests a minute per user, and this sign-in's turn did not come within ${waitFor(Math.ceil(ctx.timeoutMs / 1000))} (other alsatalk-mcp processes on this machine renewed theirs first)`,
            { hint: 'retry Calendly in a minute', status: 429 },
          );
        });
      try {
        return await client.refresh(refreshToken);
      } catch (error) {
        if (error instanceof ProviderError && error.status === 429)
          gates.defer(tokenGate, Date.now() + (error.retryAfterSeconds ?? typicalResetSeconds) * 1000);
        throw error;
      }
    },
  };
}

/** Until when (epoch ms) Calendly's 429 on a direct booking holds the next ones; 0 when it does not. */
export const inviteeHold = (ctx: ConnectorContext, now = Date.now()): number => {
  const until = ctx.gates?.heldUntil(inviteeGate) ?? 0;
  return until > now ? until : 0;
};

/** Records Calendly's 429 on POST /invitees for every process: direct bookings wait out its reset. */
export function holdInvitees(ctx: ConnectorContext, error: ProviderError, now = Date.now()): number {
  const until = now + (error.retryAfterSeconds ?? typicalResetSeconds) * 1000;
  ctx.gates?.defer(inviteeGate, until);
  return until;
}

/** What Calendly documents for direct bookings, for the note and the hint. */
export const inviteeLimits =
  'paid plans below Enterprise allow 10 direct bookings a minute, 50 an hour and 100 a day per user, a trial 5 a day';
