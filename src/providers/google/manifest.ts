// Google Calendar's manifest: what the tool list, the CLI and the configuration need. The implementation (the sign-in,
// events with a Meet link) is api.ts, loaded on first use; wire.ts holds the wire shapes.
import { lazyProvider } from '../lazy.js';
import { commandWith } from '../provider.js';

const id = 'google';
export const displayName = 'Google Calendar';

export const google = lazyProvider(
  {
    id,
    displayName,
    kind: 'meeting',
    availabilityRole: 'calendar',
    changes: {
      cancel: 'Google Calendar event deleted',
      reschedule: 'Google Calendar event moved (same Meet link)',
    },
    summary:
      'OAuth client (Desktop app) id and secret plus a refresh token with the calendar.events scope, from console.cloud.google.com → APIs & Services → Credentials',
    endpoints: {
      api: {
        env: 'ALSATALK_GOOGLE_API_URL',
        default: 'https://www.googleapis.com/calendar/v3',
        description: 'Google Calendar API base',
      },
      token: {
        env: 'ALSATALK_GOOGLE_TOKEN_URL',
        default: 'https://oauth2.googleapis.com',
        description: 'Google OAuth host (token endpoint /token)',
      },
      auth: {
        env: 'ALSATALK_GOOGLE_AUTH_URL',
        default: 'https://accounts.google.com/o/oauth2/v2/auth',
        description: 'Google sign-in page (authorization endpoint)',
      },
    },
    // A Desktop app client has a secret (Google says it is not confidential; we keep it in the keychain all the same).
    signIn: { clientSecret: 'required', fixedPort: false, keep: ['calendarId', 'sendUpdates'] },

    reconnect(settings) {
      return commandWith(id, {
        'client-id': settings.clientId,
        ...(settings.calendarId !== 'primary' ? { calendar: settings.calendarId } : {}),
      });
    },

    fields: [
      {
        flag: 'client-id',
        key: 'clientId',
        label: 'OAuth client ID',
        help: 'Google Cloud console → APIs & Services → Credentials (…apps.googleusercontent.com)',
        fromEnv: true,
      },
      {
        flag: 'client-secret',
        key: 'client_secret',
        label: 'OAuth client secret',
        help: 'the same OAuth client in Google Cloud console',
        secret: true,
        fromEnv: true,
      },
      {
        flag: 'refresh-token',
        key: 'refresh_token',
        label: 'Refresh token',
        help: 'instead of the browser sign-in: a refresh token that client issued with the calendar.events scope',
        secret: true,
        optional: true,
      },
      {
        flag: 'calendar',
        key: 'calendarId',
        label: 'Calendar',
        help: 'calendar id to book in (default: primary)',
        optional: true,
      },
      {
        flag: 'send-updates',
        key: 'sendUpdates',
        label: 'Google invitations',
        help: 'none (default: our e-mail is the invitation), all or externalOnly',
        optional: true,
      },
    ],
    revocable: true,
  },
  async () => (await import('./api.js')).implementation,
);
