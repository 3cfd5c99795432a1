// `connect calendly`: a Personal Access Token, or the browser sign-in of the user's own OAuth app; the account, its
// event types and the booking mode are checked before anything is stored.
import type { z } from 'zod';
import { parseScopes } from '../../auth/token-cache.js';
import { InputError, ProviderError } from '../../errors.js';
import type { ConnectResult, ConnectorContext } from '../provider.js';
import {
  apiBase,
  convert,
  createApi,
  listEventTypes,
  oauthCredential,
  parse,
  patCredential,
  reconnect,
  type Credential,
} from './calls.js';
import { bookable, describeEventType, matchEventType } from './event-types.js';
import { scopeList as scopes, tokenHelp } from './manifest.js';
import { signIn } from './oauth.js';
import { modes, type Mode, type Settings } from './settings.js';
import { currentUser, displayName, type CalendlyEventType } from './wire.js';

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

/** Verifies the credential, the account and the event type choice; returns what to store. */
export async function connect(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<ConnectResult> {
  const mode = (values.mode?.trim().toLowerCase() || 'auto') as Mode;
  if (!modes.includes(mode))
    throw new InputError(
      '--mode',
      `"${values.mode}" is not a booking mode`,
      'use auto (book directly, else send a single-use link), direct, or link',
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
  const listed = candidates.length > 0 ? candidates.map(describeEventType).join(', ') : 'none (create one in Calendly)';
  const notes = [
    mode === 'link'
      ? "Bookings send the invitee a single-use Calendly link, opened on the meeting's day, on which they pick the time and confirm."
      : mode === 'direct'
        ? 'Bookings are made directly in Calendly (no link fallback).'
        : 'Bookings are made directly in Calendly, or, when that is not possible, the invitee gets a single-use link on which they pick the time and confirm.',
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
}
