// The fake Zoom's documented limits on Create a meeting (https://developers.zoom.us/docs/api/rate-limits/, checked
// 2026-12-05): the account's Medium rate per second, and 100 creates and updates per host user a day, resetting at
// 00:00 UTC. Both off unless set (state.limits), so tests that book hundreds of meetings at once are not refused; the
// sandbox sets Pro's. Each 429 carries Zoom's body and the headers its rate-limit page shows.
import { RateWindow } from './rate-window.js';

export interface ZoomLimits {
  /** Medium APIs per second for the account: Free 2, Pro 20, Business and up 60. */
  createsPerSecond?: number | undefined;
  /** Meeting creates (and updates) per host user per UTC day: 100. */
  meetingsPerUserPerDay?: number | undefined;
}

/** The sandbox's: a Pro account's. */
export const proLimits: ZoomLimits = { createsPerSecond: 20, meetingsPerUserPerDay: 100 };

const nextUtcMidnight = (now: Date): Date =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));

/** Checks one create for user `userId` against `limits()`; a 429 Response when over, else undefined (and counts it). */
export function createLimiter(limits: () => ZoomLimits) {
  const perSecond = new RateWindow(() => limits().createsPerSecond ?? Number.POSITIVE_INFINITY);
  /** `userId|YYYY-MM-DD` -> creates that UTC day. */
  const daily = new Map<string, number>();
  return {
    perSecond,
    daily,
    check(userId: string, now = new Date()): Response | undefined {
      const { createsPerSecond, meetingsPerUserPerDay } = limits();
      if (createsPerSecond !== undefined) {
        const verdict = perSecond.take();
        if (verdict.over)
          return Response.json(
            { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' },
            {
              status: 429,
              headers: {
                'x-ratelimit-category': 'Medium',
                'x-ratelimit-type': 'QPS',
                'x-ratelimit-limit': String(verdict.limit),
                'x-ratelimit-remaining': '0',
              },
            },
          );
      }
      if (meetingsPerUserPerDay === undefined) return undefined;
      const key = `${userId}|${now.toISOString().slice(0, 10)}`;
      const used = daily.get(key) ?? 0;
      if (used >= meetingsPerUserPerDay)
        return Response.json(
          {
            code: 429,
            message: `You have exceeded the daily rate limit (${meetingsPerUserPerDay}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.`,
          },
          {
            status: 429,
            headers: {
              'x-ratelimit-category': 'Medium',
              'x-ratelimit-type': 'Daily-limit',
              'x-ratelimit-limit': String(meetingsPerUserPerDay),
              'x-ratelimit-remaining': '0',
              'retry-after': nextUtcMidnight(now).toISOString().replace('.000Z', 'Z'),
            },
          },
        );
      daily.set(key, used + 1);
      return undefined;
    },
  };
}
