// Hostile and mistaken input to book_meeting through a real MCP Client, real SQLite and the real keychain (msw plays Zoom,
// Google and Resend): each bad value is refused with a message naming the field and the fix, and writes nothing; the
// unusual input real people have (right-to-left names, emoji, markup, a wall time that happens twice) is booked intact.
import { DateTime } from 'luxon';
import { beforeEach, describe, expect, it } from 'vitest';
import { google } from '../../../src/providers/google/manifest.js';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { createGoogleFake, type GoogleFake } from '../../../src/sandbox/fakes/google.js';
import { statement } from '../../../src/storage/database.js';
import { futureDate, nextSunday } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [zoom, google], extra: () => [createGoogleFake()] });
let h: Harness;
let g: GoogleFake;
beforeEach(async () => {
  h = harness();
  g = h.extra[0] as GoogleFake;
  await h.connectZoom();
  await h.connect(
    'google',
    ['--client-id', g.state.clientId, '--client-secret-stdin', '--refresh-token-stdin'],
    `${g.state.clientSecret}\n${g.state.refreshToken}\n`,
  );
  await h.connectResend();
});

const date = futureDate(40);
const nextYear = DateTime.now().year + 1;
const args = {
  customer_name: 'Ada Lovelace',
  customer_email: 'ada@example.com',
  booking_date: date,
  booking_time: '14:00',
  timezone: 'America/New_York',
};

interface Output {
  status: string;
  meeting: { start: string; topic: string; invitee: { name: string; email: string } };
  providers: Array<{ provider: string; status: string }>;
  email: { status: string };
  notes?: string[];
}

async function book(extra: Record<string, unknown>) {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: { ...args, ...extra } });
  return {
    result,
    output: result.structuredContent as Output,
    text: (result.content as Array<{ text: string }>)[0]?.text ?? '',
  };
}

const count = (table: string): number =>
  (statement(h.ctx.db, `SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Everything a booking writes or sends: rows in the SQLite file, calls to and meetings in each provider, e-mails. */
const footprint = () => ({
  bookings: count('bookings'),
  results: count('booking_results'),
  zoomMeetings: h.zoom.state.meetings.length,
  zoomTokenRequests: h.zoom.state.tokenRequests,
  googleEvents: g.state.events.length,
  googleTokenRequests: g.state.tokenRequests,
  emails: h.resend.state.emails.length,
});

/** Calls the tool with `extra` and checks it refused with exactly `text`, having written and sent nothing. */
async function expectRefused(extra: Record<string, unknown>, text: string): Promise<void> {
  const before = footprint();
  expect(before).toMatchObject({ bookings: 0, results: 0, zoomMeetings: 0, googleEvents: 0, emails: 0 });
  const { result, text: said } = await book(extra);
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  expect(said).toBe(text);
  expect(footprint()).toEqual(before);
}

// What the SDK answers when the tool's input schema refuses a value: the field (a list item as `providers.0`), then our
// message, as an `isError` result the model reads.
const schemaRefusal = (field: string, message: string) =>
  `Input validation error: Invalid arguments for tool book_meeting: ${field.replace(/\[(\d+)\]/g, '.$1')}: ${message}`;

const email = 'must be an e-mail address such as ada@example.com';
const noParts = `${email} (it needs a name, @ and a domain)`;
const plain = (character: string) =>
  `must be plain text on one line: remove ${character} (a line break, control or bidi-override character)`;
const hhmm = 'must be 24-hour HH:mm, e.g. 09:30 or 14:00';
const minutes = 'must be a whole number of minutes, e.g. 30';
const key = 'must be 1 to 200 printable ASCII characters without spaces, e.g. a UUID';
const e164 = 'must be in international E.164 form, e.g. +14155550123';
const longEmail = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`;
const tenKb = 'A'.repeat(10_240);
/** The bidi embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069) that make text display other than it reads. */
const bidiControls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].map(
  (c) => [`U+${c.toString(16).toUpperCase()}`, String.fromCharCode(c)] as const,
);

describe('refused by the input schema, naming the field', () => {
  const cases: Array<[label: string, field: string, extra: Record<string, unknown>, message: string]> = [
    ['an address with no @', 'customer_email', { customer_email: 'not-an-email' }, noParts],
    ['an address with no domain', 'customer_email', { customer_email: 'ada@' }, noParts],
    ['an address with no local part', 'customer_email', { customer_email: '@example.com' }, noParts],
    ['an address with no top-level domain', 'customer_email', { customer_email: 'ada@example' }, email],
    ['an address with a space', 'customer_email', { customer_email: 'ada example@x.com' }, email],
    [
      'an address carrying a Bcc header',
      'customer_email',
      { customer_email: 'ada@example.com\r\nBcc: evil@x.com' },
      email,
    ],
    [
      'an address over 254 characters',
      'customer_email',
      { customer_email: longEmail },
      'must be at most 254 characters',
    ],

    [
      'a part before the @ outside ASCII',
      'customer_email',
      { customer_email: 'adä@example.com' },
      'has letters outside ASCII before the @ ("adä"), which many mail servers refuse: ask the user for an address in plain ASCII before the @',
    ],

    // Missing, or not even the right type: each says what the field needs, never zod's "expected string, received ...".
    ['no name', 'customer_name', { customer_name: undefined }, "is required: give the customer's name"],
    ['a name that is a number', 'customer_name', { customer_name: 42 }, "must be text: give the customer's name"],
    [
      'no address',
      'customer_email',
      { customer_email: undefined },
      "is required: ask the user for the customer's e-mail address; do not invent one",
    ],
    [
      'no date',
      'booking_date',
      { booking_date: undefined },
      'is required: give the date like 2026-12-01; ask the user if they did not say',
    ],
    [
      'no time',
      'booking_time',
      { booking_time: undefined },
      'is required: give the 24-hour start time like 14:00; ask the user if they did not say',
    ],
    [
      'a time as a number',
      'booking_time',
      { booking_time: 1400 },
      'must be an HH:mm text: give the 24-hour start time like 14:00; ask the user if they did not say',
    ],
    [
      'an unknown provider',
      'providers[0]',
      { providers: ['skype'] },
      '"skype" is not a provider: choose from zoom, google',
    ],
    [
      'an empty provider list',
      'providers',
      { providers: [] },
      'must name at least one provider, or be left out to book in every connected one',
    ],
    [
      'providers as a string',
      'providers',
      { providers: 'zoom' },
      'must be a list of provider ids such as ["zoom"], or left out for every connected one',
    ],

    ['an empty name', 'customer_name', { customer_name: '' }, "give the customer's name"],
    ['a whitespace-only name', 'customer_name', { customer_name: ' \t  ' }, "give the customer's name"],
    ['a 10 kB name', 'customer_name', { customer_name: tenKb }, 'must be at most 200 characters'],
    [
      'a name carrying a Bcc header (CR LF)',
      'customer_name',
      { customer_name: 'Ada\r\nBcc: x@evil.test' },
      plain('U+000D'),
    ],
    ['a name with a bare LF', 'customer_name', { customer_name: 'Ada\nLovelace' }, plain('U+000A')],
    ['a name with NUL', 'customer_name', { customer_name: 'Ada\u0000Lovelace' }, plain('U+0000')],
    ['a name with a tab inside', 'customer_name', { customer_name: 'Ada\tLovelace' }, plain('U+0009')],
    [
      'a name with ESC (a terminal escape)',
      'customer_name',
      { customer_name: 'Ada\u001b[31mLovelace' },
      plain('U+001B'),
    ],
    ['a name with DEL', 'customer_name', { customer_name: 'Ada\u007fLovelace' }, plain('U+007F')],
    ['a name with a C1 control (NEL)', 'customer_name', { customer_name: 'Ada\u0085Lovelace' }, plain('U+0085')],
    ['a name with a Unicode line separator', 'customer_name', { customer_name: 'Ada\u2028Lovelace' }, plain('U+2028')],
    ...bidiControls.map(([code, c]): [string, string, Record<string, unknown>, string] => [
      `a name with ${code}`,
      'customer_name',
      { customer_name: `Ada ${c}ecalevoL` },
      plain(code),
    ]),

    ['a 10 kB topic', 'topic', { topic: tenKb }, 'must be at most 200 characters'],
    ['a topic carrying a header (CR LF)', 'topic', { topic: 'Intro\r\nX-Evil: 1' }, plain('U+000D')],
    ['a topic with NUL', 'topic', { topic: 'Intro\u0000call' }, plain('U+0000')],
    ['a topic with BEL', 'topic', { topic: 'Intro call\u0007' }, plain('U+0007')],
    ...bidiControls.map(([code, c]): [string, string, Record<string, unknown>, string] => [
      `a topic with ${code}`,
      'topic',
      { topic: `Invoice ${c}fdp.exe` },
      plain(code),
    ]),

    ['a date in another form', 'booking_date', { booking_date: '01/02/2027' }, 'must be YYYY-MM-DD, e.g. 2026-12-01'],
    ['24:00', 'booking_time', { booking_time: '24:00' }, hhmm],
    ['12:60', 'booking_time', { booking_time: '12:60' }, hhmm],
    ['9:30 (one-digit hour)', 'booking_time', { booking_time: '9:30' }, hhmm],
    ['09:30:00 (with seconds)', 'booking_time', { booking_time: '09:30:00' }, hhmm],
    ['2pm', 'booking_time', { booking_time: '2pm' }, hhmm],
    ['an empty zone', 'timezone', { timezone: '' }, 'give an IANA time-zone name such as America/New_York'],

    ['a zero duration', 'duration_minutes', { duration_minutes: 0 }, 'must be at least 5 minutes'],
    ['a negative duration', 'duration_minutes', { duration_minutes: -30 }, 'must be at least 5 minutes'],
    ['a fractional duration', 'duration_minutes', { duration_minutes: 30.5 }, 'must be a whole number of minutes'],
    ['a duration as a string', 'duration_minutes', { duration_minutes: '30' }, minutes],
    [
      'a duration over 12 hours',
      'duration_minutes',
      { duration_minutes: 721 },
      'must be at most 720 minutes (12 hours)',
    ],
    ['NaN', 'duration_minutes', { duration_minutes: Number.NaN }, minutes],
    ['Infinity', 'duration_minutes', { duration_minutes: Number.POSITIVE_INFINITY }, minutes],
    ['null (what NaN becomes in JSON)', 'duration_minutes', { duration_minutes: null }, minutes],
    ['the string "NaN"', 'duration_minutes', { duration_minutes: 'NaN' }, minutes],

    ['a phone with spaces', 'customer_phone', { customer_phone: '+1 415 555 0123' }, e164],
    ['a phone carrying a header', 'customer_phone', { customer_phone: '+14155550123\r\nBcc: x@evil.test' }, e164],

    ['an idempotency key with spaces', 'idempotency_key', { idempotency_key: 'my booking 1' }, key],
    ['an idempotency key with non-ASCII', 'idempotency_key', { idempotency_key: 'clé-réservation' }, key],
    ['an idempotency key over 200 characters', 'idempotency_key', { idempotency_key: 'k'.repeat(201) }, key],
    ['an empty idempotency key', 'idempotency_key', { idempotency_key: '' }, key],
    ['an idempotency key with CR LF', 'idempotency_key', { idempotency_key: 'abc\r\n' }, key],
  ];
  it.each(cases)('%s: refused on %s, nothing written', async (_label, field, extra, message) => {
    await expectRefused(extra, schemaRefusal(field, message));
  });
});

describe('refused when the date, time and zone are resolved, naming the field', () => {
  const past = futureDate(-2);
  const today = DateTime.now().setZone('America/New_York').toISODate();
  const farAhead = futureDate(400);
  const springForward = nextSunday(3, 2);
  const cases: Array<[label: string, extra: Record<string, unknown>, text: string]> = [
    [
      '30 February (past year)',
      { booking_date: '2025-02-30' },
      'booking_date: 2025-02-30 is not a calendar date\n→ check the day and month',
    ],
    [
      '30 February (next year)',
      { booking_date: `${nextYear}-02-30` },
      `booking_date: ${nextYear}-02-30 is not a calendar date\n→ check the day and month`,
    ],
    [
      'month 13',
      { booking_date: '2025-13-01' },
      'booking_date: 2025-13-01 is not a calendar date\n→ check the day and month',
    ],
    [
      'month 00',
      { booking_date: `${nextYear}-00-10` },
      `booking_date: ${nextYear}-00-10 is not a calendar date\n→ check the day and month`,
    ],
    [
      '31 April',
      { booking_date: `${nextYear}-04-31` },
      `booking_date: ${nextYear}-04-31 is not a calendar date\n→ check the day and month`,
    ],
    [
      'a day in the past',
      { booking_date: past, booking_time: '10:00' },
      `booking_date: ${past} is in the past (today is ${today} in America/New_York)\n→ ask the user for a future date`,
    ],
    [
      'more than a year ahead',
      { booking_date: farAhead },
      `booking_date: ${farAhead} is more than a year ahead\n→ book a date within the next 12 months`,
    ],
    [
      'a local time the spring-forward change skips',
      { booking_date: springForward, booking_time: '02:30' },
      `booking_time: 02:30 does not exist on ${springForward} in America/New_York (the clocks skip it for daylight saving time)\n→ pick a time outside the skipped hour, for example 03:30`,
    ],
    ...['Mars/Olympus', 'UTC+2'].map((zone): [string, Record<string, unknown>, string] => [
      `the unknown zone ${JSON.stringify(zone)}`,
      { timezone: zone },
      `timezone: "${zone}" is not an IANA time-zone name\n→ use an Area/City name such as America/New_York or Europe/Berlin; ask the user where they are if unsure`,
    ]),
    ...[
      ['America/New York', 'America/New_York'],
      ['New York', 'America/New_York'],
      ['Europe/Berln', 'Europe/Berlin'],
    ].map(([zone, likely]): [string, Record<string, unknown>, string] => [
      `the misspelt zone ${JSON.stringify(zone)}`,
      { timezone: zone },
      `timezone: "${zone}" is not an IANA time-zone name\n→ use ${likely} if that is what was meant, or another Area/City name; ask the user where they are if unsure`,
    ]),
    [
      'a zone abbreviation',
      { timezone: 'PST' },
      'timezone: "PST" is an abbreviation, not an IANA time-zone name: it names no place and says nothing of daylight saving\n→ use America/Los_Angeles, or another Area/City name; ask the user where they are if unsure',
    ],
  ];
  it.each(cases)('%s: refused, nothing written', async (_label, extra, text) => {
    await expectRefused(extra, text);
  });
});

describe('accepted, and reaching every provider and the e-mail intact', () => {
  /** Books and checks the name and topic arrived unchanged in Zoom, Google, the bookings row and the e-mail. */
  async function expectBookedIntact(customerName: string, topic?: string) {
    const { result, output } = await book({ customer_name: customerName, ...(topic === undefined ? {} : { topic }) });
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    const title = topic ?? `Meeting with ${customerName}`;
    expect(output.meeting).toMatchObject({ topic: title, invitee: { name: customerName, email: 'ada@example.com' } });
    expect(h.zoom.state.meetings).toHaveLength(1);
    expect(h.zoom.state.meetings[0]?.body).toMatchObject({
      topic: title,
      agenda: expect.stringContaining(`With ${customerName} <ada@example.com>`),
    });
    expect(g.state.events).toHaveLength(1);
    expect(g.state.events[0]?.body).toMatchObject({
      summary: title,
      attendees: [{ email: 'ada@example.com', displayName: customerName }],
    });
    expect(count('bookings')).toBe(1);
    expect(statement(h.ctx.db, 'SELECT customer_name AS name, topic FROM bookings').get()).toEqual({
      name: customerName,
      topic: title,
    });
    expect(h.resend.state.emails).toHaveLength(1);
    return h.resend.state.emails[0]?.payload;
  }

  it.each([
    ['an Arabic name and topic', 'محمد بن موسى الخوارزمي', 'مكالمة تعريفية'],
    ['a Hebrew name', 'עדה לאבלייס', undefined],
    ['a name with an emoji', 'Ada 🚀 Lovelace', undefined],
    ['a name with a joined emoji sequence (ZWJ)', 'Ada 👩🏽‍💻 Lovelace', 'Demo 🎉'],
    ['a name with accents and an apostrophe', "Zoë O'Brien-Ñúñez", undefined],
  ])('%s', async (_label, customerName, topic) => {
    const sent = await expectBookedIntact(customerName, topic);
    expect(sent?.text).toContain(`Hi ${customerName},`);
    expect(sent?.html).toContain(customerName.replace("'", '&#39;'));
    if (topic) expect(sent?.html).toContain(topic);
  });

  it('markup in the name and topic: booked as given, escaped in the e-mail', async () => {
    const sent = await expectBookedIntact('<b>Ada</b> & <script>alert(1)</script>', 'Q&A <script>alert(1)</script>');
    expect(sent?.html).not.toMatch(/<script|<b>Ada/i);
    expect(sent?.html).toContain('&lt;b&gt;Ada&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(sent?.html).toContain('Q&amp;A &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(sent?.subject).not.toMatch(/[\r\n<>]/);
  });

  it('an address whose domain is in another script: booked and e-mailed to its ASCII (punycode) form', async () => {
    const { result, output } = await book({ customer_email: 'ada@bücher.de' });
    expect(result.isError).toBeFalsy();
    expect(output.meeting).toMatchObject({ invitee: { email: 'ada@xn--bcher-kva.de' } });
    expect(g.state.events[0]?.body).toMatchObject({ attendees: [{ email: 'ada@xn--bcher-kva.de' }] });
    expect(h.resend.state.emails[0]?.payload.to).toEqual(['ada@xn--bcher-kva.de']);
  });

  it('a wall time the clocks go back over: booked at the first of the two, and the notes say so', async () => {
    const fallBack = nextSunday(11, 1);
    const { result, output, text } = await book({ booking_date: fallBack, booking_time: '01:30' });
    expect(result.isError).toBeFalsy();
    expect(output.status).toBe('booked');
    expect(output.meeting.start).toBe(`${fallBack}T01:30:00-04:00`);
    const note = `01:30 happens twice on ${fallBack} in America/New_York (the clocks go back); booked the first, at UTC-04:00 (EDT)`;
    expect(output.notes).toEqual([note]);
    expect(text).toContain(`Note: ${note}`);
    expect(h.zoom.state.meetings[0]?.startUtc).toBe(`${fallBack}T05:30:00Z`);
    expect(g.state.events[0]?.startUtc).toBe(`${fallBack}T05:30:00Z`);
    expect(h.resend.state.emails).toHaveLength(1);
  });
});
