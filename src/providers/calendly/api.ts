// Calendly: books through the Scheduling API (POST /invitees) or sends a single-use link the invitee books on (session.ts), with a
// Personal Access Token or the user's own OAuth app (browser sign-in, see oauth.ts); connect.ts connects.
// API reference: https://developer.calendly.com/api-docs/ · flow: https://developer.calendly.com/schedule-events-with-ai-agents
import type { ProviderImplementation } from '../lazy.js';
import type { ProviderSession, SessionContext } from '../provider.js';
import { apiBase, createApi, oauthCredential, patCredential } from './calls.js';
import { connect } from './connect.js';
import { revokeGrant, sessionTokens } from './oauth.js';
import { CalendlySession } from './session.js';
import { settingsSchema } from './settings.js';

/** What `calendly.ts` (its manifest) loads on first use. */
export const implementation: ProviderImplementation = {
  connect,

  async revoke(ctx) {
    const settings = settingsSchema.safeParse(ctx.settings).data;
    // A Personal Access Token is revoked in Calendly's settings only; there is no API for it.
    if (settings?.auth !== 'oauth' || !settings.clientId) return 'nothing';
    return revokeGrant(ctx, settings.clientId);
  },

  openSession(ctx: SessionContext): ProviderSession {
    const settings = settingsSchema.parse(ctx.settings);
    if (settings.auth === 'oauth' && settings.clientId) {
      const { auth } = sessionTokens(ctx, settings.clientId, settings.webClient === true);
      return new CalendlySession(
        createApi(apiBase(ctx), ctx.timeoutMs, auth),
        settings,
        oauthCredential(settings.clientId),
        ctx,
      );
    }
    return new CalendlySession(
      createApi(apiBase(ctx), ctx.timeoutMs, () => ctx.secret('token')),
      settings,
      patCredential,
      ctx,
    );
  },
};
