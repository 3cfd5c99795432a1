// Zoho Bookings: a confirmed appointment for a service and staff member (session.ts), through a browser sign-in, a Self
// Client grant code or a refresh token (oauth.ts, sign-in.ts); connect.ts connects.
// API reference: https://www.zoho.com/bookings/help/api/v1/book-appointment.html
import type { ProviderImplementation } from '../lazy.js';
import { connect } from './connect.js';
import { zohoClient } from './oauth.js';
import { openZohoSession } from './session.js';
import { settingsSchema } from './settings.js';

/** What `zoho.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  connect,

  /** Revokes the refresh token (and the grant) at the data centre that issued it, like the refreshes. */
  async revoke(ctx) {
    const refreshToken = await ctx.secret('refresh_token');
    const settings = settingsSchema.safeParse(ctx.settings).data;
    if (!refreshToken || !settings) return 'nothing';
    // Revocation takes the token alone, without client authentication: the secret is never read for it.
    const secret = async () => (await ctx.secret('client_secret')) ?? '';
    const client = zohoClient(settings.accountsServer, ctx.timeoutMs, settings.clientId, secret);
    return client.revoke(refreshToken);
  },

  openSession: openZohoSession,
};
