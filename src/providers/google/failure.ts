// What fixes a failed Google call: the generic conversion with Google's own explanation, refined for the Calendar API's
// failures that a status alone classifies wrongly or vaguely.
import { AppError, ProviderError } from '../../errors.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { connectCommand } from '../provider.js';
import { google } from './manifest.js';
import { describeGoogleError, displayName, refineApiFailure } from './wire.js';

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
