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
