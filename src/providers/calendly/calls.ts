// Calendly API calls: one client per connection, its failures in our terms (which scope a 403 lacks, what a 401 asks
// for), answers parsed against the documented shapes, and the pages of event types followed.
// API reference: https://developer.calendly.com/api-docs/
import type { z } from 'zod';
import { ProviderError } from '../../errors.js';
import { createHttp, type AuthScheme, type Http } from '../../http/client.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { connectCommand, type ConnectorContext } from '../provider.js';
import { calendly, tokenHelp } from './manifest.js';
import { describeCalendlyError, displayName, eventTypePage, type CalendlyEventType } from './wire.js';

export const reconnect = connectCommand(calendly.id);
/** "event_types:read scope", "event_types:read and availability:read scopes". */
const scopeNames = (scopes: readonly string[]): string =>
  scopes.length === 1 ? `${scopes[0]} scope` : `${scopes.slice(0, -1).join(', ')} and ${scopes.at(-1)} scopes`;
/** Safety stop for pagination: 50 pages of 100 event types. */
const maxPages = 50;

/** How a connection was authorized decides what a 401, or a missing scope, asks the user to do. */
export interface Credential {
  reauthHint: string;
  /** The fix for missing scopes, ending with the command to run. */
  needScope: (scopes: readonly string[]) => string;
}

export const patCredential: Credential = {
  reauthHint: `reconnect Calendly with a new Personal Access Token (${tokenHelp}): ${reconnect}`,
  needScope: (scopes) => `create a Personal Access Token with the ${scopeNames(scopes)}, then ${reconnect}`,
};

export const oauthCredential = (clientId: string): Credential => ({
  reauthHint: `sign in to Calendly again: ${reconnect} --client-id ${clientId}`,
  needScope: (scopes) =>
    `give the Calendly OAuth app the ${scopeNames(scopes)}, then sign in again: ${reconnect} --client-id ${clientId}`,
});

/**
 * The call being made, for a 403's hint: which scopes the token may lack. Calendly's scope catalogue files
 * GET /event_type_available_times under event_types:read, its endpoint page under availability:read: both are named.
 */
export const scopeFor = {
  user: ['users:read'],
  eventTypes: ['event_types:read'],
  availability: ['event_types:read', 'availability:read'],
  invitee: ['scheduled_events:write'],
  link: ['scheduling_links:write'],
  event: ['scheduled_events:read'],
  cancel: ['scheduled_events:write'],
} as const;
export type Step = keyof typeof scopeFor;

/** convertFailure with Calendly's specifics: the scope a 403 lacks; keeps the body for `already_filled`. */
export async function convert(
  error: unknown,
  step: Step,
  credential: Credential = patCredential,
): Promise<{ error: ProviderError; body: unknown }> {
  // A 429's wait comes from X-RateLimit-Reset (Calendly sends no Retry-After), read in convertFailure.
  const failure: FailureContext = {
    provider: displayName,
    describe: describeCalendlyError,
    reauthHint: credential.reauthHint,
  };
  const { error: converted, body } = await convertFailure(error, failure);
  const { status } = converted;
  if (status === 403) {
    const hint = `check the Calendly plan, or ${credential.needScope(scopeFor[step])}`;
    return { error: new ProviderError(displayName, 'permission_denied', converted.message, { hint, status }), body };
  }
  return { error: converted, body };
}

/** Parses a success body; a shape we do not know is Calendly's doing, not the network's. */
export function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ProviderError(
    displayName,
    'provider_rejected',
    `Calendly's answer to ${what} was not in the documented shape`,
    { hint: 'retry; if it keeps happening, Calendly changed its API' },
  );
}

/**
 * One client per connection. A 429 is retried only when its reset is a few seconds away (http/retry.ts): Calendly's is usually 60 s.
 * A 401 is retried once with a renewed token for a sign-in (`auth`); a Personal Access Token cannot be renewed, only replaced.
 */
export function createApi(prefixUrl: string, timeoutMs: number, auth: AuthScheme | (() => Promise<string>)): Http {
  if (typeof auth !== 'function') return createHttp({ prefixUrl, timeoutMs, auth });
  return createHttp({ prefixUrl, timeoutMs }).extend({
    hooks: { beforeRequest: [async (request) => void request.headers.set('Authorization', `Bearer ${await auth()}`)] },
  });
}

/** Every event type of the user, page by page (`pagination.next_page_token`). */
export async function listEventTypes(api: Http, userUri: string, signal?: AbortSignal): Promise<CalendlyEventType[]> {
  const all: CalendlyEventType[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const searchParams = { user: userUri, count: 100, ...(pageToken ? { page_token: pageToken } : {}) };
    const body = parse(
      eventTypePage,
      await api.get('event_types', { searchParams, signal }).json(),
      'GET /event_types',
    );
    all.push(...body.collection);
    pageToken = body.pagination.next_page_token ?? undefined;
    if (!pageToken) break;
  }
  return all;
}

export function apiBase(ctx: ConnectorContext): string {
  return ctx.endpoints.api ?? calendly.endpoints.api?.default ?? 'https://api.calendly.com';
}
