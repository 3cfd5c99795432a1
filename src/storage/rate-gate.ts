// Rate gates shared by every process on one data folder: each gate's next free slot lives in the SQLite file, so two
// servers (two MCP hosts on one machine) together keep a provider's documented rate instead of each keeping it alone.
import { setTimeout as sleep } from 'node:timers/promises';
import { statement, type Db } from './database.js';

/** A slot taken on a gate: when it starts (epoch ms) and how long (ms) the caller waits for it. */
export interface Slot {
  at: number;
  waitMs: number;
}

/** One gate bound to its rate: what a caller that sends through it needs. */
export interface Pace {
  /** Resolves when the caller's turn has come; rejects with the signal's reason when it aborts first. */
  wait(signal?: AbortSignal): Promise<void>;
  /** Holds every process until `untilMs` (epoch ms): the provider answered 429 and named when to come back. */
  holdUntil(untilMs: number): void;
}

export class RateGates {
  readonly #take: (name: string, intervalMs: number, now: number, burst: number) => Slot;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {
    // IMMEDIATE: the write lock is taken before the read, so two processes never read the same next slot.
    // `next_at` is the gate's theoretical arrival time (GCRA): with a burst of b, a slot may start up to (b - 1)
    // intervals before it, so b turns go at once and the rest keep the interval; never inside a 429's hold.
    const take = db.transaction((name: string, intervalMs: number, now: number, burst: number): Slot => {
      const row = statement(db, 'SELECT next_at, held_until FROM rate_gates WHERE name = ?').get(name) as
        { next_at: number; held_until: number } | undefined;
      const due = row?.next_at ?? 0;
      const at = Math.max(now, due - (burst - 1) * intervalMs, row?.held_until ?? 0);
      statement(
        db,
        'INSERT INTO rate_gates (name, next_at, held_until) VALUES (?, ?, 0) ON CONFLICT(name) DO UPDATE SET next_at = excluded.next_at',
      ).run(name, Math.max(due, at) + intervalMs);
      return { at, waitMs: at - now };
    });
    this.#take = (name, intervalMs, now, burst) => take.immediate(name, intervalMs, now, burst);
  }

  /**
   * Takes the next slot of gate `name`, `intervalMs` after the one before it (or now, when the gate is free). With
   * `burst` > 1, that many turns may start at once before the interval applies: at most `burst + window / intervalMs`
   * turns in any window.
   */
  reserve(name: string, intervalMs: number, burst = 1): Slot {
    return this.#take(name, intervalMs, this.clock(), Math.max(1, Math.floor(burst)));
  }

  /** No slot of gate `name` starts before `untilMs`; slots already taken before that are taken again (see `wait`). */
  defer(name: string, untilMs: number): void {
    statement(
      this.db,
      `INSERT INTO rate_gates (name, next_at, held_until) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET next_at = MAX(next_at, excluded.next_at), held_until = MAX(held_until, excluded.held_until)`,
    ).run(name, untilMs, untilMs);
  }

  /** Until when (epoch ms) a 429 holds gate `name`; 0 when it is not held. The outbox retries no earlier. */
  heldUntil(name: string): number {
    const row = statement(this.db, 'SELECT held_until FROM rate_gates WHERE name = ?').get(name) as
      { held_until: number } | undefined;
    return row?.held_until ?? 0;
  }

  /**
   * Waits for a slot of gate `name`. A slot that a hold (`defer`) has since covered is given up and a new one taken
   * after the hold: a send queued before a 429 does not go out inside the wait the provider asked for.
   */
  async wait(name: string, intervalMs: number, signal?: AbortSignal, burst = 1): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const slot = this.reserve(name, intervalMs, burst);
      if (slot.waitMs > 0) {
        // The signal's own reason, as throwIfAborted gives it, rather than the timer's generic AbortError.
        await sleep(slot.waitMs, undefined, signal ? { signal } : {}).catch((error: unknown) => {
          signal?.throwIfAborted();
          throw error;
        });
      }
      if (this.heldUntil(name) <= slot.at) return;
    }
  }

  /** Gate `name` at `perSecond` requests per second, as the callers that send through it use it. */
  pace(name: string, perSecond: number): Pace {
    const intervalMs = 1000 / perSecond;
    return {
      wait: (signal) => this.wait(name, intervalMs, signal),
      holdUntil: (untilMs) => this.defer(name, untilMs),
    };
  }
}
