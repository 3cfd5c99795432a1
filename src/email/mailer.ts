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
  /** A change to the booked meeting that this e-mail announces, instead of the invitation. */
  change?: MeetingChange;
}

/** A change the e-mail announces; its calendar file replaces the invitation's entry in the invitee's calendar. */
export interface MeetingChange {
  /** `cancelled`: the e-mail removes the meeting (METHOD:CANCEL); `rescheduled`: it moves it (REQUEST, the new times). */
  kind: 'cancelled' | 'rescheduled';
  /** With `rescheduled`: where the meeting was before (ISO 8601 with offset, and its zone), for "moved from ...". */
  from?: { start: string; end: string; timezone: string };
  /** Part of the e-mail's idempotency key: one e-mail per change. */
  tag: string;
  /** The calendar file's SEQUENCE, higher than every earlier e-mail's for the booking. */
  sequence: number;
  /** Why, in the host's words, when given. */
  reason?: string;
  /** Display names of the providers whose single-use link stays open (it cannot be revoked): the e-mail says to ignore it. */
  linkRemains: string[];
}

/**
 * Resend's idempotency key for an invitation: one per booking and set of providers listed, so a repeat of the same
 * e-mail is answered, never sent twice, and an update (more providers) is a new e-mail.
 */
export const invitationKey = ({
  meeting,
  booked,
  change,
}: Pick<Invitation, 'meeting' | 'booked' | 'change'>): string =>
  change
    ? `alsatalk-${meeting.bookingId}-${change.tag}`
    : `alsatalk-${meeting.bookingId}-${booked.map((b) => b.id).join('-')}`;

export interface SendOptions {
  /** Told (as a line for a progress notification) when the e-mail waits in the outbox: behind others, or to retry. */
  onQueued?: (message: string) => void;
}

export interface Mailer {
  /**
   * Sends the invitation; never throws: a failure, or no mailer connected, is the outcome. The booking flow's mailer is
   * the outbox (outbox.ts), which records the e-mail in the ledger before sending it and its outcome after.
   */
  sendInvitation(invitation: Invitation, options?: SendOptions): Promise<EmailOutcome>;
}
