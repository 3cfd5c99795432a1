// What fixes a failed Google call: the generic conversion with Google's own explanation, refined for the Calendar API's
// failures that a status alone classifies wrongly or vaguely.
import { AppError, ProviderError } from '../../errors.js';
import { convertFailure, httpStatus, type FailureContext } from '../../http/failure.js';
import { retryAfterSeconds } from '../../http/retry.js';
import { connectCommand } from '../provider.js';
import { google } from './manifest.js';
import { describeGoogleError, displayName, refineApiFailure, usageLimit } from './wire.js';

export const reconnect = connectCommand(google.id);

export const failure: FailureContext = {
  provider: displayName,
  describe: describeGoogleError,
  reauthHint: `reconnect Google: ${reconnect} (with a fresh refresh token, and the client id and secret that issued it)`,
};

/** The generic conversion, keeping the parsed error body for the Google-specific refinements. */
export async function convert(error: unknown): Promise<{ converted: ProviderError; body: unknown }> {
  const { error: converted, body } = await convertFailure(error, failure);
  return { converted, body };
}

/** Refines a Calendar API failure (rate limits, Meet not allowed, missing calendar) into an error with the right fix. */
export async function apiFailure(error: unknown, calendarId: string): Promise<AppError> {
  if (error instanceof AppError) return error;
  const { converted, body } = await convert(error);
  const refined = refineApiFailure(converted.status, body, calendarId, reconnect);
  if (!refined) return converted;
  return new ProviderError(displayName, refined.code, refined.message ?? converted.message, {
    hint: refined.hint,
    status: converted.status,
  });
}

/**
 * For a 403 rate limit that a short wait lifts (rateLimitExceeded, userRateLimitExceeded): the wait Google names in
 * `Retry-After` (seconds), or null when it names none; undefined for any other failure. A 429 is not looked at: the
 * HTTP client retries it already. The body is read from a copy, so the error still converts with Google's message.
 */
export async function shortRateLimit(error: unknown): Promise<number | null | undefined> {
  if (httpStatus(error) !== 403) return undefined;
  const response = (error as { response: Response }).response;
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
  if (usageLimit(403, body) !== 'short') return undefined;
  return retryAfterSeconds(response.headers) ?? null;
}
