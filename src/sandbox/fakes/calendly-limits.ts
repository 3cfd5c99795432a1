// The fake Calendly's documented limits (https://developer.calendly.com/api-docs/overview/rate-limits, checked
// 2026-12-05): requests per user a minute (paid 500, free 50), 8 OAuth token requests per user a minute, and Create
// Event Invitee's own (paid below Enterprise: 10 a minute, 50 an hour, 100 a day; Enterprise 500 a minute). Each is off
// unless set (state.limits), so tests booking hundreds of meetings are not refused; the sandbox sets an Enterprise
// user's. A 429 carries the documented X-RateLimit-Limit, X-RateLimit-Remaining: 0 and X-RateLimit-Reset (seconds).
import { RateWindow, type RateVerdict } from './rate-window.js';

export interface CalendlyLimits {
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
  inviteesPerMinute?: number | undefined;
  inviteesPerHour?: number | undefined;
  inviteesPerDay?: number | undefined;
}

/** The sandbox's: an Enterprise user's, whose direct bookings share the general 500 a minute. */
export const enterpriseLimits: CalendlyLimits = { requestsPerMinute: 500, tokensPerMinute: 8, inviteesPerMinute: 500 };

const minute = 60_000;
const hour = 60 * minute;

/** Calendly documents the headers, not the 429's body: this is its usual error shape. */
const tooMany = (verdict: RateVerdict): Response =>
  Response.json(
    { title: 'Too Many Requests', message: 'You have exceeded the rate limit. Please try again later.' },
    {
      status: 429,
      headers: {
        'x-ratelimit-limit': String(verdict.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(verdict.resetSeconds),
      },
    },
  );

export function calendlyLimiter(limits: () => CalendlyLimits) {
  const window = (pick: (l: CalendlyLimits) => number | undefined, ms: number) => {
    const w = new RateWindow(() => pick(limits()) ?? Number.POSITIVE_INFINITY, ms);
    /** A 429 when the limit is set and spent; a request within it is counted. */
    return (): Response | undefined => {
      if (pick(limits()) === undefined) return undefined;
      const verdict = w.take();
      return verdict.over ? tooMany(verdict) : undefined;
    };
  };
  const requests = window((l) => l.requestsPerMinute, minute);
  const invitees = [
    window((l) => l.inviteesPerMinute, minute),
    window((l) => l.inviteesPerHour, hour),
    window((l) => l.inviteesPerDay, 24 * hour),
  ];
  return {
    /** An API request (route `name`): the user's per-minute limit, and Create Event Invitee's own. */
    api(name: string): Response | undefined {
      const general = requests();
      if (general || name !== 'createInvitee') return general;
      for (const check of invitees) {
        const refused = check();
        if (refused) return refused;
      }
      return undefined;
    },
    /** POST /oauth/token. */
    token: window((l) => l.tokensPerMinute, minute),
  };
}
