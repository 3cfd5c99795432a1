// The booking domain: a validated meeting, and what each provider and the mailer made of it.
import type { DateTime } from 'luxon';

/** A slot that has passed validation: exact instants plus the zone the invitee thinks in. */
export interface Meeting {
  bookingId: string;
  customerName: string;
  customerEmail: string;
  topic: string;
  /** IANA zone name the booking was asked in. */
  timezone: string;
  durationMinutes: number;
  /** Start in `timezone` (Luxon keeps both the instant and the wall time). */
  start: DateTime;
  end: DateTime;
}

/** What a provider created, in the project's own terms (providers map their wire shapes into this). */
export interface BookedMeeting {
  /** The provider's id for the meeting (Zoom meeting id, ...), always a string. */
  externalId: string;
  /** The link the invitee opens to join, when the provider has one. */
  joinUrl?: string;
  passcode?: string;
  /** Further labelled links for the invitee (e-mail and tool result). */
  links: Array<{ label: string; url: string }>;
}

export interface ProviderFailure {
  code: string;
  message: string;
  /** The next action for the agent or user ("reconnect Zoom: npx alsatalk-mcp connect zoom"). */
  remedy: string;
}

export type ProviderOutcome =
  | { provider: string; status: 'booked'; meeting: BookedMeeting }
  | { provider: string; status: 'failed'; error: ProviderFailure }
  | { provider: string; status: 'not_connected'; remedy: string };

export type EmailOutcome =
  | { status: 'sent'; id: string; to: string }
  | { status: 'failed'; error: ProviderFailure }
  | { status: 'not_connected'; remedy: string }
  | { status: 'skipped'; reason: string };

export type BookingStatus = 'pending' | 'booked' | 'partial' | 'failed';
