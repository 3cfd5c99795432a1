// Calendly's documented limits as a booking meets them: a direct booking refused with 429 falls back to a single-use
// link in auto mode (and holds the next ones for the reset Calendly named), and is a rate_limited failure with the wait
// in direct mode. https://developer.calendly.com/api-docs/overview/rate-limits
import { beforeEach, describe, expect, it } from 'vitest';
import { calendly } from '../../../src/providers/calendly/manifest.js';
import { createCalendlyFake, type CalendlyFake } from '../../../src/sandbox/fakes/calendly.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';

const harness = useHarness({ providers: [calendly], extra: () => [createCalendlyFake()] });
let h: Harness;
let c: CalendlyFake;
beforeEach(() => {
  h = harness();
  c = h.extra[0] as CalendlyFake;
  // A paid plan below Enterprise: one direct booking a minute is left of its 10.
  c.state.limits.inviteesPerMinute = 1;
});

const date = futureDate(40);
const args = (time: string, email = 'ada@example.com') => ({
  customer_name: 'Ada Lovelace',
  customer_email: email,
  booking_date: date,
  booking_time: time,
  timezone: 'America/New_York',
});
interface Entry {
  status: string;
  note?: string;
  invitee_action?: string;
  links?: Array<{ url: string }>;
  error?: { code: string; message: string };
  remedy?: string;
}
async function book(time: string, email?: string): Promise<Entry> {
  const result = await h.client.callTool({ name: 'book_meeting', arguments: args(time, email) });
  return (result.structuredContent as { providers: Entry[] }).providers[0] as Entry;
}
const posts = (path: string) => c.state.calls.filter((call) => call.startsWith('POST') && call.endsWith(path)).length;

describe('Calendly refuses a direct booking for its rate limit (429)', () => {
  it('auto mode sends a single-use link instead, says why and what the invitee does, and holds the next ones', async () => {
    await h.connect('calendly', ['--token-stdin'], `${c.state.token}\n`);
    expect((await book('10:00')).note).toMatch(/^Booked directly in Calendly/);

    const second = await book('11:00', 'grace@example.com');
    expect(second.status).toBe('booked');
    expect(second.note).toMatch(
      /^Calendly refused this direct booking for its rate limit \(HTTP 429, for another (59|60) s; paid plans below Enterprise allow 10 direct bookings a minute, 50 an hour and 100 a day per user, a trial 5 a day\), so a single-use link was sent instead\. The link opens Calendly's booking page/,
    );
    expect(second.note).toContain('the invitee must pick 11:00 and confirm.');
    expect(second.links?.[0]?.url.startsWith(c.state.schedulingLinks[0]?.bookingUrl ?? '-')).toBe(true);
    expect(c.state.invitees).toHaveLength(1);

    // The hold reaches the next booking: Calendly is not asked again before its reset, the link goes out at once.
    const directTries = posts('/invitees');
    const third = await book('12:00', 'alan@example.com');
    expect(third.note).toMatch(/^Calendly refused a direct booking moments ago for its rate limit/);
    expect(posts('/invitees')).toBe(directTries);
    expect(c.state.schedulingLinks).toHaveLength(2);
  });

  it('direct mode fails with rate_limited and the wait Calendly named in the remedy', async () => {
    await h.connect('calendly', ['--token-stdin', '--mode', 'direct'], `${c.state.token}\n`);
    expect((await book('10:00')).status).toBe('booked');
    const refused = await book('11:00', 'grace@example.com');
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('rate_limited');
    expect(refused.error?.message).toMatch(
      /^cannot book directly: Calendly refused this direct booking for its rate limit/,
    );
    expect(refused.remedy).toMatch(
      /^retry Calendly after (59|60) s, or let a single-use link be sent when Calendly limits direct bookings: npx alsatalk-mcp connect calendly --mode auto$/,
    );
    expect(c.state.schedulingLinks).toHaveLength(0);
  });
});
