// What the booking flow knows of e-mail: one call that sends the invitee their invitation and says what happened.
// Resend is behind it (resend-mailer.ts); the booking code never imports Resend.
import type { BookedMeeting, EmailOutcome, Meeting } from '../meeting.js';

/** One provider's booking, as the e-mail lists it. */
export interface BookedEntry {
  /** The provider's id ("zoom"): part of the e-mail's idempotency key. */
  id: string;
  /** Display name of the provider ("Zoom"). */
  provider: string;
  meeting: BookedMeeting;
}

export interface Invitation {
  meeting: Meeting;
  booked: readonly BookedEntry[];
  /**
   * When the booking was first made: the .ics DTSTAMP, so that the same e-mail renders byte for byte the same on a
   * repeat, and the mailer's idempotency key (kept 24 h) answers it without sending twice.
   */
  stamp: string;
  /** An earlier e-mail listed fewer providers: this one says it replaces it. */
  update: boolean;
}

export interface Mailer {
  /** Sends the invitation; never throws: a failure, or no mailer connected, is the outcome. */
  sendInvitation(invitation: Invitation): Promise<EmailOutcome>;
}
