// Every connector the CLI and `status` know: the meeting providers, then the mailer.
import type { EndpointSpec } from './config.js';
import { resend } from './email/resend.js';
import type { Connector } from './providers/provider.js';
import { meetingProviders } from './providers/index.js';

export const connectors: readonly Connector[] = [...meetingProviders, resend];

/** Every overridable base URL, for `loadConfig`. */
export const endpointSpecs: Record<string, Record<string, EndpointSpec>> = Object.fromEntries(
  connectors.map((c) => [c.id, { ...c.endpoints }]),
);
