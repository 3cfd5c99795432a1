// The outbox in front of the mailer: an invitation is recorded before it is sent and leaves only when Resend took it or
// refused it for good. A booking call waits for its e-mail a bounded time (ALSATALK_EMAIL_WAIT_MS); what is still
// queued then, or was left by a crash or an earlier server, is sent by a background drain.
import { setTimeout as sleep } from 'node:timers/promises';
import { toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { EmailOutcome, ProviderFailure } from '../meeting.js';
import type { OutboxEntry, OutboxRepository } from '../storage/outbox.js';
import { invitationKey, type Invitation, type Mailer, type SendOptions } from './mailer.js';
import { fromStored, toStored } from './outbox-invitation.js';

export interface EmailOutboxDeps {
  /** What sends (Resend). */
  mailer: Mailer;
  store: OutboxRepository;
  log: Logger;
  /** `host:pid` of this process: the owner of the entries it claims. */
  owner: string;
  isAlive(owner: string): boolean;
  /** The mailer connection's stamp (its updated_at), undefined when not connected: a new key changes it. */
  connectionStamp(): string | undefined;
  /** Until when (epoch ms) the mailer's rate limit holds every send (a 429 named the wait): no retry before it. */
  heldUntil(): number;
  /** How long a booking call waits for its e-mail before answering `queued`. */
  waitMs: number;
  /** How long a claim holds an entry: longer than one send with its retries. */
  leaseMs: number;
  clock?: () => number;
}

/** Resend keeps an idempotency key 24 hours: past that, a send could repeat one it took without answering. */
const keyLifetimeMs = 24 * 60 * 60 * 1000;
/** A transient failure is tried again after 2 s, then twice as long each time, up to 10 minutes. */
const retryBaseMs = 2000;
const retryMaxMs = 10 * 60 * 1000;
/** The drain looks at least this often: for entries another process (or a dead one) left. */
const pollMs = 30_000;
/** And this often while an e-mail waits for a fix: `connect resend` (another process) lets it go within seconds. */
const heldPollMs = 5000;
/** A call whose e-mail another process is sending looks this often whether it is out. */
const watchMs = 250;
/** A new key or sender (`connect resend`) fixes these: the e-mail waits for that fix, then goes out by itself. */
const fixedByReconnect: ReadonlySet<string> = new Set(['auth_failed', 'permission_denied']);

const backoffMs = (attempts: number): number => Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempts - 1));

export class EmailOutbox implements Mailer {
  readonly #clock: () => number;
  /** Sends under way in this process, by key: a booking call and the drain share one. */
  readonly #sending = new Map<string, Promise<EmailOutcome>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #draining = false;
  #stopped = false;

  constructor(private readonly deps: EmailOutboxDeps) {
    this.#clock = deps.clock ?? Date.now;
  }

  async sendInvitation(invitation: Invitation, options: SendOptions = {}): Promise<EmailOutcome> {
    const { store, log } = this.deps;
    const key = invitationKey(invitation);
    const now = this.#clock();
    try {
      store.enqueue(
        {
          key,
          bookingId: invitation.meeting.bookingId,
          invitation: toStored(invitation),
          covers: invitation.booked.map((b) => b.id),
          expiresAt: Math.min(invitation.meeting.start.toMillis(), now + keyLifetimeMs),
        },
        now,
      );
    } catch (error) {
      // Not recorded, it is still worth sending now: the idempotency key keeps a repeat from sending it twice.
      log.warn('the e-mail could not be recorded in the outbox; sending it without', {
        error: toAppError(error).message,
      });
      return this.deps.mailer.sendInvitation(invitation);
    }
    const ahead = store.ahead(key);
    if (ahead > 0) options.onQueued?.(`e-mail queued, position ${ahead + 1}`);
    return this.#await(invitation, key, now + this.deps.waitMs, options);
  }

  /** Tries the e-mail, and again while its next try falls within `deadline`; then says where it stands. */
  async #await(invitation: Invitation, key: string, deadline: number, options: SendOptions): Promise<EmailOutcome> {
    const to = invitation.meeting.customerEmail;
    for (;;) {
      const outcome = await this.#within(this.#tryNow(key), deadline);
      if (outcome && (outcome.status !== 'queued' || outcome.retryAt === undefined)) return outcome;
      const entry = this.deps.store.get(key);
      if (!entry) return this.#left(invitation);
      const now = this.#clock();
      const busy = entry.owner !== null && entry.leaseUntil > now;
      const wakeAt = busy ? now + watchMs : entry.nextAt;
      if (entry.heldFor !== null || wakeAt >= deadline) {
        const left = entry.heldFor !== null ? queued(to, entry) : queued(to, entry, busy ? now : entry.nextAt);
        if (left.status === 'queued')
          options.onQueued?.(
            `e-mail queued: ${left.error.message}; ${left.retryAt ? `the server sends it in the background (next try at ${left.retryAt})` : left.error.remedy}`,
          );
        return left;
      }
      if (outcome?.status === 'queued' && outcome.retryAt)
        options.onQueued?.(`e-mail queued: ${outcome.error.message}; next try at ${outcome.retryAt}`);
      await sleep(Math.max(0, wakeAt - now));
    }
  }

  /** The promise's value, or undefined once `deadline` passes first (the send goes on, and records its outcome). */
  async #within<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
    const controller = new AbortController();
    const late = sleep(Math.max(0, deadline - this.#clock()), undefined, { signal: controller.signal }).then(
      () => undefined,
      () => undefined,
    );
    try {
      return await Promise.race([promise, late]);
    } finally {
      controller.abort();
    }
  }

  /** What the entry's row says, once another process has sent or refused it. */
  #left(invitation: Invitation): EmailOutcome {
    const row = this.deps.store.recorded(invitation.meeting.bookingId);
    if (row?.status === 'sent' && row.id) return { status: 'sent', id: row.id, to: invitation.meeting.customerEmail };
    return {
      status: 'failed',
      error: {
        code: 'email_failed',
        message: row?.error ?? 'the e-mail left the outbox without being sent',
        remedy: 'repeat the same call to try it again',
      },
    };
  }

  /** Claims `key` (or, without it, the first entry due) and sends it; undefined when nothing could be claimed now. */
  #tryNow(key?: string): Promise<EmailOutcome | undefined> {
    const running = key === undefined ? undefined : this.#sending.get(key);
    if (running) return running;
    const { store, owner, isAlive, leaseMs } = this.deps;
    const stamp = this.deps.connectionStamp();
    const entry = store.claim({ owner, now: this.#clock(), leaseMs, stamp, isAlive, ...(key ? { key } : {}) });
    if (!entry) return Promise.resolve(undefined);
    const sending = this.#send(entry, stamp).finally(() => this.#sending.delete(entry.key));
    this.#sending.set(entry.key, sending);
    return sending;
  }

  /** One try of a claimed entry; the entry leaves the outbox with a final outcome, or waits for its next try. */
  async #send(entry: OutboxEntry, stamp: string | undefined): Promise<EmailOutcome> {
    const { store, owner, log } = this.deps;
    const invitation = fromStored(entry.invitation);
    const to = invitation.meeting.customerEmail;
    const now = this.#clock();
    let outcome: EmailOutcome;
    if (now >= entry.expiresAt) {
      const why = now >= invitation.meeting.start.toMillis() ? 'the meeting started' : 'it had waited 24 hours';
      outcome = {
        status: 'failed',
        error: {
          code: 'email_failed',
          message: `the invitation was not sent before ${why}${entry.last ? ` (last try: ${entry.last.message})` : ''}`,
          remedy: 'tell the invitee yourself, or repeat the booking call to try once more',
        },
      };
    } else {
      outcome = await this.deps.mailer.sendInvitation(invitation);
    }
    try {
      if (outcome.status === 'failed' && now < entry.expiresAt) {
        const held = fixedByReconnect.has(outcome.error.code);
        if (held || outcome.retryable) {
          const nextAt = held
            ? this.#clock()
            : Math.max(this.#clock() + backoffMs(entry.attempts), this.deps.heldUntil());
          store.retryLater(entry.key, owner, {
            nextAt,
            ...(held ? { heldFor: stamp ?? '' } : {}),
            last: outcome.error,
          });
          log.info('e-mail queued', { booking: entry.bookingId, code: outcome.error.code });
          this.#wake(held ? this.#clock() + heldPollMs : nextAt);
          return held
            ? queued(to, { ...entry, heldFor: stamp ?? '', last: outcome.error })
            : queued(to, { ...entry, last: outcome.error }, nextAt);
        }
      }
      store.finish(entry, outcome);
    } catch (error) {
      // The entry keeps its lease and is tried again once it lapses; Resend's key answers a repeat of a sent e-mail.
      log.warn('the e-mail outcome could not be recorded', { error: toAppError(error).message });
    }
    return outcome;
  }

  /** Starts draining in the background: now, then whenever an entry is due, and at least every 30 s. */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** The drain runs by `at` (epoch ms) at the latest: an entry left for later by a booking call is not left for the poll. */
  #wake(at: number): void {
    if (this.#timer !== undefined && this.#timerAt > at) this.#schedule(Math.max(0, at - this.#clock()));
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timerAt = this.#clock() + delayMs;
    this.#timer = setTimeout(() => void this.drain(), delayMs);
    // A server ends when its host closes stdin, whatever waits here: the next one drains it.
    this.#timer.unref();
  }

  /** Sends every entry due now, one after another (Resend's rate gate paces them), then sleeps until the next. */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    let next: number | undefined;
    const now = this.#clock;
    try {
      while (!this.#stopped && (await this.#tryNow()) !== undefined);
      if (!this.#stopped)
        next = this.deps.store.nextDue() ?? (this.deps.store.waiting() > 0 ? now() + heldPollMs : undefined);
    } catch (error) {
      this.deps.log.warn('the e-mail outbox could not be drained', { error: toAppError(error).message });
    } finally {
      this.#draining = false;
    }
    this.#schedule(next === undefined ? pollMs : Math.min(pollMs, Math.max(watchMs, next - now())));
  }
}

/** The outcome of an e-mail still in the outbox: why, and when it is tried again (none: it waits for the fix). */
function queued(to: string, entry: Pick<OutboxEntry, 'heldFor' | 'last'>, retryAt?: number): EmailOutcome {
  const last: ProviderFailure = entry.last ?? {
    code: 'in_progress',
    message: "the e-mail is still on its way (waiting for its turn under Resend's rate limit, or for Resend's answer)",
    remedy: 'nothing to do: the server sends it in the background; repeat the same call later to see it sent',
  };
  if (entry.heldFor !== null || retryAt === undefined) {
    return {
      status: 'queued',
      to,
      error: { ...last, remedy: `${last.remedy}; the e-mail waits in the outbox and goes out once you have` },
    };
  }
  return { status: 'queued', to, error: last, retryAt: new Date(retryAt).toISOString() };
}
