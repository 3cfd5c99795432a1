// Zoho Bookings' manifest: what the tool list, the CLI and the configuration need, and its data centres. The
// implementation (sign-in, grant codes, appointments) is api.ts, loaded on first use; wire.ts holds the wire shapes.
import { lazyProvider } from '../lazy.js';
import { commandWith } from '../provider.js';

const id = 'zoho';
export const displayName = 'Zoho Bookings';

/**
 * Accounts host per data centre: the OAuth list (https://www.zoho.com/accounts/protocol/oauth/multi-dc.html: US, EU,
 * IN, AU, JP, CA, SA, UK), China (https://www.bigin.com/developer/docs/apis/multi-dc.html) and the UAE, zoho.ae with
 * API host www.zohoapis.ae (https://www.zoho.com/workdrive/developer/docs/api/v1/getting-started-multi-dc-support.html).
 * A grant code or refresh token works only at the accounts host of the data centre that issued it; CA is the odd one
 * out (zohocloud.ca).
 */
export const accountsHosts = {
  us: 'https://accounts.zoho.com',
  eu: 'https://accounts.zoho.eu',
  in: 'https://accounts.zoho.in',
  au: 'https://accounts.zoho.com.au',
  jp: 'https://accounts.zoho.jp',
  ca: 'https://accounts.zohocloud.ca',
  sa: 'https://accounts.zoho.sa',
  cn: 'https://accounts.zoho.com.cn',
  uk: 'https://accounts.zoho.uk',
  ae: 'https://accounts.zoho.ae',
} as const;
export type Region = keyof typeof accountsHosts;
export const regions = Object.keys(accountsHosts) as Region[];

export const consoleHelp =
  'the Zoho API console (api-console.zoho.com, or api-console.zoho.eu, .in, … for your data centre) → Self Client';
export const apiConsole =
  'the Zoho API console (api-console.zoho.com, or api-console.zoho.eu, .in, … for your data centre)';

export const zoho = lazyProvider(
  {
    id,
    displayName,
    kind: 'meeting',
    availabilityRole: 'booking_page',
    changes: {
      cancel: 'Zoho Bookings appointment cancelled',
      reschedule: 'Zoho Bookings appointment rescheduled',
    },
    authScheme: 'Zoho-oauthtoken',
    summary: `client id and secret plus the browser sign-in (a "Server-based Applications" client whose redirect URI is http://127.0.0.1:<port>/callback, with --port <port>), or a Self Client grant code with scope zohobookings.data.CREATE, or a refresh token, from ${apiConsole}`,
    // No API URL variable: the token answer's api_domain names the API host (the test fake's names the fake itself).
    endpoints: {
      accounts: {
        env: 'ALSATALK_ZOHO_ACCOUNTS_URL',
        default: 'https://accounts.zoho.com',
        description: 'Zoho accounts server (token endpoint /oauth/v2/token); overrides --region',
      },
    },
    // A server-based client has a secret; Zoho matches the registered redirect URI (and its port) exactly.
    signIn: {
      clientSecret: 'required',
      fixedPort: true,
      keep: ['region', 'workspace', 'service', 'staff', 'timeZone'],
    },

    reconnect(settings) {
      const idOf = (value: unknown): unknown =>
        value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
      return commandWith(id, {
        'client-id': settings.clientId,
        region: settings.region,
        port: settings.redirectPort,
        service: idOf(settings.service),
        staff: idOf(settings.staff),
        'time-zone': settings.timeZone,
      });
    },

    fields: [
      {
        flag: 'client-id',
        key: 'clientId',
        label: 'Client ID',
        help: `${consoleHelp} → Client ID (1000.…)`,
        fromEnv: true,
      },
      {
        flag: 'client-secret',
        key: 'client_secret',
        label: 'Client secret',
        help: `${consoleHelp} → Client Secret`,
        secret: true,
        fromEnv: true,
      },
      {
        flag: 'grant-code',
        key: 'grant_code',
        label: 'Grant code',
        help: `instead of the browser sign-in: ${consoleHelp} → Generate Code, scope zohobookings.data.CREATE (works once, for minutes)`,
        secret: true,
        optional: true,
      },
      {
        flag: 'refresh-token',
        key: 'refresh_token',
        label: 'Refresh token',
        help: 'instead of a grant code: a refresh token that client issued with scope zohobookings.data.CREATE',
        secret: true,
        optional: true,
      },
      // The sign-in's own --port, listed here so that help explains it and connect knows whether it was given.
      {
        flag: 'port',
        key: 'port',
        label: 'Sign-in port',
        help: 'browser sign-in: the port of the redirect URI http://127.0.0.1:<port>/callback registered for the client (Zoho matches it exactly)',
        optional: true,
      },
      {
        flag: 'region',
        key: 'region',
        label: 'Data centre',
        help: `${regions.join(', ')} (default us): the end of the address you sign in to Zoho at`,
        optional: true,
      },
      {
        flag: 'workspace',
        key: 'workspace',
        label: 'Workspace',
        help: 'id or name of the Zoho Bookings workspace (default: the only one)',
        optional: true,
      },
      {
        flag: 'service',
        key: 'service',
        label: 'Service',
        help: 'id or name of the service to book (default: the only one)',
        optional: true,
      },
      {
        flag: 'staff',
        key: 'staff',
        label: 'Staff member',
        help: 'id or name of the staff member to book with (default: the only one on the service)',
        optional: true,
      },
      {
        flag: 'time-zone',
        key: 'timeZone',
        label: 'Workspace time zone',
        help: "IANA zone of the workspace (Zoho Bookings → Settings → Basic Information), in which Zoho lists open times without naming it (default: the server's ALSATALK_DEFAULT_TIMEZONE)",
        optional: true,
      },
    ],
    revocable: true,
  },
  async () => (await import('./api.js')).implementation,
);
