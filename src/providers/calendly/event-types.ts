// Calendly's event types in our terms: which one a booking uses, and whether it can be booked without asking the invitee.
// API reference: https://developer.calendly.com/api-docs/calendly-api/event-types/list-event-types
import type { Meeting } from '../../meeting.js';
import { singleLine } from '../../text.js';
import type { CalendlyEventType } from './wire.js';

/** "Intro call" (intro-call, 30 min), for messages that list event types. */
export const describeEventType = (t: CalendlyEventType): string =>
  `"${singleLine(t.name ?? t.slug ?? t.uri)}" (${t.slug ? `${t.slug}, ` : ''}${t.duration} min)`;

/** Finds the event type `--event-type` names: its slug, name, URI or scheduling URL, case-insensitively. */
export function matchEventType(types: readonly CalendlyEventType[], query: string): CalendlyEventType[] {
  const q = query.trim().toLowerCase();
  const exact = types.filter((t) => [t.slug, t.uri, t.scheduling_url].some((v) => v?.toLowerCase() === q));
  return exact.length > 0 ? exact : types.filter((t) => t.name?.trim().toLowerCase() === q);
}

/** Active, instantly bookable event types of exactly `minutes`, in Calendly's display order. */
export function byDuration(types: readonly CalendlyEventType[], minutes: number): CalendlyEventType[] {
  return bookable(types)
    .filter((t) => t.duration === minutes)
    .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
}

/** Meeting polls (`booking_method: poll`, not `instant`) are voted on, not booked, so they are never candidates. */
export const bookable = (types: readonly CalendlyEventType[]): CalendlyEventType[] =>
  types.filter((t) => t.active && t.booking_method !== 'poll');

/** Names of the enabled required questions: a direct booking would have to answer them, and we have no answers. */
export const requiredQuestions = (t: CalendlyEventType): string[] =>
  (t.custom_questions ?? []).filter((q) => q.enabled && q.required).map((q) => singleLine(q.name));

/** Location kinds whose value the invitee supplies when booking on the page. */
const inviteeSupplied = new Set(['ask_invitee', 'outbound_call']);

/**
 * The `location` a direct booking must send, or why it cannot. `location` is left out otherwise, as for round-robin
 * event types, so that Calendly uses the event type's own (assumed from the docs' "depends on event type"; unconfirmed
 * for several locations). Where the invitee supplies the location, a call to the invitee needs their phone number.
 */
export function locationFor(
  t: CalendlyEventType,
  meeting: Meeting,
): { location?: { kind: string; location: string }; missing?: string } {
  const kinds = (t.locations ?? []).map((l) => l.kind);
  if (kinds.length !== 1 || !inviteeSupplied.has(kinds[0] ?? '')) return {};
  if (kinds[0] === 'outbound_call') {
    return meeting.customerPhone
      ? { location: { kind: 'outbound_call', location: meeting.customerPhone } }
      : { missing: "the invitee's phone number (the host calls them)" };
  }
  return { missing: 'a location the invitee types in' };
}

/**
 * Why a direct booking cannot be made without asking the invitee, what would allow it, and what the invitee is asked on
 * the booking page instead (`ask`, an imperative clause); undefined when it can be made.
 */
export function directBlocker(
  t: CalendlyEventType,
  meeting: Meeting,
): { reason: string; fix: string; ask: string } | undefined {
  const questions = requiredQuestions(t);
  if (questions.length > 0) {
    return {
      reason: `the event type ${describeEventType(t)} has required questions (${questions.join(', ')}) that a direct booking would have to answer`,
      fix: 'make those questions optional in Calendly',
      ask: `answer ${questions.length === 1 ? 'its question' : 'its questions'} (${questions.join(', ')})`,
    };
  }
  const { missing } = locationFor(t, meeting);
  if (!missing) return undefined;
  const call = t.locations?.[0]?.kind === 'outbound_call';
  return {
    reason: `the event type ${describeEventType(t)} needs ${missing}`,
    fix: call ? "give the invitee's phone number (customer_phone)" : 'give the event type a fixed location in Calendly',
    ask: call ? 'give your phone number' : 'enter the location',
  };
}
