// Zoom's documented limits on creating meetings and what its 429s mean: an account-wide rate per second by plan, which
// every process paces itself by (a shared gate), and a daily limit per host user, which no pacing within a call can
// wait out. https://developers.zoom.us/docs/api/rate-limits/ (checked 2026-12-05)
import { z } from 'zod';
import { ProviderError } from '../../errors.js';
import { waitFor } from '../../http/failure.js';
import { redact } from '../../log.js';
import { limitOf, type ConnectorContext } from '../provider.js';
import { zoom } from './manifest.js';
import { displayName } from './wire.js';

/** The gate every process's meeting creates share: Zoom counts its rate per account, across all apps. */
export const createGate = 'zoom:create';
/** Paced a little under the plan's rate, so clocks and other apps on the account leave room. */
const headroom = 0.9;

/** The longest hold a create waits out; a longer one (Zoom asked for a minute) fails the attempt at once instead. */
const longestWaitMs = 5000;

/**
 * Waits for this create's turn at the account's rate (ALSATALK_ZOOM_CREATES_PER_SECOND, default Pro's 20). While an
 * earlier 429 holds every process for longer than a booking should stand still, Zoom is not asked at all: the
 * attempt fails at once with the time left, and the other providers go on.
 */
export async function createTurn(ctx: ConnectorContext, signal: AbortSignal, now = Date.now()): Promise<void> {
  const { gates } = ctx;
  if (!gates) return;
  const heldMs = gates.heldUntil(createGate) - now;
  if (heldMs > Math.min(longestWaitMs, ctx.timeoutMs / 2)) {
    const seconds = Math.ceil(heldMs / 1000);
    throw new ProviderError(
      displayName,
      'rate_limited',
      `Zoom answered an earlier create from this machine with HTTP 429 and asked to wait; ${waitFor(seconds)} of that wait are left, so this meeting was not sent to Zoom`,
      {
        hint: `retry this provider after ${waitFor(seconds)} (repeat the same call; the other providers are not booked twice)`,
        status: 429,
        retryAfterSeconds: seconds,
      },
    );
  }
  const perSecond = limitOf(zoom, ctx, 'createsPerSecond');
  await gates.wait(createGate, 1000 / (perSecond * headroom), signal);
}

/** Zoom's 429 body: `{ code: 429, message }`; the daily one names the limit and when it resumes. */
const refusal = z.object({ message: z.string() });
const dailyMessage = /daily rate limit/i;

/** Epoch ms of the next 00:00 UTC, when Zoom's daily limits start again ("You may resume ... at GMT 00:00:00"). */
export const nextUtcMidnight = (now: number): number => {
  const day = new Date(now);
  return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1);
};

/**
 * A create Zoom refused with 429, in our terms. The daily limit per host (100 creates and updates, Zoom's answer says
 * which) is `rate_limited` with when it resets and what to do instead, never "retry in a few seconds"; the per-second
 * rate holds every process's creates for the wait Zoom named (else a second) and names the variable to set.
 */
export function createRateRefusal(
  converted: ProviderError,
  body: unknown,
  ctx: ConnectorContext,
  userId: string,
  connectAgain: string,
  now = Date.now(),
): ProviderError {
  const said = refusal.safeParse(body).data?.message ?? '';
  if (dailyMessage.test(said)) {
    const limit = /\((\d+)\)/.exec(said)?.[1] ?? '100';
    const resumes = nextUtcMidnight(now);
    const host = userId === 'me' ? 'this Zoom user' : `the Zoom user ${userId}`;
    return new ProviderError(
      displayName,
      'rate_limited',
      `Zoom's daily limit for ${host} is used up: Zoom allows ${limit} meeting create and update requests per host a day (HTTP 429: "${redact(said)}")`,
      {
        hint: `Zoom takes ${host}'s new meetings again at 00:00 UTC (${new Date(resumes).toISOString().slice(0, 16)}Z, in ${waitFor(Math.ceil((resumes - now) / 1000))}); retrying sooner fails the same way. Repeat the same call after then, or let another Zoom user host it (a Server-to-Server app: ${connectAgain} --user <their id or e-mail>)`,
        status: 429,
        cause: converted,
      },
    );
  }
  const waitSeconds = converted.retryAfterSeconds ?? 1;
  ctx.gates?.defer(createGate, now + waitSeconds * 1000);
  return new ProviderError(displayName, 'rate_limited', converted.message, {
    hint: `Zoom limits how many meetings an account creates per second (by plan: Free 2, Pro 20, Business and up 60, shared by every app on the account): retry after ${waitFor(Math.max(1, waitSeconds))}; if it keeps happening, set ALSATALK_ZOOM_CREATES_PER_SECOND to your plan's rate`,
    status: 429,
    cause: converted,
    retryAfterSeconds: waitSeconds,
  });
}
