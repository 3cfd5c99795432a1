// Small statistics for the benchmark: medians of repeated runs, and intervals merged into the time they cover.

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Milliseconds covered by `intervals` (overlaps counted once): a provider's chain of calls, as the provider saw it. */
export function covered(intervals: ReadonlyArray<{ startedAt: number; endedAt: number }>): number {
  const sorted = [...intervals].sort((a, b) => a.startedAt - b.startedAt);
  let total = 0;
  let end = -Infinity;
  for (const { startedAt, endedAt } of sorted) {
    if (endedAt <= end) continue;
    total += endedAt - Math.max(startedAt, end);
    end = endedAt;
  }
  return total;
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The sequential round trips on the critical path: the longest chain of calls in which each starts once the one before
 * has ended (calls that overlap ran concurrently). With a fixed latency per call, this is what latency multiplies.
 */
export function rounds(calls: ReadonlyArray<{ startedAt: number; endedAt: number }>, slackMs = 1): number {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j += 1)
      if ((sorted[j]?.endedAt ?? Infinity) <= call.startedAt + slackMs) before = Math.max(before, depth[j] ?? 0);
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}
