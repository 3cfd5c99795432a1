// Calendly's manifest: what the tool list, the CLI and the configuration need. The implementation (direct bookings and
// single-use links) is api.ts and its sign-in oauth.ts, loaded on first use; wire.ts holds the wire shapes.
import { lazyProvider } from '../lazy.js';
import { commandWith, connectCommand } from '../provider.js';

const id = 'calendly';
export const displayName = 'Calendly';

// scheduled_events:read: the join link of a direct booking, and the look-up of one an interrupted call may have made.
export const calendlyScopes = [
  'users:read',
  'event_types:read',
  'availability:read',
  'scheduled_events:read',
  'scheduled_events:write',
  'scheduling_links:write',
] as const;
export const tokenHelp =
  'Calendly → Integrations & apps → API & webhooks → Personal access tokens → Generate new token';
/** Every scope the flow uses; a token created with scopes needs all of them. */
export const scopeList = calendlyScopes.join(', ');

export const calendly = lazyProvider(
  {
    id,
    displayName,
    kind: 'meeting',
    availabilityRole: 'booking_page',
    changes: {
      cancel: 'Calendly event cancelled with the reason',
      reschedule:
        'Calendly booked at the new time first and the old event cancelled after (Calendly has no reschedule)',
      caveat:
        'A single-use Calendly link cannot be revoked: if the invitee booked through it, that event is cancelled; if not, the result says the link remains and the e-mail tells the invitee not to use it.',
    },
    summary:
      `a Personal Access Token from ${tokenHelp} (scopes: ${scopeList}), ` +
      'or sign in with the browser through your own OAuth app (a Sandbox app at developer.calendly.com with the redirect URI http://localhost:<port>/callback, with --port <port>)',
    endpoints: {
      api: {
        env: 'ALSATALK_CALENDLY_API_URL',
        default: 'https://api.calendly.com',
        description: 'Calendly API v2 base',
      },
      auth: {
        env: 'ALSATALK_CALENDLY_AUTH_URL',
        default: 'https://auth.calendly.com',
        description: 'Calendly OAuth host (/oauth/authorize, /oauth/token, /oauth/revoke)',
      },
    },
    // "Only 8 OAuth tokens per user can be requested within a span of 1 minute" (rate-limits page, checked 2026-12-05).
    limits: {
      tokensPerMinute: {
        env: 'ALSATALK_CALENDLY_TOKENS_PER_MINUTE',
        default: 8,
        unit: 'token requests per minute',
        description:
          "Calendly's limit on OAuth token requests per user (a sign-in's refreshes), shared by every process on this data folder",
      },
      // "Date range can be no greater than 31 days" (event_type_available_times, since the 2026-07-09 release; 7 before).
      availableTimesDays: {
        env: 'ALSATALK_CALENDLY_AVAILABLE_TIMES_DAYS',
        default: 31,
        unit: 'days',
        description:
          'the longest range one GET /event_type_available_times may ask for; a longer search is split into concurrent requests',
      },
    },
    fields: [
      {
        flag: 'client-id',
        key: 'clientId',
        label: 'OAuth client ID',
        help: 'browser sign-in only: the client id of your Calendly OAuth app (leave it out to use a Personal Access Token)',
        optional: true,
        fromEnv: true,
        envUnless: 'token',
      },
      {
        flag: 'client-secret',
        key: 'client_secret',
        label: 'OAuth client secret',
        help: 'browser sign-in with a web app only (a native app has none)',
        secret: true,
        optional: true,
        fromEnv: true,
        envUnless: 'token',
      },
      {
        flag: 'port',
        key: 'port',
        label: 'Sign-in port',
        help: 'browser sign-in: the port of the redirect URI http://localhost:<port>/callback registered for the app (Calendly matches it exactly)',
        optional: true,
      },
      {
        flag: 'token',
        key: 'token',
        label: 'Personal Access Token',
        help: tokenHelp,
        secret: true,
        requiredUnless: 'clientId',
      },
      {
        flag: 'event-type',
        key: 'eventType',
        label: 'Event type',
        help: 'slug or name of the event type to book (default: the active one as long as the booking)',
        optional: true,
      },
      {
        flag: 'mode',
        key: 'mode',
        label: 'Booking mode',
        help: 'auto (default: book directly, else send a single-use link on which the invitee picks the time and confirms), direct, or link',
        optional: true,
      },
    ],

    // A web app's secret, a native app none; Calendly matches the registered redirect URI (and its port) exactly.
    signIn: { clientSecret: 'optional', fixedPort: true, keep: ['eventType', 'mode'] },

    reconnect(settings) {
      return settings.auth === 'oauth'
        ? commandWith(id, { 'client-id': settings.clientId, port: settings.redirectPort })
        : connectCommand(id);
    },

    secretsFor(settings) {
      if (settings.auth !== 'oauth') return ['token'];
      return settings.webClient === true ? ['refresh_token', 'client_secret'] : ['refresh_token'];
    },
    revocable: true,
  },
  async () => (await import('./api.js')).implementation,
);
