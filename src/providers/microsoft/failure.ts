// What fixes a failed Microsoft call: the generic conversion with Microsoft's own explanation, refined for the Graph
// errors that a status alone classifies wrongly or vaguely (https://learn.microsoft.com/en-us/graph/errors).
import { AppError, ProviderError, type ErrorCode } from '../../errors.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { connectCommand } from '../provider.js';
import { microsoft } from './manifest.js';
import { describeMicrosoftError, displayName, graphCode } from './wire.js';

export const reconnect = connectCommand(microsoft.id);

export const failure: FailureContext = {
  provider: displayName,
  describe: describeMicrosoftError,
  reauthHint: `sign in to Microsoft again: ${reconnect} --client-id <Application (client) ID>`,
};

/** Graph's codes whose fix differs from what their HTTP status says, with that fix. */
function refine(status: number | undefined, code: string | undefined): { code: ErrorCode; hint: string } | undefined {
  if (code === 'MailboxNotEnabledForRESTAPI')
    return {
      code: 'provider_rejected',
      hint: `this account has no Exchange Online mailbox (unlicensed, a guest, or hosted on-premises): sign in with an account whose Outlook calendar is in Microsoft 365: ${reconnect}`,
    };
  if (status === 403 || code === 'ErrorAccessDenied')
    return {
      code: 'permission_denied',
      hint: `the sign-in did not grant Calendars.ReadWrite on this calendar (or an admin must consent to it for your organisation): sign in again and accept it: ${reconnect}`,
    };
  if (code === 'TimeZoneNotSupportedException' || code === 'ErrorTimeZoneNotSupportedException')
    return { code: 'provider_rejected', hint: 'set a time zone for the mailbox in Outlook settings, then retry' };
  return undefined;
}

/** A failed Graph call in our terms, with the fix. */
export async function apiFailure(error: unknown): Promise<AppError> {
  if (error instanceof AppError) return error;
  const { error: converted, body } = await convertFailure(error, failure);
  const refined = refine(converted.status, graphCode(body));
  if (!refined) return converted;
  return new ProviderError(displayName, refined.code, converted.message, {
    hint: refined.hint,
    ...(converted.status !== undefined ? { status: converted.status } : {}),
  });
}
