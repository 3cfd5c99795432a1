// The e-mail that cancels a booked meeting: it says so in words, and its calendar file (METHOD:CANCEL, the booking's
// UID, a higher SEQUENCE) makes Gmail, Outlook and Apple Calendar remove the entry the invitation made.
import type { Meeting } from '../meeting.js';
import { singleLine } from '../text.js';
import { renderIcs } from './ics.js';
import { escapeHtml, icsOf, type BookedEntry, type Invite, type InviteOptions } from './invite.js';
import type { MeetingChange } from './mailer.js';
import { longTime, subjectTime } from './when.js';

export function renderCancellation(
  meeting: Meeting,
  booked: readonly BookedEntry[],
  change: MeetingChange,
  { now, organizer }: Omit<InviteOptions, 'update'> = {},
): Invite {
  const name = singleLine(meeting.customerName);
  const topic = singleLine(meeting.topic);
  const when = longTime(meeting);
  const reason = change.reason ? singleLine(change.reason) : undefined;
  const remains = new Set(change.linkRemains);
  const gone = booked.filter((b) => !remains.has(b.provider)).map((b) => singleLine(b.provider));
  const lines = [
    `Your meeting "${topic}" on ${when} is cancelled.`,
    ...(reason ? [`Reason: ${reason}`] : []),
    ...(gone.length > 0 ? [`The ${gone.join(', ')} links sent earlier no longer apply.`] : []),
    // A single-use link stays bookable (no API revokes it): name it, so the invitee knows which one to ignore.
    ...booked
      .filter((b) => remains.has(b.provider))
      .map((b) => {
        const url = b.meeting.joinUrl ?? b.meeting.links[0]?.url;
        return `The ${singleLine(b.provider)} link sent earlier${url ? ` (${url})` : ''} cannot be withdrawn: please do not book through it.`;
      }),
    'The attached calendar file (cancel.ics) removes the meeting from your calendar.',
  ];
  const text = [`Hi ${name},`, '', ...lines].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;line-height:1.4;color:#111">',
    `<p>Hi ${escapeHtml(name)},</p>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    '</body></html>',
  ].join('\n');
  return {
    subject: `Cancelled: ${topic} (${subjectTime(meeting)})`,
    text,
    html,
    ...icsOf(
      renderIcs({
        meeting,
        description: reason ? `Cancelled: ${reason}` : 'Cancelled',
        ...(now ? { now } : {}),
        ...(organizer ? { organizer } : {}),
        sequence: change.sequence,
        cancelled: true,
      }),
    ),
  };
}
