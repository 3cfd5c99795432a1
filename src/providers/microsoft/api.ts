// Microsoft 365: an Outlook event with a Microsoft Teams meeting (session.ts), through the Microsoft identity platform's
// sign-in (oauth.ts); connect.ts connects. Microsoft has no revocation endpoint for this flow (manifest.ts says where the
// user removes the app's access instead).
// API reference: https://learn.microsoft.com/en-us/graph/api/user-post-events?view=graph-rest-1.0
import type { ProviderImplementation } from '../lazy.js';
import { connect } from './connect.js';
import { openMicrosoftSession } from './session.js';

/** What `manifest.ts` loads on first use. */
export const implementation: ProviderImplementation = { connect, openSession: openMicrosoftSession };
