// The composition root: configuration -> storage, secrets and connections -> the booking flow, the mailer, the
// sign-ins and the status report. `serve` opens it on the first tool call, the CLI commands and the tests open it
// alike; nothing else assembles these parts.
import { loadConfig, type Config } from './config.js';
import { configSpecs, connectors } from './connectors.js';
import { ProviderAttempts } from './booking/attempt.js';
import { AvailabilityService } from './booking/availability.js';
import { BookingService } from './booking/book-meeting.js';
import { RescheduleService } from './booking/reschedule-booking.js';
import { CancelService } from './booking/cancel-booking.js';
import { listBookings, type ListRequest, type ListResult } from './booking/list-bookings.js';
import { isAlive, thisProcess } from './booking/owner.js';
import { BackgroundSignIns } from './connections/background-sign-in.js';
import { Connections } from './connections/connections.js';
import { collectStatus, type ConnectorStatus } from './connections/status.js';
import type { Mailer } from './email/mailer.js';
import { EmailOutbox } from './email/outbox.js';
import { id as resendId } from './email/resend.js';
import { ResendMailer } from './email/resend-mailer.js';
import { createLogger, type Logger } from './log.js';
import { meetingProviders } from './providers/index.js';
import type { Connector, MeetingProvider } from './providers/provider.js';
import { BookingRepository } from './storage/bookings.js';
import { ConnectionRepository } from './storage/connections.js';
import { openDatabase, type Db } from './storage/database.js';
import { OperationRepository } from './storage/operations.js';
import { OutboxRepository } from './storage/outbox.js';
import { RateGates } from './storage/rate-gate.js';
import { openSecretStore, type SecretStore } from './storage/secret-store.js';

/** What every command opens once: the configuration, the SQLite file, the secret store and what is built on them. */
export interface AppContext {
  config: Config;
  db: Db;
  connections: Connections;
  bookings: BookingRepository;
  /** Changes made to bookings after booking (cancel_booking). */
  operations: OperationRepository;
  secrets: SecretStore;
  mailer: Mailer;
  /** The same mailer, as the outbox whose background drain `openRuntime` starts. */
  outbox: EmailOutbox;
  log: Logger;
  close(): void;
}

export async function openContext(env: Record<string, string | undefined>): Promise<AppContext> {
  const config = loadConfig(env, configSpecs);
  return openContextWith(config, createLogger(config.logLevel));
}

/** The same, for a configuration already read (`serve` reads it at start-up and opens the rest on first use). */
export async function openContextWith(config: Config, log: Logger): Promise<AppContext> {
  const db = openDatabase(config.databasePath);
  const secrets = await openSecretStore(config.secretStore);
  // Every paced API (Resend's sends, Zoom's creates, Calendly's token requests) keeps its rate across processes here.
  const gates = new RateGates(db);
  const connections = new Connections({ config, repository: new ConnectionRepository(db), secrets, log, gates });
  const bookings = new BookingRepository(db);
  const operations = new OperationRepository(db);
  // The booking flow's mailer is the outbox: it records each e-mail before Resend sends it.
  const outbox = new EmailOutbox({
    mailer: new ResendMailer({ connections, log, gates, ratePerSecond: config.resendRatePerSecond }),
    store: new OutboxRepository(db, bookings, operations),
    log,
    owner: thisProcess,
    isAlive,
    connectionStamp: () => connections.get(resendId)?.updatedAt,
    heldUntil: () => gates.heldUntil(resendId),
    waitMs: config.emailWaitMs,
    // Longer than one send with its retries (each bounded by the provider timeout), with room for the pace's wait.
    leaseMs: 2 * config.providerTimeoutMs + 10_000,
  });
  return {
    config,
    db,
    connections,
    bookings,
    operations,
    secrets,
    mailer: outbox,
    outbox,
    log,
    close: () => {
      outbox.stop();
      db.close();
    },
  };
}

/** Everything a tool call needs beyond the tool list. */
export interface Runtime {
  ctx: AppContext;
  booking: BookingService;
  availability: AvailabilityService;
  /** reschedule_booking: one booking moved in every provider. */
  rescheduling: RescheduleService;
  /** cancel_booking: one booking cancelled in every provider. */
  cancellation: CancelService;
  /** The booking ledger read back (list_bookings): no provider is called. */
  ledger: { list(request: ListRequest): Promise<ListResult> };
  signIns: BackgroundSignIns;
  status(): Promise<ConnectorStatus[]>;
  /** Stops pending sign-ins and closes the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The meeting providers bookings use (default: the registry). */
  providers?: readonly MeetingProvider[];
  /** Every connector `status` reports (default: the registry's providers and the mailer). */
  connectors?: readonly Connector[];
}

export function openRuntime(ctx: AppContext, options: RuntimeOptions = {}): Runtime {
  const registry = options.connectors ?? connectors;
  const signIns = new BackgroundSignIns(ctx);
  const providers = options.providers ?? meetingProviders;
  // One session (and token cache) per connection, for bookings and searches alike.
  const attempts = new ProviderAttempts({
    connections: ctx.connections,
    timeoutMs: ctx.config.providerTimeoutMs,
    log: ctx.log,
  });
  const availability = new AvailabilityService({ ...ctx, providers }, attempts);
  // Sends what waits in the outbox, this server's and what an earlier one left; ctx.close() stops it.
  ctx.outbox.start();
  return {
    ctx,
    booking: new BookingService({ ...ctx, providers }, attempts, availability),
    availability,
    rescheduling: new RescheduleService({ ...ctx, providers }, attempts, availability),
    cancellation: new CancelService({ ...ctx, providers }, attempts),
    ledger: { list: async (request) => listBookings(ctx.bookings, request) },
    signIns,
    status: () => collectStatus(ctx, registry),
    async close() {
      await signIns.close().catch(() => undefined);
      ctx.close();
    },
  };
}
