// What the invitee does on a single-use link's page, said alike in the link's label, the e-mail and the note. The page
// opens on the meeting's day (Calendly documents `month` and `date`, not a time, for a booking page), so the invitee
// always picks the time and confirms; nothing here claims "one click".
import type { Meeting } from '../../meeting.js';
import { meetingTime } from './slots.js';
import type { InviteeStep } from './wire.js';

/** What Calendly offers at the meeting's start: the slot, or not (with the day's other open times), or unknown. */
export type SlotState =
  { offered: true } | { offered: false; open: readonly string[]; taken?: boolean } | { offered: 'unknown' };

/**
 * The invitee's step. `ask` is what the page asks beyond the time (required questions, a phone number), as an
 * imperative clause ("answer its question (Company name)").
 */
export function inviteeStep(meeting: Meeting, slot: SlotState, ask?: string): InviteeStep {
  const time = meetingTime(meeting);
  const more = ask ? `, ${ask}` : '';
  if (slot.offered === true)
    return { label: `Pick ${time}${more} and confirm`, action: `pick ${time}${more} and confirm` };
  if (slot.offered === 'unknown') {
    return {
      label: `Pick ${time}${more} and confirm`,
      action: `pick ${time} (if it is not listed, another time)${more} and confirm`,
    };
  }
  const open = slot.open.length > 0 ? `; open that day: ${slot.open.join(', ')}` : '; nothing else is open that day';
  return {
    label: `Choose a time${more} and confirm`,
    action: `choose another time (${time} ${slot.taken ? 'was just taken' : 'is not open'} in Calendly${open})${more} and confirm`,
  };
}
