// Fault injection shared by the fake providers: the next N calls of a route answer with a chosen status.
import { setTimeout as delay } from 'node:timers/promises';

export interface Fault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many calls it applies to (default 1). */
  times?: number;
  /** Hang this long before answering (simulates a stuck provider). */
  delayMs?: number;
}

export class Faults {
  #queue = new Map<string, Fault[]>();

  /** Makes the next call(s) of `route` answer with `fault`. */
  inject(route: string, fault: Fault): void {
    const list = this.#queue.get(route) ?? [];
    list.push({ ...fault });
    this.#queue.set(route, list);
  }

  clear(): void {
    this.#queue.clear();
  }

  /** The response for a pending fault on `route`, consuming one use of it. */
  async take(route: string): Promise<Response | undefined> {
    const list = this.#queue.get(route);
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    if (fault.delayMs) await delay(fault.delayMs);
    const init = { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) };
    return typeof fault.body === 'string' ? new Response(fault.body, init) : Response.json(fault.body ?? {}, init);
  }
}
