// Reading a resource again until the provider has finished it (a Meet or Teams link made after the create), within a
// soft deadline: the resource exists, so running out of time, or a read failing, ends with what was read last, never
// with an error that would invite a second create.
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReadAgain<T> {
  /** What the create answered. */
  first: T;
  /** Whether `value` is finished (its link is there). */
  done(value: T): boolean;
  /** One more read, bounded by `timeoutMs`. */
  read(value: T, signal: AbortSignal, timeoutMs: number): Promise<T>;
  /** The waits before each read. */
  delaysMs: readonly number[];
  /** No wait ends past it (epoch ms). */
  deadline: number;
  signal: AbortSignal;
}

export async function readAgain<T>({ first, done, read, delaysMs, deadline, signal }: ReadAgain<T>): Promise<T> {
  let current = first;
  for (const delay of delaysMs) {
    if (done(current) || Date.now() + delay >= deadline) break;
    try {
      await sleep(delay, undefined, { signal });
      current = await read(current, signal, Math.max(1, deadline - Date.now()));
    } catch {
      break;
    }
  }
  return current;
}
