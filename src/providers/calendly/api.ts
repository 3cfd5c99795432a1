// Calendly: books through the Scheduling API (POST /invitees) or sends a one-click single-use link, with a Personal Access
// Token or the user's own OAuth app (browser sign-in, see oauth.ts).
// API reference: https://developer.calendly.com/api-docs/ · flow: https://developer.calendly.com/schedule-events-with-ai-agents
import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseScopes, reporting, TokenCache, tokenAuth } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import { createHttp, type AuthScheme, type Http } from '../../http/client.js';
import { convertFailure, type FailureContext } from '../../http/failure.js';
import { calendly, scopeList as scopes, tokenHelp } from './manifest.js';
import type { ProviderImplementation } from '../lazy.js';
import { connectCommand, type ConnectorContext, type ProviderSession, type SessionContext } from '../provider.js';
import { revokeGrant, sessionTokens, signIn } from './oauth.js';
import type { BookedMeeting, Meeting } from '../../meeting.js';
import {
  availabilityWindow,
  availableTimesResponse,
  bookable,
  byDuration,
  createdInvitee,
  currentUser,
  describeCalendlyError,
  describeEventType,
  directBlocker,
  displayName,
  eventTypePage,
  eventTypeResource,
  findSlot,
  fromDirectBooking,
  fromSchedulingLink,
  isSlotTaken,
  locationFor,
  matchEventType,
  meetingDay,
  meetingTime,
  nearbyTimes,
  scheduledEvent,
  schedulingLink,
  toInviteeRequest,
  uuidOf,
  eventList,
  inviteeList,
  toUtc,
  type AvailableTime,
  type CalendlyEventType,
  type ScheduledEvent,
} from './wire.js';

const { id } = calendly;
const reconnect = connectCommand(id);
const modes = ['auto', 'direct', 'link'] as const;
type Mode = (typeof modes)[number];
/** Safety stop for pagination: 50 pages of 100 event types. */
const maxPages = 50;

const settingsSchema = z.object({
  /** Connections made before the sign-in existed have no `auth`: a Personal Access Token. */
  auth: z.enum(['pat', 'oauth']).default('pat'),
  /** The OAuth app (sign-in only); whether it is a web app with a secret in the keychain. */
  clientId: z.string().min(1).optional(),
  webClient: z.boolean().optional(),
  /** The port of the redirect URI registered for the app, so that a sign-in again uses it. */
  redirectPort: z.number().int().optional(),
  userUri: z.string().min(1),
  organizationUri: z.string().min(1),
  mode: z.enum(modes).default('auto'),
  /** Pinned with `--event-type`; otherwise the event type is picked by the booking's length each time. */
  eventType: z
    .object({ uri: z.string(), name: z.string().nullable(), slug: z.string().nullable(), duration: z.number() })
    .optional(),
});
type Settings = z.infer<typeof settingsSchema>;

/** How a connection was authorized decides what a 401, or a missing scope, asks the user to do. */
interface Credential {
  reauthHint: string;
  /** The fix for a missing scope, ending with the command to run. */
  needScope: (scope: string) => string;
}

const patCredential: Credential = {
  reauthHint: `reconnect Calendly with a new Personal Access Token (${tokenHelp}): ${reconnect}`,
  needScope: (scope) => `create a Personal Access Token with the ${scope} scope, then ${reconnect}`,
};

const oauthCredential = (clientId: string): Credential => ({
  reauthHint: `sign in to Calendly again: ${reconnect} --client-id ${clientId}`,
  needScope: (scope) =>
    `give the Calendly OAuth app the ${scope} scope, then sign in again: ${reconnect} --client-id ${clientId}`,
});

/** The call being made, for a 403's hint: which scope the token lacks. */
const scopeFor = {
  user: 'users:read',
  eventTypes: 'event_types:read',
  availability: 'availability:read',
  invitee: 'scheduled_events:write',
  link: 'scheduling_links:write',
  event: 'scheduled_events:read',
};
type Step = keyof typeof scopeFor;

/** convertFailure with Calendly's specifics: the scope a 403 lacks; keeps the body for `already_filled`. */
async function convert(
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
function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
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
function createApi(prefixUrl: string, timeoutMs: number, auth: AuthScheme | (() => Promise<string>)): Http {
  if (typeof auth !== 'function') return createHttp({ prefixUrl, timeoutMs, auth });
  return createHttp({ prefixUrl, timeoutMs }).extend({
    hooks: { beforeRequest: [async (request) => void request.headers.set('Authorization', `Bearer ${await auth()}`)] },
  });
}

/** Every event type of the user, page by page (`pagination.next_page_token`). */
async function listEventTypes(api: Http, userUri: string, signal?: AbortSignal): Promise<CalendlyEventType[]> {
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

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

class CalendlySession implements ProviderSession {
  constructor(
    private readonly api: Http,
    private readonly settings: Settings,
    private readonly credential: Credential,
  ) {}

  async book(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting> {
    const { eventType, choice } = await this.#eventType(meeting, signal);
    const mode: Mode = this.settings.mode;
    if (mode === 'link')
      return this.#link(
        eventType,
        meeting,
        signal,
        'This connection books by link (--mode link), so a single-use Calendly link was sent.',
      );
    const blocker = directBlocker(eventType, meeting);
    if (blocker) {
      if (mode === 'direct') {
        throw new ProviderError(displayName, 'provider_rejected', `cannot book directly: ${blocker.reason}`, {
          hint: `${blocker.fix}, or let a one-click link be sent instead: ${reconnect} --mode auto`,
        });
      }
      return this.#link(
        eventType,
        meeting,
        signal,
        `${capitalize(blocker.reason)}, so a one-click link was sent instead; the invitee answers on the page.`,
      );
    }

    let times: AvailableTime[];
    try {
      times = await this.#availableTimes(eventType, meeting, signal);
    } catch (error) {
      const converted = (await convert(error, 'availability', this.credential)).error;
      if (mode === 'auto' && converted.status === 403)
        return this.#link(
          eventType,
          meeting,
          signal,
          `Calendly refused to show availability (${converted.message}): the plan or the token's scope does not allow it, so a one-click link was sent instead.`,
        );
      throw converted;
    }
    const when = `${meetingTime(meeting)} on ${meetingDay(meeting)}`;
    if (!findSlot(times, meeting)) {
      const open = nearbyTimes(times, meeting);
      const openText = open.length > 0 ? `open that day: ${open.join(', ')}` : 'nothing is open that day';
      if (mode === 'direct') {
        throw new ProviderError(
          displayName,
          'provider_rejected',
          `Calendly does not offer ${when} for ${describeEventType(eventType)} (${openText})`,
          {
            hint:
              open.length > 0
                ? `book one of the open times (${open.join(', ')}) instead`
                : 'choose another day, or open more time in Calendly',
          },
        );
      }
      return this.#link(
        eventType,
        meeting,
        signal,
        `Calendly does not offer ${when} (${openText}), so a single-use link was sent instead of a direct booking.`,
        false,
      );
    }

    let raw: unknown;
    try {
      const { location } = locationFor(eventType, meeting);
      raw = await this.api
        .post('invitees', { json: toInviteeRequest(meeting, eventType.uri, location), signal })
        .json();
    } catch (error) {
      const { error: converted, body } = await convert(error, 'invitee', this.credential);
      if (isSlotTaken(body)) {
        if (mode === 'auto')
          return this.#link(
            eventType,
            meeting,
            signal,
            `${when} was taken in Calendly just before booking (already_filled), so a single-use link was sent instead.`,
            false,
          );
        throw new ProviderError(
          displayName,
          'provider_rejected',
          `${when} was just taken in Calendly (${converted.message})`,
          { hint: 'choose another time and book again', status: converted.status },
        );
      }
      if (converted.status === 403) {
        if (mode === 'auto')
          return this.#link(
            eventType,
            meeting,
            signal,
            `Calendly refused to book directly (${converted.message}): the plan or the token's scope (scheduled_events:write) does not allow it, so a one-click link was sent instead.`,
            true,
          );
        throw new ProviderError(displayName, 'permission_denied', converted.message, {
          hint: `check the plan, or ${this.credential.needScope('scheduled_events:write')}; or send one-click links instead: ${reconnect} --mode link`,
          status: 403,
        });
      }
      throw converted;
    }
    const created = createdInvitee.safeParse(raw);
    if (!created.success) {
      // Uncertain, not refused: the booking exists, so a repeat must look for it before making another.
      throw new ProviderError(
        displayName,
        'outcome_unknown',
        'Calendly booked the meeting but its answer had no scheduled event',
        { hint: 'repeat the same call: it looks in Calendly for this meeting before making another' },
      );
    }
    const invitee = created.data.resource;
    // The meeting exists from here on: failing to read its join link is a note, never an error (a retry would book twice).
    let event: ScheduledEvent | undefined;
    let missing = '';
    try {
      event = parse(
        scheduledEvent,
        await this.api.get(`scheduled_events/${encodeURIComponent(uuidOf(invitee.event))}`, { signal }).json(),
        'GET /scheduled_events',
      ).resource;
    } catch (error) {
      missing = ` Its join link could not be read (${(await convert(error, 'event', this.credential)).error.message}); Calendly's own e-mail has it.`;
    }
    return fromDirectBooking(
      invitee,
      event,
      `Booked directly in Calendly (${describeEventType(eventType)}${choice}); Calendly also e-mails its own confirmation.${missing}`,
    );
  }

  /**
   * A direct booking an interrupted call made: the invitee's active event at the start. A single-use link whose answer
   * was lost was never shown to anyone, so there is nothing to find for one, and making another is harmless.
   */
  async findExisting(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting | undefined> {
    if (this.settings.mode === 'link') return undefined;
    const start = meeting.start.toMillis();
    try {
      // A minute either side: whether Calendly's bounds are inclusive is not documented; the match below is exact.
      const searchParams = {
        user: this.settings.userUri,
        invitee_email: meeting.customerEmail,
        min_start_time: toUtc(meeting.start.minus({ minutes: 1 })),
        max_start_time: toUtc(meeting.start.plus({ minutes: 1 })),
        status: 'active',
        count: 100,
      };
      const events = parse(
        eventList,
        await this.api.get('scheduled_events', { searchParams, signal }).json(),
        'GET /scheduled_events',
      ).collection;
      const event = events.find((e) => Date.parse(e.start_time) === start);
      if (!event) return undefined;
      const invitees = parse(
        inviteeList,
        await this.api
          .get(`scheduled_events/${encodeURIComponent(uuidOf(event.uri))}/invitees`, {
            searchParams: { email: meeting.customerEmail },
            signal,
          })
          .json(),
        'GET /scheduled_events/{uuid}/invitees',
      ).collection;
      const invitee = invitees.find((i) => i.email?.toLowerCase() === meeting.customerEmail.toLowerCase());
      if (!invitee) return undefined;
      return fromDirectBooking(
        { ...invitee, event: event.uri },
        { uri: event.uri, location: event.location },
        'Booked directly in Calendly; Calendly also e-mails its own confirmation.',
      );
    } catch (error) {
      throw (await convert(error, 'event', this.credential)).error;
    }
  }

  /** The pinned event type, checked against the booking's length, or the active one whose length matches it. */
  async #eventType(meeting: Meeting, signal: AbortSignal): Promise<{ eventType: CalendlyEventType; choice: string }> {
    const minutes = meeting.durationMinutes;
    const pinned = this.settings.eventType;
    if (pinned) {
      let eventType: CalendlyEventType;
      try {
        eventType = parse(
          eventTypeResource,
          await this.api.get(`event_types/${encodeURIComponent(uuidOf(pinned.uri))}`, { signal }).json(),
          'GET /event_types/{uuid}',
        ).resource;
      } catch (error) {
        const { error: converted } = await convert(error, 'eventTypes', this.credential);
        if (converted.status !== 404) throw converted;
        throw new ProviderError(
          displayName,
          'invalid_input',
          `the pinned Calendly event type "${pinned.name ?? pinned.slug ?? pinned.uri}" no longer exists`,
          { hint: `pin another one, or leave --event-type out to pick by length: ${reconnect} --event-type SLUG` },
        );
      }
      if (!eventType.active) {
        throw new ProviderError(
          displayName,
          'invalid_input',
          `the pinned Calendly event type ${describeEventType(eventType)} is turned off`,
          { hint: `turn it on in Calendly, or pin another one: ${reconnect} --event-type SLUG` },
        );
      }
      if (eventType.duration !== minutes) {
        throw new ProviderError(
          displayName,
          'invalid_input',
          `the pinned Calendly event type ${describeEventType(eventType)} lasts ${eventType.duration} min, but this booking is ${minutes} min`,
          {
            hint: `book ${eventType.duration} minutes (duration_minutes: ${eventType.duration}), or reconnect without --event-type so that the event type is picked by length: ${reconnect}`,
          },
        );
      }
      return { eventType, choice: ', pinned with --event-type' };
    }
    let types: CalendlyEventType[];
    try {
      types = await listEventTypes(this.api, this.settings.userUri, signal);
    } catch (error) {
      throw (await convert(error, 'eventTypes', this.credential)).error;
    }
    const [eventType, ...others] = byDuration(types, minutes);
    if (!eventType) {
      const candidates = bookable(types);
      throw new ProviderError(
        displayName,
        'invalid_input',
        candidates.length > 0
          ? `no active Calendly event type lasts ${minutes} min; the active ones are ${candidates.map(describeEventType).join(', ')}`
          : `Calendly has no active event type to book (this booking is ${minutes} min)`,
        {
          hint:
            candidates.length > 0
              ? `book one of those lengths (duration_minutes), or create a ${minutes}-minute event type in Calendly`
              : `create a ${minutes}-minute event type in Calendly (or turn one on), then retry`,
        },
      );
    }
    const choice =
      others.length > 0 ? `, the first of ${others.length + 1} lasting ${minutes} min; pin one with --event-type` : '';
    return { eventType, choice };
  }

  async #availableTimes(eventType: CalendlyEventType, meeting: Meeting, signal: AbortSignal): Promise<AvailableTime[]> {
    const searchParams = { event_type: eventType.uri, ...availabilityWindow(meeting, DateTime.now()) };
    return parse(
      availableTimesResponse,
      await this.api.get('event_type_available_times', { searchParams, signal }).json(),
      'GET /event_type_available_times',
    ).collection;
  }

  /**
   * A single-use link for one booking. `atTime` says whether the exact start is open (then the link opens on it); when
   * unknown (link mode), availability is looked up, and any failure to do so only means the day is opened instead.
   */
  async #link(
    eventType: CalendlyEventType,
    meeting: Meeting,
    signal: AbortSignal,
    why: string,
    atTime?: boolean,
  ): Promise<BookedMeeting> {
    const offered =
      atTime ??
      (await this.#availableTimes(eventType, meeting, signal).then(
        (times) => findSlot(times, meeting) !== undefined,
        () => false,
      ));
    let raw: unknown;
    try {
      raw = await this.api
        .post('scheduling_links', {
          json: { max_event_count: 1, owner: eventType.uri, owner_type: 'EventType' },
          signal,
        })
        .json();
    } catch (error) {
      throw (await convert(error, 'link', this.credential)).error;
    }
    const { booking_url: bookingUrl } = parse(schedulingLink, raw, 'POST /scheduling_links').resource;
    const opens = offered
      ? `The link opens on ${meetingTime(meeting)} on ${meetingDay(meeting)} with the invitee's name and e-mail filled in, so confirming is one click.`
      : `The link opens on ${meetingDay(meeting)} with the invitee's name and e-mail filled in; the invitee picks the time.`;
    return fromSchedulingLink(bookingUrl, meeting, offered, `${why} ${opens}`);
  }
}

function apiBase(ctx: ConnectorContext): string {
  return ctx.endpoints.api ?? calendly.endpoints.api?.default ?? 'https://api.calendly.com';
}

/** What connect verified the account with: an access token, and what to keep of the credential. */
interface Access {
  accessToken: string;
  /** What the sign-in granted; a Personal Access Token's scopes and lifetime are not visible through the API. */
  grant?: { scopes?: string[] | undefined; expiresAt: number };
  secrets: Record<string, string>;
  settings: Pick<Settings, 'auth' | 'clientId' | 'webClient' | 'redirectPort'>;
  credential: Credential;
}

/** A Personal Access Token as given, or the browser sign-in of the user's OAuth app (`--client-id`). */
async function access(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<Access> {
  const clientId = values.clientId?.trim();
  const token = values.token?.trim();
  if (clientId && token)
    throw new InputError(
      '--client-id',
      'a Personal Access Token and a sign-in exclude each other',
      'give either --token-stdin, or --client-id to sign in with the browser',
    );
  if (!clientId) {
    if (!token)
      throw new InputError(
        '--token-stdin',
        'the Personal Access Token is required',
        `create one in ${tokenHelp}, or sign in with your own OAuth app: ${reconnect} --client-id <id>`,
      );
    if (values.client_secret)
      throw new InputError(
        '--client-id',
        'is required with a client secret',
        "add the OAuth app's client id to sign in with the browser, or leave the secret out to use the Personal Access Token",
      );
    return { accessToken: token, secrets: { token }, settings: { auth: 'pat' }, credential: patCredential };
  }
  const clientSecret = values.client_secret?.trim() || undefined;
  const port = values.port?.trim() || undefined;
  const signedIn = await signIn(ctx, { clientId, clientSecret }, port);
  return {
    accessToken: signedIn.access_token,
    grant: { scopes: parseScopes(signedIn.scope), expiresAt: Date.now() + signedIn.expires_in * 1000 },
    secrets: { refresh_token: signedIn.refresh_token, ...(clientSecret ? { client_secret: clientSecret } : {}) },
    settings: {
      auth: 'oauth',
      clientId,
      webClient: clientSecret !== undefined,
      ...(port ? { redirectPort: Number(port) } : {}),
    },
    credential: oauthCredential(clientId),
  };
}

/** What `calendly.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  async connect(values, ctx) {
    const mode = (values.mode?.trim().toLowerCase() || 'auto') as Mode;
    if (!modes.includes(mode))
      throw new InputError(
        '--mode',
        `"${values.mode}" is not a booking mode`,
        'use auto (book directly, else send a one-click link), direct, or link',
      );
    const granted = await access(values, ctx);
    const api = createApi(apiBase(ctx), ctx.timeoutMs, async () => granted.accessToken);
    let user: z.infer<typeof currentUser>['resource'];
    let types: CalendlyEventType[];
    try {
      user = parse(currentUser, await api.get('users/me').json(), 'GET /users/me').resource;
    } catch (error) {
      const { error: converted } = await convert(error, 'user', granted.credential);
      if (converted.status !== 401 || granted.settings.auth === 'oauth') throw converted;
      throw new ProviderError(
        displayName,
        'auth_failed',
        `Calendly rejected the Personal Access Token: ${converted.message}`,
        { hint: `copy a valid token (${tokenHelp}), then connect again`, status: 401 },
      );
    }
    try {
      types = await listEventTypes(api, user.uri);
    } catch (error) {
      throw (await convert(error, 'eventTypes', granted.credential)).error;
    }
    const candidates = bookable(types);
    const listed =
      candidates.length > 0 ? candidates.map(describeEventType).join(', ') : 'none (create one in Calendly)';
    const notes = [
      mode === 'link'
        ? 'Bookings send the invitee a one-click single-use Calendly link.'
        : mode === 'direct'
          ? 'Bookings are made directly in Calendly (no link fallback).'
          : 'Bookings are made directly in Calendly, or, when that is not possible, the invitee gets a one-click single-use link.',
      granted.settings.auth === 'oauth'
        ? `The OAuth app needs the scopes: ${scopes}.`
        : `If the token was created with scopes, it needs: ${scopes}.`,
    ];
    let eventType: Settings['eventType'];
    const wanted = values.eventType?.trim();
    if (wanted) {
      const matches = matchEventType(types, wanted);
      const [match] = matches;
      if (!match)
        throw new InputError(
          '--event-type',
          `Calendly has no event type "${wanted}"`,
          `give a slug or name from: ${listed}`,
        );
      if (matches.length > 1)
        throw new InputError(
          '--event-type',
          `"${wanted}" names ${matches.length} event types`,
          `give the slug of one: ${matches.map(describeEventType).join(', ')}`,
        );
      if (!match.active)
        throw new InputError(
          '--event-type',
          `the event type ${describeEventType(match)} is turned off in Calendly`,
          `turn it on in Calendly, or choose one of: ${listed}`,
        );
      eventType = { uri: match.uri, name: match.name, slug: match.slug, duration: match.duration };
      notes.push(`Bookings use ${describeEventType(match)}; a booking of another length fails.`);
    } else {
      notes.push(`Each booking uses the active event type as long as the booking: ${listed}.`);
    }
    const settings: Settings = {
      ...granted.settings,
      userUri: user.uri,
      organizationUri: user.current_organization,
      mode,
      ...(eventType ? { eventType } : {}),
    };
    return {
      account: user.email ?? user.name ?? user.uri,
      settings,
      secrets: granted.secrets,
      notes,
      ...(granted.grant ? { grant: granted.grant } : {}),
    };
  },

  async revoke(ctx) {
    const settings = settingsSchema.safeParse(ctx.settings).data;
    // A Personal Access Token is revoked in Calendly's settings only; there is no API for it.
    if (settings?.auth !== 'oauth' || !settings.clientId) return 'nothing';
    return revokeGrant(ctx, settings.clientId);
  },

  openSession(ctx: SessionContext): ProviderSession {
    const settings = settingsSchema.parse(ctx.settings);
    if (settings.auth === 'oauth' && settings.clientId) {
      const tokens = new TokenCache(
        reporting(sessionTokens(ctx, settings.clientId, settings.webClient === true), ctx.recordToken),
      );
      return new CalendlySession(
        createApi(apiBase(ctx), ctx.timeoutMs, tokenAuth(tokens)),
        settings,
        oauthCredential(settings.clientId),
      );
    }
    return new CalendlySession(
      createApi(apiBase(ctx), ctx.timeoutMs, () => ctx.secret('token')),
      settings,
      patCredential,
    );
  },
};
