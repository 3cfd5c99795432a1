// The booking domain: a validated meeting, and what each provider and the mailer made of it.
import type { DateTime } from 'luxon';

/** A slot that has passed validation: exact instants plus the zone the invitee thinks in. */
export interface Meeting {
  readonly bookingId: string;
  readonly customerName: string;
  readonly customerEmail: string;
  /** E.164 (`+14155550123`), when the agent gave one; some providers (Zoho) require it. */
  readonly customerPhone?: string;
  readonly topic: string;
  /** IANA zone name the booking was asked in. */
  readonly timezone: string;
  readonly durationMinutes: number;
  /** Start in `timezone` (Luxon keeps both the instant and the wall time). */
  readonly start: DateTime;
  readonly end: DateTime;
}

/** What a provider created, in the project's own terms (providers map their wire shapes into this). */
export interface BookedMeeting {
  /** The provider's id for the meeting (Zoom meeting id, ...), always a string. */
  externalId: string;
  /** The link the invitee opens to join, when the provider has one. */
  joinUrl?: string;
  passcode?: string;
  /** An id the invitee may quote or type (Zoom's meeting ID, Zoho's booking ID), shown in the e-mail. */
  reference?: { label: string; value: string };
  /** Labelled links for the invitee: shown in the e-mail and the tool result. */
  links: Array<{ label: string; url: string }>;
  /** Links for the host only (an event in the host's calendar): the tool result, never the e-mail. */
  hostLinks?: Array<{ label: string; url: string }>;
  /**
   * `confirmed`: the meeting exists. `invitee_must_confirm`: the provider produced a link (Calendly's single-use
   * scheduling link) and the slot is held only once the invitee books on it.
   */
  confirmation?: 'confirmed' | 'invitee_must_confirm';
  /** With `invitee_must_confirm`: what the invitee still does on that page, as an imperative ("pick 14:00 and confirm"). */
  inviteeAction?: string;
  /** How it was booked and why, when there was a choice (Calendly fell back to a link because ...). */
  note?: string;
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
  /** Not attempted: never connected, or its credentials were refused and it must be connected again. */
  | { provider: string; status: 'not_connected' | 'needs_reauth'; remedy: string };

export type EmailOutcome =
  | { status: 'sent'; id: string; to: string }
  /** `retryable`: sending again later may succeed (the mailer's side, the network, its rate limit), so it stays queued. */
  | { status: 'failed'; error: ProviderFailure; retryable?: boolean }
  /**
   * In the outbox, sent in the background: `error` says why it is not out yet; `retryAt` (ISO) when it is tried again,
   * absent when it waits for the fix `error.remedy` names (a new key), after which it goes out by itself.
   */
  | { status: 'queued'; to: string; error: ProviderFailure; retryAt?: string }
  | { status: 'not_connected'; remedy: string }
  | { status: 'skipped'; reason: string };

/** The longest range one availability search covers: providers answer it in one or two rounds, and people plan in weeks. */
export const maxSearchDays = 14;

/** `cancelled`: cancel_booking cancelled it in every provider. */
export type BookingStatus = 'pending' | 'booked' | 'partial' | 'failed' | 'cancelled';
