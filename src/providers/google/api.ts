// Google Calendar: an event with the invitee and a Google Meet link (session.ts), through an OAuth refresh token (client
// id + secret, oauth.ts); connect.ts connects.
// API reference: https://developers.google.com/calendar/api/v3/reference/events/insert
import type { ProviderImplementation } from '../lazy.js';
import { connect } from './connect.js';
import { googleClient } from './oauth.js';
import { openGoogleSession } from './session.js';

/** What `google.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  connect,

  /** Revokes the refresh token, and with it the grant; one Google no longer knows counts as revoked. */
  async revoke(ctx) {
    const refreshToken = await ctx.secret('refresh_token');
    if (!refreshToken) return 'nothing';
    const clientId = typeof ctx.settings.clientId === 'string' ? ctx.settings.clientId : '';
    // Revocation takes the token alone, without client authentication: the secret is never read for it.
    const client = googleClient(ctx, clientId, async () => (await ctx.secret('client_secret')) ?? '');
    return client.revoke(refreshToken);
  },

  openSession: openGoogleSession,
};
