// The Mailer behind which Resend sends the invitation: its connection, its key (read once per connection), the
// rendered invite and an idempotency key per booking and set of providers listed.
import { ProviderError, toAppError, type AppError } from '../errors.js';
import type { Connections } from '../connections/connections.js';
import type { EmailOutcome } from '../meeting.js';
import { connectCommand } from '../providers/provider.js';
import { timeLimit, type TimeLimit } from '../time-limit.js';
import { renderCancellation } from './cancellation.js';
import { renderInvite } from './invite.js';
import type { Logger } from '../log.js';
import { invitationKey, type Invitation, type Mailer } from './mailer.js';
import type { Organizer } from './ics.js';
import { defaultRatePerSecond, displayName, id, organizerOf, sendInvite, storedRate, type Pace } from './resend.js';

/** Where a pace comes from: the rate gates in the SQLite file (storage/rate-gate.ts), which runtime.ts passes. */
export interface PaceSource {
  pace(name: string, perSecond: number): Pace;
}

export interface ResendMailerDeps {
  connections: Connections;
  log: Logger;
  gates: PaceSource;
  /**
   * Resend's team-wide limit from ALSATALK_RESEND_RATE_PER_SECOND, when set; else what `connect resend
   * --rate-per-second` stored, else Resend's default 2. Shared by every process on the data folder.
   */
  ratePerSecond: number | undefined;
}

/**
 * Sends at 9/10 of the limit: a request held up on its way (a busy event loop, the network) still arrives a whole
 * second after the one `limit` turns before it, so Resend never counts one too many in a second.
 */
const headroom = 0.9;

/** Failures that sending again later may get past: Resend's side, the network, its rate limit, a locked keychain. */
const transient: ReadonlySet<string> = new Set([
  'rate_limited',
  'network_error',
  'timeout',
  'in_progress',
  'provider_unavailable',
  'secret_store_unavailable',
  'storage_failed',
]);

/**
 * Whether the e-mail stays in the outbox to be sent again. A spent daily or monthly quota is not waited out (a day, a
 * plan): Resend names it in the message (`fromResendError`). A 5xx is Resend's side, whatever its code.
 */
function retryable(e: AppError): boolean {
  if (e.code === 'rate_limited') return !/_quota_exceeded\)/.test(e.message);
  return transient.has(e.code) || (e instanceof ProviderError && (e.status ?? 0) >= 500);
}

export class ResendMailer implements Mailer {
  /** Kept like a provider session: for as long as its connection is unchanged (a keychain read per e-mail is slow). */
  #key: { updatedAt: string; value: string } | undefined;

  /** Waited before every send and retry, by every process alike; for the rate it was made for. */
  #pace: { rate: number; pace: Pace } | undefined;

  constructor(private readonly deps: ResendMailerDeps) {}

  #paceAt(rate: number): Pace {
    if (this.#pace?.rate !== rate) this.#pace = { rate, pace: this.deps.gates.pace(id, rate * headroom) };
    return this.#pace.pace;
  }

  async sendInvitation({ meeting, booked, stamp, update, change }: Invitation): Promise<EmailOutcome> {
    if (booked.length === 0 && !change)
      return { status: 'skipped', reason: 'nothing was booked, so no e-mail was sent' };
    const { connections } = this.deps;
    const connection = connections.get(id);
    if (!connection)
      return { status: 'not_connected', remedy: `connect Resend to e-mail invitees: ${connectCommand(id)}` };
    let limit: TimeLimit | undefined;
    try {
      if (this.#key?.updatedAt !== connection.updatedAt) {
        const value = await connections.secret({ id, displayName }, 'api_key');
        this.#key = { updatedAt: connection.updatedAt, value };
      }
      // Resend's API base (ALSATALK_RESEND_API_URL) and the time limit, as every connector call gets them.
      const context = connections.context(id);
      // A hanging Resend is cut off like a hanging provider; the booking is recorded either way.
      limit = timeLimit(context.timeoutMs);
      const sent = await sendInvite({
        apiKey: this.#key.value,
        baseUrl: context.endpoints.api ?? 'https://api.resend.com',
        settings: connection.settings,
        to: meeting.customerEmail,
        invite:
          change?.kind === 'cancelled'
            ? renderCancellation(meeting, booked, change, {
                now: new Date(stamp),
                ...organizerFrom(connection.settings),
              })
            : renderInvite(meeting, booked, {
                now: new Date(stamp),
                update,
                ...(change ? { change } : {}),
                ...organizerFrom(connection.settings),
              }),
        idempotencyKey: invitationKey({ meeting, booked, ...(change ? { change } : {}) }),
        signal: limit.signal,
        pace: this.#paceAt(this.deps.ratePerSecond ?? storedRate(connection.settings) ?? defaultRatePerSecond),
      });
      try {
        connections.markUsed(id);
      } catch (error) {
        // Sent is sent: a locked database must not turn it into a failure (the booking's own write says so).
        this.deps.log.warn('a booking outcome could not be recorded', { error: toAppError(error).message });
      }
      return { status: 'sent', id: sent, to: meeting.customerEmail };
    } catch (error) {
      const e = toAppError(error);
      const remedy = e.hint ?? `retry, or reconnect Resend: ${connectCommand(id)}`;
      return { status: 'failed', error: { code: e.code, message: e.message, remedy }, retryable: retryable(e) };
    } finally {
      limit?.clear();
    }
  }
}

/** The stored sender as the invitation's organizer, when it reads as one. */
function organizerFrom(settings: Readonly<Record<string, unknown>>): { organizer?: Organizer } {
  const organizer = typeof settings.from === 'string' ? organizerOf(settings.from) : undefined;
  return organizer ? { organizer } : {};
}
