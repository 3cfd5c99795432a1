// The one interface every connector implements: a meeting provider (Zoom, ...) or the mailer (Resend).
import type { DateTime } from 'luxon';
import type { BookedMeeting, Meeting } from '../meeting.js';
import type { EndpointSpec, LimitSpec as LimitVariable } from '../config.js';
import type { Logger } from '../log.js';
import type { BrowserLogin, TokenStore } from '../auth/sign-in.js';

/** One credential or setting that `connect` asks for. */
export interface CredentialField {
  /** Flag name without dashes: `account-id` is given as `--account-id`. */
  flag: string;
  /** Key under which the value reaches `connect` and, for secrets, the keychain (`client_secret`). */
  key: string;
  label: string;
  /** Where the user finds the value. */
  help: string;
  /** Secrets come from a hidden prompt or `--<flag>-stdin`, never a bare flag, and live only in the keychain. */
  secret?: boolean;
  /** A flag without a value (`--no-teams`): when given, its key gets "true". Always optional. */
  switch?: boolean;
  optional?: boolean;
  /** Required after all when this other field (by key, listed earlier) was given: Zoom's secret with --account-id. */
  requiredWith?: string;
  /** Required unless this other field (by key) was given: Calendly's token, unless --client-id asks for the sign-in. */
  requiredUnless?: string;
  /** Also read from the environment as `ALSATALK_<CONNECTOR>_<FLAG>` (the OAuth app's client id and secret). */
  fromEnv?: boolean;
  /**
   * The environment's value is left out when this other field (by key) is given on the command line: a Personal Access
   * Token piped in with --token-stdin beats the OAuth app's ALSATALK_CALENDLY_CLIENT_ID, which only sets a default.
   */
  envUnless?: string;
}

/** The environment variable of a `fromEnv` field: `ALSATALK_GOOGLE_CLIENT_SECRET` for google's --client-secret. */
export const fieldEnv = (connectorId: string, field: Pick<CredentialField, 'flag'>): string =>
  `ALSATALK_${connectorId.toUpperCase()}_${field.flag.toUpperCase().replace(/-/g, '_')}`;

/** A documented provider limit a connector paces itself by, overridable by one environment variable. */
export interface LimitSpec extends LimitVariable {
  /** "requests per second", as the README's table says it. */
  unit: string;
  description: string;
}

/**
 * Pacing shared by every process on the data folder, by gate name (storage/rate-gate.ts behind it): a provider's
 * documented rate is kept by all of them together, and a 429's wait holds all of them.
 */
export interface ProviderGates {
  /** Resolves at the caller's turn, `intervalMs` after the one before (`burst` turns may start at once). */
  wait(name: string, intervalMs: number, signal?: AbortSignal, burst?: number): Promise<void>;
  /** No turn of gate `name` starts before `untilMs` (epoch ms): the provider answered 429 and named a wait. */
  defer(name: string, untilMs: number): void;
  /** Until when (epoch ms) a 429 holds gate `name`; 0 when it is not held. */
  heldUntil(name: string): number;
}

export interface ConnectorContext {
  /** This connector's base URLs, after environment overrides. */
  endpoints: Record<string, string>;
  timeoutMs: number;
  log: Logger;
  /** The browser sign-in, when `connect` runs where a person can complete one. */
  login?: BrowserLogin;
  /** The shared rate gates, where the caller has the data folder open (bookings do). */
  gates?: ProviderGates;
  /** The connector's limits (by the names of its `limits`) that the environment overrides; the rest are its defaults. */
  limits?: Readonly<Record<string, number>>;
}

/** What a browser sign-in needs besides the OAuth app's client id (connect_provider runs it without a terminal). */
export interface SignInSupport {
  /** Whether the OAuth app's secret is needed; it is only ever taken from the keychain (a secret never passes the model). */
  clientSecret: 'required' | 'optional' | 'none';
  /** The provider matches the registered redirect URI's port exactly, so the sign-in needs that port. */
  fixedPort: boolean;
  /** Field keys whose stored settings a sign-in again keeps (a calendar, a booking mode, a Zoho service). */
  keep: readonly string[];
}

/** What a verified connection leaves behind: a label and settings for SQLite, secrets for the keychain. */
export interface ConnectResult {
  account: string;
  settings: Record<string, unknown>;
  /** key -> secret value; stored as `<connector>:<key>` in the secret store. */
  secrets: Record<string, string>;
  /** Extra lines for the user (a warning about scopes, an unverified sender domain). */
  notes: string[];
  /** The token connect obtained, for `status`: its scopes and expiry (epoch ms) when the provider says. */
  grant?: { scopes?: readonly string[] | undefined; expiresAt?: number | undefined };
}

export interface Connector {
  readonly id: string;
  readonly displayName: string;
  readonly kind: 'meeting' | 'email';
  /** One line for `connect --help` and the README: what kind of credential and where to create it. */
  readonly summary: string;
  readonly endpoints: Readonly<Record<string, EndpointSpec>>;
  /** Documented limits it paces itself by (Zoom's creates per second), each overridable by a variable. */
  readonly limits?: Readonly<Record<string, LimitSpec>>;
  /** The Authorization scheme of its API when it is not Bearer (Zoho's `Zoho-oauthtoken`): logs mask it too. */
  readonly authScheme?: string;
  readonly fields: readonly CredentialField[];
  /** Present when `connect` can sign in with the browser given a client id: what else that sign-in needs. */
  readonly signIn?: SignInSupport;
  /**
   * The secret keys a stored connection needs, when that depends on how it was connected (Zoom: a Server-to-Server
   * app's `client_secret`, or a signed-in user's `refresh_token`). Default: every non-optional secret field.
   */
  secretsFor?(settings: Readonly<Record<string, unknown>>): readonly string[];
  /**
   * Revokes the stored grant at the provider, where it offers revocation (`disconnect` calls it before deleting the
   * secrets locally). A grant the provider already considers invalid counts as revoked.
   */
  revoke?(ctx: RevokeContext): Promise<RevokeOutcome>;
  /**
   * The exact command that connects this account again (the same app, client id, port…), for `needs_reauth` and
   * missing secrets. Default: `npx alsatalk-mcp connect <id>`.
   */
  reconnect?(settings: Readonly<Record<string, unknown>>): string;
  /**
   * Where the user ends the app's access at the provider when `disconnect` cannot revoke it (Zoom's public client: no
   * revocation without a client secret), as an instruction; undefined when there is nothing left to do there.
   */
  removeApp?(settings: Readonly<Record<string, unknown>>): string | undefined;
  /** Checks the credentials against the provider before anything is stored. */
  connect(values: Readonly<Record<string, string>>, ctx: ConnectorContext): Promise<ConnectResult>;
}

/** `nothing`: the connection holds no grant the provider can revoke (a Personal Access Token, a missing secret). */
export type RevokeOutcome = 'revoked' | 'nothing';

export interface RevokeContext extends ConnectorContext {
  settings: Readonly<Record<string, unknown>>;
  /** A stored secret, or null when it is not there (nothing to revoke then). */
  secret: (key: string) => Promise<string | null>;
}

/**
 * What a session sees of its connection: the settings `connect` stored, and its secrets through the callbacks the
 * OAuth client needs (auth/sign-in.ts TokenStore: read one, save a rotated one before use, record each token issued).
 */
export interface SessionContext extends ConnectorContext, TokenStore {
  settings: Readonly<Record<string, unknown>>;
}

/**
 * Awaited by `book` right before its first request that creates anything (reads may go first): it resolves once the
 * host's calendars were checked for a conflict, and rejects (with an AppError `conflict`) when nothing may be created.
 */
export type CreateGate = () => Promise<void>;

/** A booking provider session, opened once per connection so that its token cache is shared. */
export interface ProviderSession {
  /**
   * Creates the meeting, or throws a ProviderError whose hint says what to do. Every request that creates something
   * (a meeting, an event, a link, an appointment) waits for `gate` first.
   */
  book(meeting: Meeting, signal: AbortSignal, gate?: CreateGate): Promise<BookedMeeting>;
  /**
   * The meeting `book` made for this booking (same bookingId, same start) in an earlier call whose answer was never
   * recorded (a crash, a timeout, a lost answer), or undefined when there is none. A repeated call asks this before
   * booking again. 'cannot_search': the provider offers no way to look, so after such a call it is not called again
   * (the user is told where to look): nothing is ever doubled.
   */
  findExisting(meeting: Meeting, signal: AbortSignal): Promise<BookedMeeting | undefined | 'cannot_search'>;
  /** What the provider allows within the range, or throws a ProviderError whose hint says what to do. */
  availability?(query: AvailabilityQuery, signal: AbortSignal): Promise<Availability>;
  /**
   * Cancels what `book` made for the booking, or throws a ProviderError whose hint says what to do. Safe to call again
   * after a try whose answer was lost: a meeting the provider no longer has is `already_gone`, never an error.
   */
  cancel?(ref: BookedRef, reason: string | undefined, signal: AbortSignal): Promise<Cancelled>;
  /**
   * Moves what `book` made to `to` (same booking, new start, end, duration or zone) and returns the meeting as it is
   * now, or throws a ProviderError whose hint says what to do. Safe to call again after a try whose answer was lost:
   * a meeting already at `to` is moved again to the same place, or found (never a second one).
   */
  reschedule?(ref: BookedRef, to: Meeting, signal: AbortSignal): Promise<Rescheduled>;
  /**
   * Adds the other providers' links to what `book` made (the host's calendar event), once every provider has booked:
   * only those it does not list yet, so a repeat that booked more adds theirs. Best effort: the meeting exists either way.
   */
  annotate?(ref: BookedRef, others: readonly OtherLink[], signal: AbortSignal): Promise<void>;
}

/** Another provider's link for the same meeting (`Zoom`, `Join Zoom Meeting`, `https://…`). */
export interface OtherLink {
  provider: string;
  label: string;
  url: string;
}

/** What a reschedule did: the meeting as it stands at the new time, and what the user should know. */
export interface Rescheduled {
  booked: BookedMeeting;
  note?: string;
  /** The earlier single-use link stays open (Calendly cannot revoke one): the e-mail says not to use it. */
  linkRemains?: boolean;
  /** The move made new links (a new event or link, not the same meeting moved): the invitee must get them. */
  newLinks?: boolean;
}

/** A meeting `book` made, as the ledger recorded it: what a later change acts on. */
export interface BookedRef {
  /** The booking as it stands now. */
  readonly meeting: Meeting;
  readonly booked: BookedMeeting;
}

/**
 * What a cancel did. `cancelled`: the provider cancelled it now. `already_gone`: the provider had no such meeting any
 * more (a lost try of this cancel, or someone, removed it). `link_remains`: a single-use link that nobody booked through,
 * which the provider cannot revoke. `note`: what the user should know.
 */
export interface Cancelled {
  state: 'cancelled' | 'already_gone' | 'link_remains';
  note?: string;
}

/** A time range to look at, for availability: exact instants, the length of the meeting looked for, and zones. */
export interface AvailabilityQuery {
  /** Inclusive start and exclusive end, never in the past. */
  readonly from: DateTime;
  readonly to: DateTime;
  readonly durationMinutes: number;
  /** The zone the slots are wanted in (IANA). */
  readonly timezone: string;
  /** The server's default zone: where a provider that does not name the zone of its times is read (Zoho Bookings). */
  readonly defaultTimezone: string;
}

/** An interval of the host's time, epoch ms, start inclusive and end exclusive. */
export interface BusyBlock {
  start: number;
  end: number;
}

/**
 * What a provider says about a range. `busy`: the host's calendar, whose busy blocks remove time (Google, Zoom);
 * `offered`: a booking page, which takes exactly these starts and no other (Calendly, Zoho Bookings); `unsupported`:
 * the provider has no availability API. `note`: how the answer was read, when the user should know it.
 */
export type Availability =
  | { kind: 'busy'; busy: BusyBlock[]; note?: string }
  | { kind: 'offered'; starts: number[]; note?: string }
  | { kind: 'unsupported'; reason: string };

export interface MeetingProvider extends Connector {
  readonly kind: 'meeting';
  /**
   * What its availability is: `calendar`, the host's busy time (checked before a booking, so that the host is never
   * booked into a conflict); `booking_page`, the times it offers (it keeps its own rules when booking).
   */
  readonly availabilityRole?: 'calendar' | 'booking_page';
  /**
   * What cancel_booking and reschedule_booking do in it, a phrase each for their descriptions ("Zoom meeting deleted"),
   * and what the calling model must know besides (Calendly's links cannot be revoked).
   */
  readonly changes?: { cancel: string; reschedule: string; caveat?: string };
  openSession(ctx: SessionContext): ProviderSession;
}

/** A connector's limit `name`: the environment's override, else the documented default. */
export const limitOf = (connector: Pick<Connector, 'limits'>, ctx: ConnectorContext, name: string): number =>
  ctx.limits?.[name] ?? connector.limits?.[name]?.default ?? Number.POSITIVE_INFINITY;

/** The exact command that (re)connects a connector. */
export const connectCommand = (id: string): string => `npx alsatalk-mcp connect ${id}`;

/** `connectCommand` with the flags that name the same account again; only strings and numbers, never a secret. */
export function commandWith(id: string, flags: Record<string, unknown>): string {
  const given = Object.entries(flags).filter(([, v]) => (typeof v === 'string' && v !== '') || typeof v === 'number');
  return [connectCommand(id), ...given.map(([flag, v]) => `--${flag} ${String(v)}`)].join(' ');
}

/** How a stored connection is made again: the connector's own command, or the plain one. */
export const reconnectCommand = (connector: Connector, settings: Readonly<Record<string, unknown>>): string =>
  connector.reconnect?.(settings) ?? connectCommand(connector.id);
