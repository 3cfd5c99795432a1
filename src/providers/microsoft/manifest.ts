// Microsoft 365's manifest: what the tool list, the CLI and the configuration need. The implementation (the sign-in
// with the Microsoft identity platform, Outlook events with a Teams meeting through Microsoft Graph) is api.ts, loaded
// on first use; wire.ts holds the wire shapes.
import { lazyProvider } from '../lazy.js';
import { commandWith } from '../provider.js';

const id = 'microsoft';
export const displayName = 'Microsoft 365';

export const microsoft = lazyProvider(
  {
    id,
    displayName,
    kind: 'meeting',
    availabilityRole: 'calendar',
    changes: {
      cancel: "Outlook event deleted (cancelled with Outlook's notice when the invitee is an attendee)",
      reschedule: 'Outlook event moved (same Teams link)',
    },
    summary:
      'sign in with the browser through your app registration in the Microsoft Entra admin center (a "Mobile and desktop applications" platform with the redirect URI http://localhost/callback; its Application (client) ID)',
    endpoints: {
      login: {
        env: 'ALSATALK_MICROSOFT_LOGIN_URL',
        default: 'https://login.microsoftonline.com',
        description: 'Microsoft identity platform host (/<tenant>/oauth2/v2.0/authorize and /token)',
      },
      graph: {
        env: 'ALSATALK_MICROSOFT_GRAPH_URL',
        default: 'https://graph.microsoft.com/v1.0',
        description: 'Microsoft Graph API base',
      },
    },
    fields: [
      {
        flag: 'client-id',
        key: 'clientId',
        label: 'Application (client) ID',
        help: 'Microsoft Entra admin center → App registrations → your app → Overview',
        fromEnv: true,
      },
      {
        flag: 'tenant',
        key: 'tenant',
        label: 'Tenant',
        help: 'common (default: work, school and personal accounts), organizations, consumers, or your tenant id',
        optional: true,
      },
      {
        flag: 'refresh-token',
        key: 'refresh_token',
        label: 'Refresh token',
        help: 'instead of the browser sign-in: a refresh token of the app with offline_access and Calendars.ReadWrite (Microsoft replaces it at every use)',
        secret: true,
        optional: true,
      },
      {
        flag: 'calendar',
        key: 'calendarId',
        label: 'Calendar',
        help: 'the id of the Outlook calendar to book in (default: the account’s default calendar)',
        optional: true,
      },
      {
        flag: 'no-teams',
        key: 'noTeams',
        label: 'Without Teams',
        help: 'book the Outlook event without a Teams meeting (for calendars that do not allow Teams, such as a personal account)',
        switch: true,
      },
      {
        flag: 'invite-attendee',
        key: 'inviteAttendee',
        label: 'Invite the attendee',
        help: 'add the invitee to the Outlook event, so that Outlook e-mails its own invitation too (default: our e-mail is the invitation)',
        switch: true,
      },
    ],

    // A localhost redirect URI matches any port, and a desktop app has no secret.
    signIn: { clientSecret: 'none', fixedPort: false, keep: ['tenant', 'calendarId', 'noTeams', 'inviteAttendee'] },

    reconnect(settings) {
      return commandWith(id, {
        'client-id': settings.clientId,
        ...(settings.tenant !== 'common' ? { tenant: settings.tenant } : {}),
        ...(typeof settings.calendarId === 'string' ? { calendar: settings.calendarId } : {}),
      });
    },
    removeApp() {
      return 'Microsoft offers no way for an app to revoke its own refresh token: remove the app’s access at https://myapps.microsoft.com (work or school account) or https://account.live.com/consent/Manage (personal account)';
    },
    revocable: false,
  },
  async () => (await import('./api.js')).implementation,
);
