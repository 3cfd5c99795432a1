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
  /**
   * The call does its work (the meeting is made), then the answer is lost: the connection drops before it arrives, as
   * when the network fails or the client dies mid-call. `status` is then unused.
   */
  lost?: boolean;
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

  /** The response for a pending fault on `route` (one that answers instead of the route), consuming one use of it. */
  async take(route: string): Promise<Response | undefined> {
    const list = this.#queue.get(route);
    const fault = list?.[0];
    if (!list || !fault || fault.lost) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    if (fault.delayMs) await delay(fault.delayMs);
    const init = { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) };
    return typeof fault.body === 'string' ? new Response(fault.body, init) : Response.json(fault.body ?? {}, init);
  }

  /** After the route did its work: a dropped connection in place of `answer`, when a `lost` fault is pending. */
  lose(route: string, answer: Response): Response {
    const list = this.#queue.get(route);
    const fault = list?.[0];
    if (!list || !fault?.lost) return answer;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    return Response.error();
  }
}
