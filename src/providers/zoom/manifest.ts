// Zoom's manifest: what the tool list, the CLI and the configuration need. The implementation (S2S and the user sign-in,
// creating meetings) is api.ts, loaded on first use; wire.ts holds the wire shapes.
import { lazyProvider } from '../lazy.js';
import { commandWith } from '../provider.js';

const id = 'zoom';
export const displayName = 'Zoom';

export const zoom = lazyProvider(
  {
    id,
    displayName,
    kind: 'meeting',
    availabilityRole: 'calendar',
    changes: {
      cancel: 'Zoom meeting deleted',
      reschedule: 'Zoom meeting updated (same link and passcode)',
    },
    summary:
      'sign in with the browser through a General app with "Use Public Client OAuth" on (its public client id; redirect URL http://127.0.0.1/callback), ' +
      'or a Server-to-Server OAuth app (account id, client id, client secret), from marketplace.zoom.us → Develop → Build App',
    endpoints: {
      api: { env: 'ALSATALK_ZOOM_API_URL', default: 'https://api.zoom.us/v2', description: 'Zoom REST API base' },
      oauth: {
        env: 'ALSATALK_ZOOM_OAUTH_URL',
        default: 'https://zoom.us',
        description: 'Zoom OAuth host (/oauth/authorize and /oauth/token)',
      },
    },
    // Create a meeting is a Medium API: Free 2, Pro 20, Business+ 60 per second, per account (rate-limits page,
    // checked 2026-12-05). Pro is the default: a Free account's meetings end at 40 minutes, which bookings outgrow.
    limits: {
      createsPerSecond: {
        env: 'ALSATALK_ZOOM_CREATES_PER_SECOND',
        default: 20,
        unit: 'requests per second',
        description:
          "Zoom's rate for creating meetings on your plan (Free 2, Pro 20, Business and up 60), shared by every process on this data folder",
      },
    },
    fields: [
      {
        flag: 'account-id',
        key: 'accountId',
        label: 'Account ID',
        help: "Server-to-Server only: the S2S app's App Credentials page (leave it out to sign in with the browser)",
        optional: true,
      },
      {
        flag: 'client-id',
        key: 'clientId',
        label: 'Client ID',
        help: "the S2S app's client id, or the General app's public client id for the browser sign-in",
        fromEnv: true,
      },
      {
        flag: 'client-secret',
        key: 'client_secret',
        label: 'Client secret',
        help: "Server-to-Server only: the S2S app's App Credentials page",
        secret: true,
        optional: true,
        requiredWith: 'accountId',
        fromEnv: true,
      },
      {
        flag: 'refresh-token',
        key: 'refresh_token',
        label: 'Refresh token',
        help: 'instead of the browser sign-in: a refresh token of the public client (Zoom replaces it on first use)',
        secret: true,
        optional: true,
      },
      {
        flag: 'user',
        key: 'userId',
        label: 'Host user',
        help: 'Server-to-Server only: Zoom user id or e-mail that hosts the meetings (default: me, the account owner)',
        optional: true,
      },
    ],

    // Zoom ignores the port of a loopback redirect, and the public client has no secret.
    signIn: { clientSecret: 'none', fixedPort: false, keep: [] },

    secretsFor(settings) {
      return settings.auth === 'oauth' ? ['refresh_token'] : ['client_secret'];
    },

    reconnect(settings) {
      if (settings.auth === 'oauth') return commandWith(id, { 'client-id': settings.clientId });
      return commandWith(id, {
        'account-id': settings.accountId,
        'client-id': settings.clientId,
        ...(settings.userId !== 'me' ? { user: settings.userId } : {}),
      });
    },
    removeApp(settings) {
      return settings.auth === 'oauth'
        ? 'Zoom offers no revocation for a public client: remove the app under Manage → Added Apps on marketplace.zoom.us'
        : undefined;
    },
    revocable: false,
  },
  async () => (await import('./api.js')).implementation,
);
