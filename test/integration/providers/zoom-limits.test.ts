// Zoom's documented limits on creating meetings as a booking meets them: the daily limit per host answered as itself
// (which limit, when it resets, what to do; never "retry in a few seconds"), and the account's rate per second kept
// by two handles on one SQLite file together. https://developers.zoom.us/docs/api/rate-limits/
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { zoom } from '../../../src/providers/zoom/manifest.js';
import { openContext, type AppContext } from '../../../src/runtime.js';
import { futureDate } from '../../support/dates.js';
import { useHarness, type Harness } from '../../support/harness.js';
import { sampleMeeting } from '../../support/meeting.js';

const perSecond = 5;
const harness = useHarness({
  providers: [zoom],
  extra: () => [{ routes: [], env: { ALSATALK_ZOOM_CREATES_PER_SECOND: String(perSecond) } }],
});
let h: Harness;
const others: AppContext[] = [];
beforeEach(() => {
  h = harness();
});
afterEach(() => {
  for (const ctx of others.splice(0)) ctx.close();
});

const date = futureDate(30);
interface Entry {
  status: string;
  error?: { code: string; message: string };
  remedy?: string;
}
async function book(time: string): Promise<Entry> {
  const result = await h.client.callTool({
    name: 'book_meeting',
    arguments: {
      customer_name: 'Ada Lovelace',
      customer_email: 'ada@example.com',
      booking_date: date,
      booking_time: time,
      timezone: 'America/New_York',
    },
  });
  return (result.structuredContent as { providers: Entry[] }).providers[0] as Entry;
}

describe("Zoom's daily limit of meeting creates per host", () => {
  it('says which limit, that it resets at 00:00 UTC and what to do, and asks Zoom once', async () => {
    h.zoom.state.limits.meetingsPerUserPerDay = 1;
    await h.connectZoom();
    expect((await book('10:00')).status).toBe('booked');
    const refused = await book('11:00');
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('rate_limited');
    expect(refused.error?.message).toBe(
      `Zoom's daily limit for this Zoom user is used up: Zoom allows 1 meeting create and update requests per host a day (HTTP 429: "You have exceeded the daily rate limit (1) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.")`,
    );
    expect(refused.remedy).toMatch(
      /^Zoom takes this Zoom user's new meetings again at 00:00 UTC \(\d{4}-\d{2}-\d{2}T00:00Z, in \d+ (s|min|h)\); retrying sooner fails the same way\. Repeat the same call after then, or let another Zoom user host it \(a Server-to-Server app: npx alsatalk-mcp connect zoom --account-id acc_123 --client-id client_abc --user <their id or e-mail>\)$/,
    );
    expect(refused.remedy).not.toMatch(/retry after/);
    // Its Retry-After names midnight, beyond what a call waits for: the refused create was not sent again.
    expect(h.zoom.state.meetings).toHaveLength(1);
    expect(h.zoom.createLimits.daily.size).toBe(1);
  });
});

describe("Zoom's rate of meeting creates per account", () => {
  it('is kept by two handles on one SQLite file together: no 429, the creates spaced at 9/10 of the rate', async () => {
    h.zoom.state.limits.createsPerSecond = perSecond;
    await h.connectZoom();
    const second = await openContext(h.env);
    others.push(second);
    const sessions = [h.ctx, second].map((ctx) => {
      const connection = ctx.connections.get('zoom');
      if (!connection) throw new Error('zoom is not connected');
      return zoom.openSession(ctx.connections.session(zoom, connection));
    });
    const started = performance.now();
    const signal = AbortSignal.timeout(20_000);
    const booked = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        sessions[i % 2]!.book(
          sampleMeeting(`${date}T${String(8 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`, 'UTC', {
            bookingId: `f3b1c2d4-0000-4000-8000-0000000000${String(10 + i)}`,
          }),
          signal,
        ),
      ),
    );
    expect(booked).toHaveLength(12);
    expect(h.zoom.createLimits.perSecond.refused).toBe(0);
    // Eleven intervals of 1 / (0.9 × 5) s.
    expect(performance.now() - started).toBeGreaterThanOrEqual((11 / (perSecond * 0.9)) * 1000 - 50);
  });
});
