// Every connector the CLI and `status` know: the meeting providers, then the mailer; and what the configuration reads
// for them (base URLs, OAuth app variables), derived from their manifests.
import type { ConfigSpecs } from './config.js';
import { resend } from './email/resend-connector.js';
import { fieldEnv, type Connector } from './providers/provider.js';
import { meetingProviders } from './providers/index.js';

export const connectors: readonly Connector[] = [...meetingProviders, resend];

/** Every overridable base URL, credential variable and documented limit, for `loadConfig`. */
export const configSpecs: ConfigSpecs = {
  endpoints: Object.fromEntries(connectors.map((c) => [c.id, { ...c.endpoints }])),
  credentials: Object.fromEntries(
    connectors.map((c) => [
      c.id,
      Object.fromEntries(c.fields.filter((f) => f.fromEnv).map((f) => [f.key, fieldEnv(c.id, f)])),
    ]),
  ),
  limits: Object.fromEntries(connectors.map((c) => [c.id, { ...c.limits }])),
};
