// `connect zoho`: a browser sign-in, a Self Client grant code or a refresh token at the chosen data centre; then the
// workspace, service and staff member to book with are picked, before anything is stored.
import type { z } from 'zod';
import { parseScopes } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import { createHttp } from '../../http/client.js';
import { canonicalTimeZone, timeZoneRefusal } from '../../time-zone.js';
import type { FailureContext } from '../../http/failure.js';
import type { ConnectResult, ConnectorContext } from '../provider.js';
import { apiFailure, bookingsUrl, fetchList } from './bookings-calls.js';
import { resolveAccountsServer } from './data-centres.js';
import { failure, reconnect } from './failure.js';
import { consoleHelp, zoho } from './manifest.js';
import { zohoClient, type ZohoToken } from './oauth.js';
import {
  isStaffService,
  parseZohoDuration,
  pickOne,
  serviceItem,
  staffItem,
  unbookableServiceError,
  workspaceItem,
} from './setup-wire.js';
import { signIn } from './sign-in.js';
import { displayName } from './wire.js';

/** Verifies the credentials and picks the workspace, service and staff member; returns what to store. */
export async function connect(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<ConnectResult> {
  const clientId = values.clientId?.trim() ?? '';
  const clientSecret = values.client_secret?.trim() ?? '';
  const grantCode = values.grant_code?.trim() ?? '';
  const givenRefresh = values.refresh_token?.trim() ?? '';
  if (!clientId) throw new InputError('--client-id', 'is required', `copy it from ${consoleHelp}`);
  if (!clientSecret)
    throw new InputError('--client-secret-stdin', 'the client secret is required', `copy it from ${consoleHelp}`);
  if (grantCode && givenRefresh) {
    throw new InputError(
      '--grant-code-stdin',
      'give a grant code or a refresh token, not both',
      `pipe the client secret and one of them, one per line: --client-secret-stdin --grant-code-stdin (or --refresh-token-stdin), or leave both out to sign in with the browser`,
    );
  }
  const givenZone = values.timeZone?.trim();
  const timeZone = givenZone ? canonicalTimeZone(givenZone) : undefined;
  if (givenZone && !timeZone) {
    const { problem, fix } = timeZoneRefusal(givenZone);
    throw new InputError(
      '--time-zone',
      problem,
      `${fix}: the zone set in Zoho Bookings → Settings → Basic Information`,
    );
  }
  const accounts = resolveAccountsServer(
    values.region,
    ctx.endpoints.accounts,
    zoho.endpoints.accounts?.default ?? 'https://accounts.zoho.com',
  );
  const signingIn = !grantCode && !givenRefresh;
  let server = accounts.server;
  let region = accounts.region;
  let token: ZohoToken;
  let refreshToken: string;
  const notes = accounts.note ? [accounts.note] : [];
  if (signingIn) {
    const signed = await signIn(ctx, clientId, clientSecret, accounts.server, values.port?.trim() || undefined);
    token = signed.token;
    refreshToken = signed.token.refresh_token;
    if (signed.server !== accounts.server) {
      notes.push(
        `Zoho signed you in at its ${signed.region ?? 'own'} data centre (${signed.server}), so the connection uses that accounts server.`,
      );
      server = signed.server;
      region = signed.region;
    }
  } else if (grantCode) {
    const exchanged = await zohoClient(accounts.server, ctx.timeoutMs, clientId, clientSecret).exchangeCode({
      code: grantCode,
    });
    token = exchanged;
    refreshToken = exchanged.refresh_token;
  } else {
    // Zoho does not rotate refresh tokens: the one given stays the one to store.
    token = await zohoClient(accounts.server, ctx.timeoutMs, clientId, clientSecret).refresh(givenRefresh);
    refreshToken = givenRefresh;
  }
  const connectFailure: FailureContext = {
    ...failure,
    reauthHint: signingIn
      ? `sign in with the Zoho account that has Zoho Bookings, approve the scope zohobookings.data.CREATE, and use the client of that account's data centre (--region), then connect again: ${reconnect}`
      : `make the grant code with the scope zohobookings.data.CREATE, in the data centre of the Bookings account (--region), then connect again: ${reconnect}`,
  };
  const http = createHttp({ prefixUrl: '', timeoutMs: ctx.timeoutMs });
  const headers = {
    Authorization: zohoClient(server, ctx.timeoutMs, clientId, clientSecret).header(token.access_token),
  };
  const list = async <T>(path: string, params: Record<string, string>, item: z.ZodType<T>): Promise<T[]> => {
    try {
      return await fetchList(http, bookingsUrl(token.api_domain, path), params, item, { headers });
    } catch (error) {
      throw await apiFailure(error, connectFailure);
    }
  };
  const workspace = pickOne('workspace', '--workspace', await list('workspaces', {}, workspaceItem), values.workspace);
  const listed = await list('services', { workspace_id: workspace.id }, serviceItem);
  const unbookable = unbookableServiceError(listed, values.service);
  if (unbookable) throw unbookable;
  const services = listed.filter(isStaffService);
  const service = pickOne(
    'service',
    '--service',
    services,
    values.service,
    (s) => `"${s.name}" (id ${s.id}, ${s.duration})`,
  );
  const durationMinutes = parseZohoDuration(service.duration);
  if (durationMinutes === undefined) {
    throw new ProviderError(
      displayName,
      'provider_rejected',
      `cannot read the length of the service "${service.name}" ("${service.duration}")`,
      { hint: 'choose another service with --service' },
    );
  }
  // Fetch Staff documents staff_id, service_id and staff_email only (https://www.zoho.com/bookings/help/api/v1/fetch-staff.html).
  const staffs = await list('staffs', { service_id: service.id }, staffItem);
  const staff = pickOne(
    'staff member',
    '--staff',
    staffs,
    values.staff,
    (s) => `"${s.name}" (id ${s.id}${s.email ? `, ${s.email}` : ''})`,
  );
  const others = services.filter(
    (s) => s.id !== service.id && (s.assigned_staffs === undefined || s.assigned_staffs.includes(staff.id)),
  );
  notes.push(
    `Meetings of ${durationMinutes} minutes are booked as "${service.name}" with ${staff.name}. ${
      others.length > 0
        ? `Other lengths use ${staff.name}'s other services: ${others.map((s) => `"${s.name}" (${s.duration})`).join(', ')}.`
        : `${staff.name} has no other service, so other lengths cannot be booked in Zoho.`
    }`,
    "Zoho Bookings asks for the customer's phone number: without customer_phone, the Zoho booking fails and says so.",
  );
  return {
    account: `${staff.email ?? staff.name} (${workspace.name})`,
    settings: {
      clientId,
      ...(region ? { region } : {}),
      accountsServer: server,
      apiDomain: token.api_domain,
      // The registered redirect URI's port, so that a sign-in again (connect_provider) uses it.
      ...(signingIn && values.port?.trim() ? { redirectPort: Number(values.port.trim()) } : {}),
      workspace: { id: workspace.id, name: workspace.name },
      service: { id: service.id, name: service.name, duration: service.duration, durationMinutes },
      staff: { id: staff.id, name: staff.name, ...(staff.email ? { email: staff.email } : {}) },
      ...(timeZone ? { timeZone } : {}),
    },
    secrets: { client_secret: clientSecret, refresh_token: refreshToken },
    notes,
    grant: { scopes: parseScopes(token.scope), expiresAt: Date.now() + token.expires_in * 1000 },
  };
}
