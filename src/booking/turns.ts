// One call at a time per key (a booking id, a booking's idempotency key): the same call made ten times at once runs
// once, and the others repeat it after, answered from what the first recorded.
export class Turns {
  readonly #turns = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const mine = (this.#turns.get(key) ?? Promise.resolve()).then(work);
    const settled = mine.catch(() => undefined);
    this.#turns.set(key, settled);
    try {
      return await mine;
    } finally {
      if (this.#turns.get(key) === settled) this.#turns.delete(key);
    }
  }
}
