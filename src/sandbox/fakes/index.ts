// The sandbox's fake providers: one line per meeting provider in the registry, saying how its fake is mounted under
// the sandbox's origin, what it holds, which OAuth app the sandbox's connections use, and what `connect` needs besides.
import type { CalendlyFake } from './calendly.js';
import { createCalendlyFake } from './calendly.js';
import { createGoogleFake, type GoogleFake } from './google.js';
import { createMicrosoftFake, type MicrosoftFake } from './microsoft.js';
import { createZohoFake, type ZohoFake } from './zoho.js';
import { createZoomFake, type ZoomFake } from './zoom.js';
import { enterpriseLimits } from './calendly-limits.js';
import { proLimits } from './zoom-limits.js';

export interface FakeSpec<F> {
  /** The fake, mounted under `origin` at `/<provider id>/...`. */
  create(origin: string): F;
  /** How many meetings (events, appointments, links) it holds now: accepted and not cancelled. */
  holdings(fake: F): number;
  /** The sandbox OAuth app's credentials, by the connector's field key (`clientId`, `client_secret`). */
  app(fake: F): Record<string, string>;
  /** Flags `connect` needs on the sandbox besides the app (a Zoho service and staff member). */
  connectFlags?: readonly string[];
  /**
   * The README's other ways to connect (a token, a Server-to-Server app, a refresh token, a grant code), with test values
   * this fake accepts: the secrets a person would paste, piped in as they would pipe them.
   * @param admin the sandbox's admin origin (`<origin>/__sandbox`), for values minted on request
   */
  otherWays?(fake: F, admin: string): Array<{ way: string; command: string }>;
  /** The calls that make a meeting, as `METHOD /path` ends (`POST /appointment`): what a provider's `hang-after` hangs. */
  creates: readonly string[];
  /** Values minted on request at `POST /__sandbox/<provider>/<name>`, answered as plain text (a single-use grant code). */
  mint?: Record<string, (fake: F) => string>;
  /**
   * Makes the host busy from `start` to `end` (UTC ISO), as the provider would show it: an event in the calendar, a
   * meeting, time no longer offered (`POST /__sandbox/busy`).
   */
  busy(fake: F, start: string, end: string): void;
}

/** `printf '%s' 'value' | npx alsatalk-mcp connect ...`: a secret piped in, as the README shows. */
const piped = (value: string, args: string): string => `printf '%s' '${value}' | npx alsatalk-mcp connect ${args}`;
/** The fake's workspace zone (`workspaceTimezone`), which Zoho's open times are read in. */
const zohoZone = 'America/Los_Angeles';
const zohoFlags = `--service "Intro call" --staff "Ann Smith" --time-zone ${zohoZone}`;

const fake = <F>(spec: FakeSpec<F>): FakeSpec<F> => spec;

export const meetingFakes = {
  zoom: fake<ZoomFake>({
    // The sandbox meets the documented limits as users do: a Pro account's (zoom-limits.ts).
    create: (origin) =>
      createZoomFake({ apiBase: `${origin}/zoom/v2`, oauthBase: `${origin}/zoom`, limits: proLimits }),
    holdings: (f) => f.state.meetings.length,
    creates: ['POST /users/:userId/meetings'],
    busy: (f, start, end) =>
      void f.addMeeting({ start, minutes: Math.round((Date.parse(end) - Date.parse(start)) / 60_000) }),
    app: (f) => ({ clientId: f.state.publicClientId }),
    otherWays: (f) => [
      {
        way: 'Server-to-Server OAuth app',
        command: piped(
          f.state.clientSecret,
          `zoom --account-id ${f.state.accountId} --client-id ${f.state.clientId} --client-secret-stdin`,
        ),
      },
    ],
  }),
  calendly: fake<CalendlyFake>({
    // An Enterprise user's limits (calendly-limits.ts): 8 token requests a minute, 500 requests and direct bookings.
    create: (origin) =>
      createCalendlyFake({
        apiBase: `${origin}/calendly/api`,
        authBase: `${origin}/calendly/auth`,
        limits: enterpriseLimits,
      }),
    holdings: (f) =>
      f.state.invitees.filter((i) => !f.state.scheduledEvents.get(i.eventUuid)?.cancellation).length +
      f.state.schedulingLinks.length,
    creates: ['POST /invitees', 'POST /scheduling_links'],
    busy: (f, start, end) => void f.state.busyBlocks.push({ start, end }),
    app: (f) => ({ clientId: f.oauth.client.id }),
    otherWays: (f) => [{ way: 'Personal Access Token', command: piped(f.state.token, 'calendly --token-stdin') }],
  }),
  google: fake<GoogleFake>({
    create: (origin) =>
      createGoogleFake({
        apiBase: `${origin}/google/calendar/v3`,
        tokenBase: `${origin}/google/oauth`,
        authUrl: `${origin}/google/o/oauth2/v2/auth`,
      }),
    holdings: (f) => f.state.events.filter((e) => e.event.status !== 'cancelled').length,
    creates: ['POST /calendars/:calendarId/events'],
    // The primary calendar, which connect uses unless told another.
    busy: (f, start, end) => void f.state.busy.push({ calendarId: f.state.calendars[0]?.id ?? '', start, end }),
    app: (f) => ({ clientId: f.state.clientId, client_secret: f.state.clientSecret }),
    otherWays: (f) => [
      { way: 'a refresh token you already have', command: piped(f.state.refreshToken, 'google --refresh-token-stdin') },
    ],
  }),
  zoho: fake<ZohoFake>({
    create: (origin) =>
      createZohoFake({
        accountsBase: `${origin}/zoho/accounts`,
        apiBase: `${origin}/zoho/api`,
        euAccountsBase: `${origin}/zoho/accounts-eu`,
      }),
    holdings: (f) => f.state.appointments.filter((a) => !a.cancelled).length,
    creates: ['POST /appointment'],
    busy: (f, start, end) => void f.state.busyBlocks.push({ start, end }),
    app: (f) => ({ clientId: f.state.clientId, client_secret: f.state.clientSecret }),
    connectFlags: ['--service', 'Intro call', '--staff', 'Ann Smith', '--time-zone', zohoZone],
    otherWays: (f, admin) => [
      {
        way: "a Self Client's grant code (single-use: each curl makes a new one)",
        command: `curl -s -X POST ${admin}/zoho/grant-code | npx alsatalk-mcp connect zoho --grant-code-stdin ${zohoFlags}`,
      },
      {
        way: 'a refresh token you already have',
        command: piped([...f.state.refreshTokens][0] ?? '', `zoho --refresh-token-stdin ${zohoFlags}`),
      },
    ],
    mint: { 'grant-code': (f) => f.grantCode() },
  }),
  microsoft: fake<MicrosoftFake>({
    create: (origin) => {
      const f = createMicrosoftFake({
        loginBase: `${origin}/microsoft/login`,
        graphBase: `${origin}/microsoft/graph/v1.0`,
      });
      // As Microsoft documents it ("doesn't revoke old refresh tokens when used"): the tests' fakes refuse a replaced
      // one, to catch a client that does not save the new one; the sandbox plays Microsoft.
      f.state.oldRefreshTokensWork = true;
      return f;
    },
    holdings: (f) => f.heldEvents().length,
    creates: ['POST /me/events', 'POST /me/calendars/:calendarId/events'],
    busy: (f, start, end) => void f.state.busy.push({ start, end }),
    app: (f) => ({ clientId: f.state.clientId }),
    otherWays: (f) => [
      {
        way: 'a refresh token you already have',
        command: piped(f.state.refreshToken ?? '', 'microsoft --refresh-token-stdin'),
      },
    ],
  }),
};

export type MeetingFakes = { [K in keyof typeof meetingFakes]: ReturnType<(typeof meetingFakes)[K]['create']> };
