// Zoho Bookings API calls: answers read as JSON (Zoho may answer a web page), failures in our terms, and the lists of
// workspaces, services and staff members. API reference: https://www.zoho.com/bookings/help/api/v1/fetch-workspaces.html
import type { z } from 'zod';
import { AppError, ProviderError } from '../../errors.js';
import type { Http } from '../../http/client.js';
import type { FailureContext } from '../../http/failure.js';
import { convert, failure, reconnect } from './failure.js';
import { listItems } from './setup-wire.js';
import { displayName, htmlTitle, openEnvelope } from './wire.js';

/** Reads a Bookings answer as JSON; anything else (a web page in an HTTP 200) is an error saying what to check. */
export async function readJson(response: Response, afterCreate: boolean): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const title = htmlTitle(text);
    const what = title === undefined ? 'something other than JSON' : `a web page ("${title}")`;
    throw new ProviderError(displayName, 'provider_unavailable', `Zoho Bookings answered with ${what}`, {
      hint: afterCreate
        ? 'repeat the same call: it looks in Zoho Bookings for the appointment before booking again, so it is not doubled'
        : `retry; if it persists, reconnect: ${reconnect}`,
    });
  }
}

/** toProviderError, where an HTML page with a 400 (Zoho's answer to a missing token) is an authentication failure too. */
export async function apiFailure(error: unknown, context: FailureContext = failure): Promise<AppError> {
  if (error instanceof AppError) return error;
  const { converted, body } = await convert(error, context);
  if (converted.status === 400 && htmlTitle(body) !== undefined) {
    return new ProviderError(displayName, 'auth_failed', converted.message, { hint: context.reauthHint, status: 400 });
  }
  return converted;
}

/** Lists a fetch endpoint (`workspaces`, `services`, `staffs`): `response.returnvalue.data`. */
export async function fetchList<T>(
  http: Http,
  url: string,
  params: Record<string, string>,
  item: z.ZodType<T>,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T[]> {
  const opened = openEnvelope(await readJson(await http.get(url, { searchParams: params, ...init }), false));
  if (!opened)
    throw new ProviderError(
      displayName,
      'provider_unavailable',
      `Zoho Bookings answered ${url.split('/').pop() ?? ''} in a shape we do not know`,
      { hint: 'retry in a few minutes' },
    );
  if (!opened.ok) {
    throw new ProviderError(
      displayName,
      'provider_rejected',
      `Zoho Bookings refused to list ${url.split('/').pop() ?? ''}: ${opened.message}`,
      { hint: `check the workspace in Zoho Bookings, then reconnect: ${reconnect}` },
    );
  }
  return listItems(opened.value, item);
}

export const bookingsUrl = (apiDomain: string, path: string): string =>
  `${apiDomain.replace(/\/+$/, '')}/bookings/v1/json/${path}`;
