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
  /** The call does its work, then answers with `status` and `body` in place of its own answer (a 201 without its id). */
  afterWork?: boolean;
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
    if (!list || !fault || fault.lost || fault.afterWork) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    if (fault.delayMs) await delay(fault.delayMs);
    return faultAnswer(fault);
  }

  /** After the route did its work: a dropped connection (`lost`) or another answer (`afterWork`) in place of `answer`. */
  lose(route: string, answer: Response): Response {
    const list = this.#queue.get(route);
    const fault = list?.[0];
    if (!list || !(fault?.lost || fault?.afterWork)) return answer;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) list.shift();
    if (fault.lost) return Response.error();
    return faultAnswer(fault);
  }
}

/** A fault's answer; 204, 205 and 304 carry no body (a Response with one cannot be made). */
function faultAnswer(fault: Fault): Response {
  const init = { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) };
  if ([204, 205, 304].includes(fault.status)) return new Response(null, init);
  return typeof fault.body === 'string' ? new Response(fault.body, init) : Response.json(fault.body ?? {}, init);
}
