// Resend as a connector: the API key and sender address `connect resend` checks and stores. What connect does is in
// resend-connect.ts, loaded when it runs: the server lists the connectors at start-up, and needs none of it there.
import type { Connector } from '../providers/provider.js';

/** As resend.ts spells them (which the start-up path does not load). */
const id = 'resend';
const displayName = 'Resend';

export const resend: Connector = {
  id,
  displayName,
  kind: 'email',
  summary: 'API key (resend.com → API Keys; "Sending access" is enough) and a sender on a domain verified in Resend',
  endpoints: {
    api: { env: 'ALSATALK_RESEND_API_URL', default: 'https://api.resend.com', description: 'Resend API base' },
  },
  fields: [
    {
      flag: 'api-key',
      key: 'api_key',
      label: 'API key',
      help: 'resend.com → API Keys (starts with re_)',
      secret: true,
    },
    {
      flag: 'from',
      key: 'from',
      label: 'Sender',
      help: 'e.g. "Acme Scheduling <meet@acme.com>", on a domain verified in Resend',
    },
    {
      flag: 'rate-per-second',
      key: 'rate_per_second',
      label: 'Rate limit',
      help: "your Resend team's requests per second, when it is not the default 2 (Resend → Settings → Usage)",
      optional: true,
    },
  ],

  async connect(values, ctx) {
    const { connectResend } = await import('./resend-connect.js');
    return connectResend(values, ctx);
  },
};
