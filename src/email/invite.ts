// The invitee's e-mail: subject, plain text and escaped HTML, built from what each provider booked.
import { DateTime } from 'luxon';
import type { BookedMeeting, Meeting } from '../meeting.js';
import { singleLine } from '../text.js';
import { renderIcs, type IcsMethod, type Organizer } from './ics.js';
import type { MeetingChange } from './mailer.js';
import { longTime, subjectTime } from './when.js';
import { escapeHtml } from '../text.js';

export interface BookedEntry {
  /** Display name of the provider ("Zoom"). */
  provider: string;
  meeting: BookedMeeting;
}

export interface Invite {
  subject: string;
  text: string;
  html: string;
  ics: string;
  /** The .ics METHOD, which the attachment's Content-Type repeats (`text/calendar; method=REQUEST`). */
  icsMethod: IcsMethod;
}

export { escapeHtml };

/** Only http(s) links become anchors: a provider or an agent can never smuggle `javascript:` into the e-mail. */
const isWebUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
};

/** A Google Calendar "add event" link for the slot, so anyone can save it in one click. */
function addToGoogleCalendarUrl(meeting: Meeting, details: string, location?: string): string {
  const utc = (d: Meeting['start']): string => d.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'");
  const params = new URLSearchParams({
    action: 'TEMPLATE',
    text: singleLine(meeting.topic),
    dates: `${utc(meeting.start)}/${utc(meeting.end)}`,
    ctz: meeting.timezone,
    details,
    ...(location ? { location } : {}),
  });
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}

/** Provider values are cleaned too: a passcode or label with a newline must not add lines to the e-mail. */
function textLines(entry: BookedEntry): string[] {
  const lines = [singleLine(entry.provider)];
  for (const link of entry.meeting.links) lines.push(`  ${singleLine(link.label)}: ${singleLine(link.url)}`);
  const { reference, passcode } = entry.meeting;
  if (reference) lines.push(`  ${singleLine(reference.label)}: ${singleLine(reference.value)}`);
  if (passcode) lines.push(`  Passcode: ${singleLine(passcode)}`);
  return lines;
}

/** The HTML cleans provider values as the text does: one line each, then escaped. */
const cell = (value: string): string => escapeHtml(singleLine(value));

function htmlBlock(entry: BookedEntry): string {
  const links = entry.meeting.links
    .filter((l) => isWebUrl(l.url))
    .map(
      (l) => `<li><a href="${cell(l.url)}">${cell(l.label)}</a><br><span style="color:#555">${cell(l.url)}</span></li>`,
    );
  const { reference, passcode } = entry.meeting;
  if (reference) links.push(`<li>${cell(reference.label)}: <strong>${cell(reference.value)}</strong></li>`);
  if (passcode) links.push(`<li>Passcode: <strong>${cell(passcode)}</strong></li>`);
  return `<h3 style="margin:16px 0 4px">${cell(entry.provider)}</h3><ul style="margin:0;padding-left:20px">${links.join('')}</ul>`;
}

/**
 * What the invitee still has to do, naming what is already booked: "Zoom, Google Calendar are booked at 14:00; on
 * Calendly, pick 14:00 and confirm." Undefined when every provider booked.
 */
function pendingSteps(meeting: Meeting, booked: readonly BookedEntry[]): string | undefined {
  const pending = booked.filter((b) => b.meeting.confirmation === 'invitee_must_confirm');
  if (pending.length === 0) return undefined;
  const done = booked
    .filter((b) => b.meeting.confirmation !== 'invitee_must_confirm')
    .map((b) => singleLine(b.provider));
  const at = meeting.start.setZone(meeting.timezone).toFormat('HH:mm');
  const head = done.length > 0 ? `${done.join(', ')} ${done.length === 1 ? 'is' : 'are'} booked at ${at}; ` : '';
  const steps = pending.map(
    (b) => `on ${singleLine(b.provider)}, ${singleLine(b.meeting.inviteeAction ?? 'open the link below and confirm')}`,
  );
  return `${head}${steps.join('; ')}.`;
}

/** Options of both renderers (the invitation, and the e-mail of a change). */
export interface InviteOptions {
  /** DTSTAMP of the .ics (default: now). */
  now?: Date;
  /** An earlier e-mail for this booking listed fewer providers: this one says it replaces it. */
  update?: boolean;
  /** The sender, named as the .ics ORGANIZER (then an iTIP REQUEST); without one, a PUBLISH notice. */
  organizer?: Organizer;
  /** The meeting moved (reschedule_booking): "Updated:", where it was, and the calendar file's higher SEQUENCE. */
  change?: MeetingChange;
}

/** Renders the whole invite; everything the invitee or the agent supplied is escaped in the HTML. */
export function renderInvite(
  meeting: Meeting,
  booked: readonly BookedEntry[],
  { now, update = false, organizer, change }: InviteOptions = {},
): Invite {
  const when = longTime(meeting);
  const name = singleLine(meeting.customerName);
  const topic = singleLine(meeting.topic);
  // When every provider only produced a link to confirm (Calendly), the invitee is asked, not told.
  const toConfirm = booked.length > 0 && booked.every((b) => b.meeting.confirmation === 'invitee_must_confirm');
  const steps = pendingSteps(meeting, booked);
  const intro = !steps ? 'is confirmed.' : toConfirm ? `is not booked yet: ${steps}` : `needs one more step: ${steps}`;
  const primary = booked.find((b) => b.meeting.joinUrl && isWebUrl(b.meeting.joinUrl))?.meeting.joinUrl;
  const icsDescription = booked.flatMap(textLines).join('\n');
  const addToCalendar = addToGoogleCalendarUrl(meeting, icsDescription, primary);
  const moved = change?.from ? movedLines(meeting, change) : undefined;
  const replaces = moved
    ? moved.join('\n')
    : 'This e-mail replaces the earlier one about this meeting: it lists every link, including the ones added since.';
  const updated = update || moved !== undefined;
  const text = [
    `Hi ${name},`,
    '',
    `Your meeting "${topic}" ${intro}`,
    ...(updated ? ['', replaces] : []),
    '',
    `When: ${when}`,
    `Duration: ${meeting.durationMinutes} minutes`,
    '',
    ...booked.flatMap((entry) => [...textLines(entry), '']),
    'A calendar file (invite.ics) is attached: open it to add the meeting to your calendar.',
    `Add to Google Calendar: ${addToCalendar}`,
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;line-height:1.4;color:#111">',
    `<p>Hi ${escapeHtml(name)},</p>`,
    `<p>Your meeting <strong>${escapeHtml(topic)}</strong> ${escapeHtml(intro)}</p>`,
    ...(updated ? replaces.split('\n').map((line) => `<p>${escapeHtml(line)}</p>`) : []),
    `<p><strong>When:</strong> ${escapeHtml(when)}<br><strong>Duration:</strong> ${meeting.durationMinutes} minutes</p>`,
    ...booked.map(htmlBlock),
    '<p style="margin-top:16px">A calendar file (invite.ics) is attached: open it to add the meeting to your calendar.',
    `<br><a href="${escapeHtml(addToCalendar)}">Add to Google Calendar</a></p>`,
    '</body></html>',
  ].join('\n');
  return {
    subject: `${updated ? 'Updated: ' : ''}${toConfirm ? 'Please confirm your meeting' : 'Meeting confirmed'}: ${subjectTime(meeting)}`,
    text,
    html,
    ...icsOf(
      renderIcs({
        meeting,
        description: icsDescription,
        ...(primary ? { location: primary } : {}),
        ...(now ? { now } : {}),
        ...(organizer ? { organizer } : {}),
        // An update replaces the first invitation in the invitee's calendar: a higher SEQUENCE, the same UID.
        sequence: change ? change.sequence : update ? 1 : 0,
        tentative: toConfirm,
      }),
    ),
  };
}

export const icsOf = ({ ics, method }: { ics: string; method: IcsMethod }): Pick<Invite, 'ics' | 'icsMethod'> => ({
  ics,
  icsMethod: method,
});

/** What a reschedule e-mail says first: where the meeting was, and which earlier link no longer applies. */
function movedLines(meeting: Meeting, change: MeetingChange): string[] {
  const from = change.from;
  if (!from) return [];
  const [start, end] = [
    DateTime.fromISO(from.start, { zone: from.timezone }),
    DateTime.fromISO(from.end, { zone: from.timezone }),
  ];
  const durationMinutes = Math.round(end.diff(start, 'minutes').minutes);
  const before: Meeting = { ...meeting, timezone: from.timezone, start, end, durationMinutes };
  return [
    `It has moved: it was ${longTime(before)}, and is now at the time below. The links below are the ones to use; the calendar file moves the entry in your calendar.`,
    ...change.linkRemains.map(
      (p) => `The ${singleLine(p)} link sent earlier is for the old time: please do not book through it.`,
    ),
  ];
}
