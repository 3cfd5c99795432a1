// Zoho's data centres: the accounts server a connection signs in and refreshes at (--region, an override, or the one the
// sign-in's callback names). https://www.zoho.com/accounts/protocol/oauth/multi-dc.html
import { InputError } from '../../errors.js';
import { singleLine, truncate } from '../../text.js';
import { accountsHosts, regions, type Region } from './manifest.js';

export { accountsHosts, regions, type Region };

/**
 * Pure: the accounts server to use. An `ALSATALK_ZOHO_ACCOUNTS_URL` that differs from the default wins over `--region`
 * (it points at a proxy or a test fake); otherwise `--region` picks the data centre, and US is the default.
 * @returns the server, and a note when an override made `--region` moot
 */
export function resolveAccountsServer(
  region: string | undefined,
  configured: string | undefined,
  defaultUrl: string,
): { server: string; region?: Region; note?: string } {
  const wanted = region?.trim().toLowerCase() || undefined;
  if (wanted !== undefined && !Object.hasOwn(accountsHosts, wanted)) {
    throw new InputError(
      '--region',
      `"${region}" is not a Zoho data centre`,
      `use one of ${regions.join(', ')}: the end of the address you sign in at (accounts.zoho.eu is eu, accounts.zohocloud.ca is ca)`,
    );
  }
  const override = configured && configured !== defaultUrl ? configured : undefined;
  if (override) {
    return {
      server: override,
      ...(wanted
        ? {
            region: wanted as Region,
            note: `ALSATALK_ZOHO_ACCOUNTS_URL is set, so ${override} is used instead of the ${wanted} accounts server.`,
          }
        : {}),
    };
  }
  const chosen = (wanted ?? 'us') as Region;
  return { server: accountsHosts[chosen], region: chosen };
}

/**
 * Pure: the accounts server to exchange a sign-in's code at. Zoho's callback names the person's data centre in
 * `accounts-server` (https://www.zoho.com/accounts/protocol/oauth/multi-dc/client-authorization.html); the code and the
 * client secret go there, so only Zoho's own accounts hosts (https, exact origin) or the server we signed in at (a
 * configured override) are trusted. A callback without one falls back on its `location` (`eu`, `ae`, ...), when we signed
 * in at one of Zoho's hosts, and otherwise means the server we signed in at.
 * @returns the server and its data centre, or `refused` with the value the callback named
 */
export function callbackAccountsServer(
  named: string | null,
  signedInAt: string,
  location?: string | null,
): { server: string; region?: Region } | { refused: string } {
  const value = named?.trim() ?? '';
  const base = (server: string) => server.replace(/\/+$/, '');
  if (value === '' || base(value) === base(signedInAt)) {
    const signedInRegion = regions.find((r) => accountsHosts[r] === base(signedInAt));
    const located = location?.trim().toLowerCase() ?? '';
    const region =
      value === '' && signedInRegion && Object.hasOwn(accountsHosts, located) ? (located as Region) : signedInRegion;
    return region ? { server: accountsHosts[region], region } : { server: base(signedInAt) };
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const region =
    url && url.protocol === 'https:' && url.pathname === '/' && !url.search && !url.username
      ? regions.find((r) => accountsHosts[r] === url.origin)
      : undefined;
  return region ? { server: accountsHosts[region], region } : { refused: truncate(singleLine(value), 100) };
}
