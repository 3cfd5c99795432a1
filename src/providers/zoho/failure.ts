// What fixes a failed Zoho call: the command that connects again, and the generic conversion with Zoho's own words.
import type { ProviderError } from '../../errors.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { connectCommand } from '../provider.js';
import { consoleHelp, zoho } from './manifest.js';
import { describeZohoError, displayName } from './wire.js';

export const reconnect = connectCommand(zoho.id);

export const failure: FailureContext = {
  provider: displayName,
  describe: describeZohoError,
  reauthHint: `reconnect Zoho Bookings with a new grant code (${consoleHelp} → Generate Code, scope zohobookings.data.CREATE): ${reconnect}`,
};

/** The generic conversion, keeping the parsed error body for the Zoho-specific refinements. */
export async function convert(
  error: unknown,
  context: FailureContext,
): Promise<{ converted: ProviderError; body: unknown }> {
  const { error: converted, body } = await convertFailure(error, { ...context, describe: describeZohoError });
  return { converted, body };
}
