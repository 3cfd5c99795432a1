// What the invitee gets when Calendly sends a single-use link next to a Zoom meeting: the exact link (only the
// parameters Calendly documents), the e-mail's lines and book_meeting's text, which say what the invitee must do on
// Calendly and what is already booked. msw plays Zoom, Calendly and Resend at the network edge.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { calendly } from '../../../src/providers/calendly/manifest.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom, calendly], extra: () => [createCalendlyFake()] });
let h: Harness;
let c: CalendlyFake;

const date = futureDate(40);
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada+calls@example.com',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
};
const day = () =>
  DateTime.fromISO(`${date}T14:00`, { zone: 'America/New_York' }).setLocale('en-US').toFormat('ccc, LLL d');
/** The link exactly as the invitee gets it: the booking page's day and their name and e-mail, nothing else. */
const linkFor = (bookingUrl = '') =>
  `${bookingUrl}?month=${date.slice(0, 7)}&date=${date}&name=Ada%20Lovelace&email=ada%2Bcalls%40example.com`;

interface Entry {
  provider: string;
  status: string;
  links?: Array<{ label: string; url: string }>;
  confirmation?: string;
  invitee_action?: string;
  note?: string;
}

async function book(extra: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  const output = result.structuredContent as { providers: Entry[] };
  const [email] = h.resend.state.emails;
  return {
    zoomEntry: output.providers.find((p) => p.provider === 'zoom'),
    entry: output.providers.find((p) => p.provider === 'calendly'),
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
    mail: `${email?.payload.text ?? ''}`,
    html: `${email?.payload.html ?? ''}`,
    subject: `${email?.payload.subject ?? ''}`,
  };
}

beforeEach(async () => {
  h = harness();
  c = h.extra[0] as CalendlyFake;
  await h.connectZoom();
  await h.connectResend();
});

const connectCalendly = (more: string[] = []) =>
  h.connect('calendly', ['--token-stdin', ...more], `${c.state.token}\n`);

describe('Calendly next to Zoom: what the invitee is told to do', () => {
  it('a direct booking is confirmed like the Zoom meeting, with nothing left to do', async () => {
    await connectCalendly();
    const { entry, mail, text, subject } = await book();
    expect(entry).toMatchObject({ status: 'booked', confirmation: 'confirmed' });
    expect(entry?.invitee_action).toBeUndefined();
    expect(c.state.schedulingLinks).toHaveLength(0);
    expect(subject).toMatch(/^Meeting confirmed: /);
    expect(mail).toContain('Your meeting "Meeting with Ada Lovelace" is confirmed.');
    expect(mail).not.toMatch(/pick|one click/i);
    expect(text).toMatch(/^- calendly: booked https:\/\//m);
  });

  it('when 14:00 is not offered, the invitee is told to choose another time, and Zoom is named as booked at 14:00', async () => {
    await connectCalendly();
    c.state.busy.add(
      DateTime.fromISO(`${date}T14:00`, { zone: 'America/New_York' }).toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'"),
    );
    const { entry, mail, html, text } = await book();
    const link = linkFor(c.state.schedulingLinks[0]?.bookingUrl);
    const action =
      'choose another time (14:00 is not open in Calendly; open that day: 13:00, 13:30, 14:30) and confirm';
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      invitee_action: action,
      links: [{ label: 'Choose a time and confirm', url: link }],
    });
    expect(mail).toContain(
      `Your meeting "Meeting with Ada Lovelace" needs one more step: Zoom is booked at 14:00; on Calendly, ${action}.`,
    );
    expect(mail).toContain(`Calendly\n  Choose a time and confirm: ${link}`);
    expect(html).toContain(`Zoom is booked at 14:00; on Calendly, ${action}.`);
    expect(text).toContain(
      `- calendly: link sent (zoom is booked at 14:00; on calendly, the invitee must ${action}): ${link}`,
    );
    expect(entry?.note).toMatch(
      /^Calendly does not offer 14:00 on .+, so a single-use link was sent instead of a direct booking\./,
    );
  });

  it('when the event type asks required questions, the invitee picks 14:00, answers them and confirms', async () => {
    await connectCalendly();
    c.state.eventTypes[0]!.custom_questions = [c.question('Company name', true, 0)];
    const { entry, mail, text } = await book();
    const link = linkFor(c.state.schedulingLinks[0]?.bookingUrl);
    const action = 'pick 14:00, answer its question (Company name) and confirm';
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      invitee_action: action,
      links: [{ label: 'Pick 14:00, answer its question (Company name) and confirm', url: link }],
    });
    expect(mail).toContain(`needs one more step: Zoom is booked at 14:00; on Calendly, ${action}.`);
    expect(mail).toContain(`  Pick 14:00, answer its question (Company name) and confirm: ${link}`);
    expect(text).toContain(
      `- calendly: link sent (zoom is booked at 14:00; on calendly, the invitee must ${action}): ${link}`,
    );
    expect(entry?.note).toBe(
      `The event type "Intro call" (intro-call, 30 min) has required questions (Company name) that a direct booking would have to answer, so a single-use link was sent instead of a direct booking. The link opens Calendly's booking page on ${day()} with the invitee's e-mail filled in (and the name, where the page asks for a full name); the invitee must ${action}.`,
    );
  });

  it('in link mode, the invitee picks the agreed 14:00 and confirms, and no "one click" is promised', async () => {
    await connectCalendly(['--mode', 'link']);
    const { entry, mail, text } = await book();
    const link = linkFor(c.state.schedulingLinks[0]?.bookingUrl);
    expect(entry).toMatchObject({
      confirmation: 'invitee_must_confirm',
      invitee_action: 'pick 14:00 and confirm',
      links: [{ label: 'Pick 14:00 and confirm', url: link }],
    });
    expect(c.state.invitees).toHaveLength(0);
    expect(mail).toContain(
      'Your meeting "Meeting with Ada Lovelace" needs one more step: Zoom is booked at 14:00; on Calendly, pick 14:00 and confirm.',
    );
    expect(mail).toContain(`  Pick 14:00 and confirm: ${link}`);
    expect(mail).not.toContain('one click');
    expect(text).toContain(
      `- calendly: link sent (zoom is booked at 14:00; on calendly, the invitee must pick 14:00 and confirm): ${link}`,
    );
  });
});
