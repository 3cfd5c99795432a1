// A time limit for one piece of work. AbortSignal.timeout's timer cannot be cleared: it (and every listener on its
// signal) lives for the whole limit after the work ended, so a busy server holds thousands of them.

export interface TimeLimit {
  /** Aborts after the limit with the DOMException `TimeoutError` that AbortSignal.timeout gives. */
  readonly signal: AbortSignal;
  /** The work is over: the timer goes now. */
  clear(): void;
}

export function timeLimit(ms: number): TimeLimit {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  // Like AbortSignal.timeout's: a server whose host has gone does not stay up for it.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
