// Resend's client: sending one e-mail under its idempotency key, and Resend's errors as ours (the connector that
// stores its key is resend-connector.ts).
// API reference: https://resend.com/docs/api-reference/emails/send-email
import { z } from 'zod';
import { ProviderError, type ErrorCode } from '../errors.js';
import { waitFor } from '../http/failure.js';
import { backoffMs, maxRetryAfterMs, retryAfterSeconds, withRetries } from '../http/retry.js';
import { redact } from '../log.js';
import { connectCommand } from '../providers/provider.js';
import type { Invite } from './invite.js';

export const id = 'resend';
export const displayName = 'Resend';
const reconnect = connectCommand(id);

/** The two forms Resend accepts: `Name <addr@domain>` or a bare `addr@domain`. */
const namedSender = /^(?:[^<>\r\n]{1,100}\s)?<([^\s<>@]+@([^\s<>@]+\.[^\s<>@]+))>$/;
const bareSender = /^([^\s<>@]+@([^\s<>@]+\.[^\s<>@]+))$/;

/** The sender as a calendar ORGANIZER: its display name (quotes taken off) and address, or undefined. */
export function organizerOf(from: string): { name?: string; email: string } | undefined {
  const sender = parseSender(from);
  if (!sender) return undefined;
  const name = /^([^<>\r\n]+?)\s*</
    .exec(from.trim())?.[1]
    ?.replace(/^"(.*)"$/, '$1')
    .trim();
  return { ...(name ? { name } : {}), email: sender.address };
}

/** The sender's address and domain (the domain is what Resend must have verified), or undefined. */
export function parseSender(from: string): { address: string; domain: string } | undefined {
  const trimmed = from.trim();
  const match = namedSender.exec(trimmed) ?? bareSender.exec(trimmed);
  if (!match?.[1] || !match[2]) return undefined;
  return { address: match[1], domain: match[2].toLowerCase() };
}

/** Resend's `{ error }` value (the SDK never throws on HTTP errors). */
interface ResendErrorValue {
  name: string;
  message: string;
  statusCode: number | null;
}

/** A key Resend no longer knows (deleted, revoked, mistyped): the one fix is a new key. */
const newKey: [ErrorCode, string] = [
  'auth_failed',
  `reconnect Resend: ${reconnect} (with a key from https://resend.com/api-keys: this one was deleted or is not valid)`,
];

/**
 * The single place where Resend's `{ data, error }` becomes our thrown error, with the next step for each case.
 * Names and statuses: https://resend.com/docs/api-reference/errors
 */
export function fromResendError(error: ResendErrorValue): ProviderError {
  const message = `Resend: ${redact(error.message)}${error.statusCode ? ` (HTTP ${error.statusCode}, ${error.name})` : ''}`;
  const table: Record<string, [ErrorCode, string]> = {
    missing_api_key: newKey,
    // 403 `invalid_api_key` is what Resend answered before: it now answers `validation_error` (below).
    invalid_api_key: newKey,
    restricted_api_key: ['permission_denied', `use an API key with sending access: ${reconnect}`],
    invalid_from_address: [
      'email_failed',
      `reconnect Resend with a sender on a verified domain: ${reconnect} --from "Name <you@your-domain>"`,
    ],
    rate_limit_exceeded: ['rate_limited', 'Resend is rate-limiting this team: retry in a few seconds'],
    daily_quota_exceeded: [
      'rate_limited',
      'the Resend daily e-mail quota is used up: retry tomorrow or upgrade the Resend plan',
    ],
    monthly_quota_exceeded: ['rate_limited', 'the Resend monthly e-mail quota is used up: upgrade the Resend plan'],
    concurrent_idempotent_requests: [
      'in_progress',
      'Resend is still sending this same e-mail for an earlier try: repeat the same call in a moment (the e-mail keeps its idempotency key, so it is never sent twice)',
    ],
    invalid_idempotent_request: [
      'email_failed',
      "Resend already took an e-mail with different content under this booking's idempotency key (kept 24 h), so it sends nothing: check https://resend.com/emails",
    ],
    application_error:
      error.statusCode === null
        ? [
            'network_error',
            'cannot reach Resend: check the network connection (and ALSATALK_RESEND_API_URL), then retry',
          ]
        : ['email_failed', 'Resend had an internal error: retry in a few minutes'],
    internal_server_error: ['email_failed', 'Resend had an internal error: retry in a few minutes'],
  };
  let entry = Object.hasOwn(table, error.name) ? table[error.name] : undefined;
  if (!entry && /own email address|verify (a|your) domain|domain is not verified/i.test(error.message)) {
    entry = [
      'permission_denied',
      `verify your domain at https://resend.com/domains and send from it: ${reconnect} --from "Name <you@your-domain>"`,
    ];
  }
  // A deleted or unknown key: 401 on the sending endpoint, 400 on the others (`validation_error`, "API key is invalid").
  if (!entry && (error.statusCode === 400 || error.statusCode === 401) && /api key is invalid/i.test(error.message)) {
    entry = newKey;
  }
  const [code, hint] = entry ?? ['email_failed', 'fix what Resend describes, then retry'];
  return new ProviderError(displayName, code, message, {
    hint,
    ...(error.statusCode ? { status: error.statusCode } : {}),
  });
}

const settingsSchema = z.object({ from: z.string() });

/** The team's limit `connect resend --rate-per-second` stored, if it did. */
export const storedRate = (settings: Readonly<Record<string, unknown>>): number | undefined => {
  const rate = settings.rate_per_second;
  return typeof rate === 'number' && Number.isFinite(rate) && rate > 0 ? rate : undefined;
};

/** Resend's documented default team limit, requests per second. */
export const defaultRatePerSecond = 2;

/**
 * The pace of Resend's team-wide limit, shared by every process on the data folder (storage/rate-gate.ts gives it):
 * https://resend.com/docs/api-reference/rate-limit
 */
export interface Pace {
  /** Resolves when this request's turn has come; rejects when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<void>;
  /** Every process holds its requests until `untilMs` (epoch ms): Resend answered 429 and named the wait. */
  holdUntil(untilMs: number): void;
}

export interface SendInviteInput {
  apiKey: string;
  baseUrl: string;
  settings: Record<string, unknown>;
  to: string;
  invite: Invite;
  /** Resend keeps it 24 h: the same booking never mails twice, even when the call is repeated, or retried here. */
  idempotencyKey: string;
  /** Bounds the send and its retries (the booking's provider timeout). */
  signal: AbortSignal;
  /** Waited before every try, retries included; none: this send is the only one (a test), so nothing is shared. */
  pace?: Pace;
}

/** The Resend SDK (with postal-mime, ~200 kB), loaded on first use rather than on the server's start-up path. */
export const resendClient = async (apiKey: string, baseUrl: string) =>
  new (await import('resend')).Resend(apiKey, { baseUrl });

/** Resend errors worth sending again (under the same idempotency key, so never a second e-mail): its side, not ours. */
const transientErrors: ReadonlySet<string> = new Set([
  'rate_limit_exceeded',
  'application_error',
  'internal_server_error',
]);

/**
 * Whether sending again can help. A 409 `concurrent_idempotent_requests` is this same e-mail still in progress after an
 * earlier try (its answer was lost, or it timed out): Resend says to retry it later
 * (https://resend.com/docs/dashboard/emails/idempotency-keys). Other 4xx are ours to fix: sending again cannot help.
 */
const isTransient = ({ name, statusCode }: ResendErrorValue): boolean =>
  name === 'concurrent_idempotent_requests' ||
  (transientErrors.has(name) && (statusCode === null || statusCode >= 429));

/** "In a moment" for an e-mail still in progress: Resend names no wait, and a send takes about a second. */
const inProgressWaitMs = 1000;

/**
 * The wait (s) Resend asked for: `retry-after`, else, on a 429, `ratelimit-reset`
 * (https://resend.com/docs/api-reference/rate-limit). Every answer carries `ratelimit-reset`, so only a 429's counts.
 */
function askedSeconds(error: ResendErrorValue, headers: Record<string, string> | null): number | undefined {
  if (!headers) return undefined;
  const all = new Headers(headers);
  const seconds = retryAfterSeconds(all);
  if (seconds !== undefined || error.name !== 'rate_limit_exceeded') return seconds;
  const reset = Number(all.get('ratelimit-reset') ?? Number.NaN);
  return Number.isFinite(reset) ? Math.max(0, Math.ceil(reset)) : undefined;
}

/** The wait Resend asked for (ms; -1 when it named none), by the error it came with; absent: not worth a retry. */
const askedWait = new WeakMap<ProviderError, number>();

/** Waits for the send's turn under the rate limit; past `signal`, the e-mail is not sent and says why. */
async function waitTurn(pace: Pace, signal: AbortSignal): Promise<void> {
  try {
    await pace.wait(signal);
  } catch (cause) {
    throw new ProviderError(
      displayName,
      'rate_limited',
      "the e-mail waited for its turn under Resend's rate limit until the time limit ran out, so it was not sent",
      {
        hint: 'repeat the same call in a moment (the e-mail keeps its idempotency key, so it is never sent twice), or, if your Resend team has a higher limit (Resend → Settings → Usage), give it: npx alsatalk-mcp connect resend --rate-per-second N (or ALSATALK_RESEND_RATE_PER_SECOND)',
        cause,
      },
    );
  }
}

/** Sends the invite and returns Resend's e-mail id; a send that failed on Resend's side or the network's is tried again. */
export async function sendInvite(input: SendInviteInput): Promise<string> {
  const { from } = settingsSchema.parse(input.settings);
  const client = await resendClient(input.apiKey, input.baseUrl);
  const payload = {
    from,
    to: [input.to],
    subject: input.invite.subject,
    html: input.invite.html,
    text: input.invite.text,
    attachments: [
      {
        filename: input.invite.icsMethod === 'CANCEL' ? 'cancel.ics' : 'invite.ics',
        content: Buffer.from(input.invite.ics, 'utf8').toString('base64'),
        contentType: `text/calendar; charset=utf-8; method=${input.invite.icsMethod}`,
      },
    ],
  };
  const { signal, pace } = input;
  const sendOnce = async (): Promise<string> => {
    if (pace) await waitTurn(pace, signal);
    let result: Awaited<ReturnType<typeof client.emails.send>>;
    try {
      result = await client.emails.send(payload, { idempotencyKey: input.idempotencyKey, signal });
    } catch (cause) {
      const error = new ProviderError(
        displayName,
        'network_error',
        `cannot reach Resend: ${redact((cause as Error).message)}`,
        {
          hint: 'check the network connection, then retry',
          cause,
        },
      );
      if (!signal.aborted) askedWait.set(error, -1);
      throw error;
    }
    // The SDK turns an aborted fetch into a generic "Unable to fetch data": say what happened.
    if (signal.aborted)
      throw new ProviderError(displayName, 'timeout', 'Resend did not answer in time', {
        hint: 'repeat the same call: the e-mail keeps its idempotency key, so it is never sent twice',
      });
    if (result.error) {
      const error = fromResendError(result.error);
      if (!isTransient(result.error)) throw error;
      const seconds = askedSeconds(result.error, result.headers);
      const limited = result.error.name === 'rate_limit_exceeded';
      // A 429 that still came (another client of the team, a lower limit than configured): every process waits it out.
      if (limited && seconds !== undefined) pace?.holdUntil(Date.now() + seconds * 1000);
      if (limited && seconds !== undefined && seconds * 1000 > maxRetryAfterMs) {
        // Longer than a booking waits: fail now, with the wait Resend asked for in the hint.
        throw new ProviderError(displayName, 'rate_limited', error.message, {
          hint: `Resend is rate-limiting this team: repeat the same call after ${waitFor(Math.max(1, seconds))} (the e-mail keeps its idempotency key, so it is never sent twice)`,
          status: 429,
        });
      }
      const inProgress = result.error.name === 'concurrent_idempotent_requests';
      // Held on the gate, the wait is the next turn's: sleeping it here as well would wait it twice.
      const held = limited && seconds !== undefined && pace !== undefined;
      askedWait.set(error, held ? 0 : seconds !== undefined ? seconds * 1000 : inProgress ? inProgressWaitMs : -1);
      throw error;
    }
    if (!result.data?.id)
      throw new ProviderError(displayName, 'email_failed', 'Resend accepted the e-mail but returned no id', {
        hint: 'check the Resend dashboard',
      });
    return result.data.id;
  };
  return withRetries({
    run: sendOnce,
    signal,
    retryAfter: (error, attempt) => {
      // -1: Resend named no wait, so back off as for any other transient failure.
      const asked = error instanceof ProviderError ? askedWait.get(error) : undefined;
      if (asked === undefined || asked > maxRetryAfterMs) return undefined;
      return asked >= 0 ? asked : backoffMs(attempt);
    },
  });
}
