// Maps items with a bounded number of calls under way at once, keeping the input's order: the days of a Zoho search or
// the series of a Zoom one run concurrently without flooding a provider that counts requests per second.

/** `run` over every item, at most `atOnce` at a time; rejects with the first failure, after which none is started. */
export async function inTurns<T, R>(items: readonly T[], atOnce: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const index = next;
      next += 1;
      try {
        results[index] = await run(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
}
