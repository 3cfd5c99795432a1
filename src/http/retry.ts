// One retry policy for every provider call: how many tries, how long between them, and how long a provider may ask
// us to wait. ky applies it to single requests (client.ts); the booking applies it to a whole create (look first,
// then create again) and the mailer to a send under its idempotency key.
import { setTimeout as sleep } from 'node:timers/promises';

/** Tries after the first: three in all. More only lengthens a booking the agent is waiting on. */
export const retryLimit = 2;

/** ky's default curve (0.3 s, 0.6 s, ...), capped so a retry never waits longer than a person would. */
export const backoffLimitMs = 3000;

/**
 * The longest `Retry-After` (or rate-limit reset) worth waiting for inside one call. A provider asking for more (Calendly's
 * reset is usually 60 s) fails fast instead, with the wait in the hint, so the other providers' results are not held up.
 */
export const maxRetryAfterMs = 5000;

/**
 * "Equal jitter": half the backoff, plus up to the other half at random. Every retry still waits (unlike full jitter,
 * which can retry at once), and bookings failing together (twenty at a 429) do not retry in step.
 */
export const jitter = (delayMs: number): number => delayMs / 2 + Math.random() * (delayMs / 2);

/** The wait before retry `attempt` (1 for the first retry), jittered and capped. */
export const backoffMs = (attempt: number): number => Math.min(backoffLimitMs, jitter(300 * 2 ** (attempt - 1)));

/**
 * Seconds until a retry may succeed: `Retry-After` (seconds or an HTTP date), else `X-RateLimit-Reset` (Calendly sends
 * only that, in seconds; some APIs send an epoch time instead). Undefined when the answer names no wait.
 */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
    const date = Date.parse(raw);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  const reset = Number(headers.get('x-ratelimit-reset') ?? Number.NaN);
  if (!Number.isFinite(reset)) return undefined;
  return Math.max(0, Math.ceil(reset > 1e9 ? reset - Date.now() / 1000 : reset));
}

export interface RetryLoop<T> {
  /** One try; `attempt` is 0 for the first. */
  run: (attempt: number) => Promise<T>;
  /** The wait before trying again after `error` (ms), or undefined when trying again cannot help or is not safe. */
  retryAfter: (error: unknown, attempt: number) => number | undefined;
  /** Bounds the whole loop: no retry starts, and no wait lasts, past its abort. */
  signal?: AbortSignal | undefined;
}

/** Runs `run` until it succeeds, `retryAfter` declines, `retryLimit` is reached or `signal` aborts; throws the last error. */
export async function withRetries<T>({ run, retryAfter, signal }: RetryLoop<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run(attempt);
    } catch (error) {
      const wait = attempt < retryLimit ? retryAfter(error, attempt + 1) : undefined;
      if (wait === undefined || signal?.aborted) throw error;
      const waited = await sleep(wait, true, signal ? { signal } : {}).catch(() => false);
      if (!waited) throw error;
    }
  }
}
