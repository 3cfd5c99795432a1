// A fake provider's rate limit: no more than `limit` requests in any window, counted over the window before each
// request (a sliding log), so the spacing of requests decides, not where a clock tick falls. Each fake maps the verdict
// to its provider's documented headers and 429 answer.

/** What the window says of one request. */
export interface RateVerdict {
  /** The request is over the limit: answer 429, and it does not count. */
  over: boolean;
  limit: number;
  /** Requests still allowed in the current window, this one counted. */
  remaining: number;
  /** Whole seconds until the oldest request counted leaves the window (at least 1). */
  resetSeconds: number;
}

export class RateWindow {
  /** When (performance.now() ms) each request let through arrived, within the last window. */
  readonly #arrivals: number[] = [];
  /** Requests answered 429 so far. */
  refused = 0;

  /** `limit()` is read on every request, so a test may change a fake's limit between requests. */
  constructor(
    private readonly limit: () => number,
    private readonly windowMs = 1000,
  ) {}

  /** Counts a request arriving now, unless it is over the limit. */
  take(now = performance.now()): RateVerdict {
    while (this.#arrivals.length > 0 && (this.#arrivals[0] ?? 0) <= now - this.windowMs) this.#arrivals.shift();
    const limit = Math.max(1, Math.floor(this.limit()));
    const over = this.#arrivals.length >= limit;
    if (over) this.refused += 1;
    else this.#arrivals.push(now);
    const oldest = this.#arrivals[0] ?? now;
    return {
      over,
      limit,
      remaining: Math.max(0, limit - this.#arrivals.length),
      resetSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)),
    };
  }
}
