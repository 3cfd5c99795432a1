// `connect resend`: checks the API key and the sender's domain with Resend, and says what to store.
// API reference: https://resend.com/docs/api-reference/domains/list-domains (and get-domain, for a partly verified domain)
import { setTimeout as sleep } from 'node:timers/promises';
import { InputError, ProviderError } from '../errors.js';
import { traceFetchesTo } from '../http/trace.js';
import type { ConnectorContext, ConnectResult } from '../providers/provider.js';
import { domainNote, domainsPage } from './resend-domain.js';
import { displayName, fromResendError, parseSender, resendClient } from './resend.js';

export async function connectResend(
  values: Readonly<Record<string, string>>,
  ctx: ConnectorContext,
): Promise<ConnectResult> {
  const apiKey = values.api_key?.trim() ?? '';
  const from = (values.from ?? '').trim();
  if (!apiKey)
    throw new InputError('--api-key-stdin', 'the API key is required', 'create one at https://resend.com/api-keys');
  const ratePerSecond = parseRate(values.rate_per_second);
  const sender = parseSender(from);
  if (!sender || /[\r\n]/.test(from)) {
    throw new InputError(
      '--from',
      `"${from}" is not a sender address`,
      'give it as "Name <you@your-domain>" or you@your-domain',
    );
  }
  const base = ctx.endpoints.api ?? 'https://api.resend.com';
  const client = await resendClient(apiKey, base);
  // `connect --verbose` traces the SDK's calls as ky's hooks trace the other providers'.
  const stopTrace = traceFetchesTo(base);
  try {
    return await verify(client, { apiKey, from, sender, ratePerSecond });
  } finally {
    stopTrace();
  }
}

/** Checks the key and the sender's domain with Resend; what connect stores. */
async function verify(
  client: Awaited<ReturnType<typeof resendClient>>,
  input: {
    apiKey: string;
    from: string;
    sender: NonNullable<ReturnType<typeof parseSender>>;
    ratePerSecond: number | undefined;
  },
): Promise<ConnectResult> {
  const { apiKey, from, sender, ratePerSecond } = input;
  const notes: string[] = [];
  let listed: Awaited<ReturnType<typeof client.domains.list>>;
  try {
    listed = await listDomains(() => client.domains.list());
  } catch (cause) {
    throw new ProviderError(displayName, 'network_error', `cannot reach Resend: ${(cause as Error).message}`, {
      hint: 'check the network connection, then retry',
      cause,
    });
  }
  if (listed.error) {
    // A sending-only key cannot list domains, and that answer itself proves the key is valid.
    if (listed.error.name !== 'restricted_api_key') {
      const error = fromResendError(listed.error);
      throw error.code === 'auth_failed'
        ? new ProviderError(displayName, 'auth_failed', `Resend rejected the API key (${listed.error.message})`, {
            hint: 'copy the key again from https://resend.com/api-keys, then rerun this command',
          })
        : error;
    }
    notes.push(
      'This is a sending-only key, so the sender domain could not be checked; make sure it is verified in Resend.',
    );
  } else {
    const domains = listed.data?.data ?? [];
    const match = domains.find((d) => d.name.toLowerCase() === sender.domain);
    const note = match
      ? await domainNote(match, () => client.domains.get(match.id))
      : `The domain ${sender.domain} is not in this Resend account: Resend refuses to send from it until you add and verify it at ${domainsPage}.`;
    if (note) notes.push(note);
  }
  return {
    account: from,
    settings: ratePerSecond === undefined ? { from } : { from, rate_per_second: ratePerSecond },
    secrets: { api_key: apiKey },
    notes,
  };
}

/**
 * GET /domains, again after a second when Resend answers 429 (twice at most): connect is not paced, and its request
 * counts against the team's limit (2 per second by default) with the e-mails a running server sends at that moment.
 */
async function listDomains<T extends { error: { name: string } | null }>(list: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await list();
    if (answer.error?.name !== 'rate_limit_exceeded' || attempt === 3) return answer;
    await sleep(1000);
  }
}

/** `--rate-per-second`: absent, or a positive number of requests per second (Resend's limit is per team, 2 by default). */
function parseRate(raw: string | undefined): number | undefined {
  const text = raw?.trim() ?? '';
  if (text === '') return undefined;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 1000)
    throw new InputError(
      '--rate-per-second',
      `"${text}" is not a number of requests per second from more than 0 to 1000`,
      'give the limit Resend shows under Settings → Usage (for example 2 or 10), or leave the flag out for the default 2',
    );
  return rate;
}
