// The sandbox's fault and latency controls: added latency per provider or route; a provider answering 500, 429 with
// Retry-After, a malformed body, or hanging. Set by flags at start or through the admin endpoint while it runs.
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';

/** A route as controls name it: `zoom`, or `zoom:POST /zoom/v2/users/:userId/meetings` for one route of it. */
export const routeKey = (provider: string, method: string, path: string): string => `${provider}:${method} ${path}`;

export const latencyRuleSchema = z.object({
  /** A provider id, or one route of it as `routeKey` writes it; `*` is every route of every provider. */
  target: z.string().min(1),
  ms: z.number().int().min(0).max(600_000),
});

export const faultRuleSchema = z.object({
  target: z.string().min(1),
  /** `hang-after`: the provider does the work (the meeting is made), then its answer never comes. */
  kind: z.enum(['status', 'malformed', 'hang', 'hang-after']),
  /** For `status`: the HTTP status (500, 503, 429...). */
  status: z.number().int().min(400).max(599).optional(),
  /** Seconds, sent as `Retry-After` (a 429's usual companion). */
  retryAfter: z.number().int().min(0).optional(),
  /** How many requests it applies to; every one until cleared when absent. */
  times: z.number().int().min(1).optional(),
});

export type LatencyRule = z.infer<typeof latencyRuleSchema>;
export type FaultRule = z.infer<typeof faultRuleSchema>;

/** The body of an error answer with `status`, as a provider shapes it. */
export type ErrorBody = (status: number, message: string) => unknown;

const plainError: ErrorBody = (_status, message) => ({ message });

/** What a route is to the controls: a fault aimed at a whole provider leaves its sign-in alone and hangs after creates. */
export interface RouteInfo {
  provider: string;
  /** `routeKey`. */
  key: string;
  /** The sign-in page, token and revocation endpoints: a booking reaches them only for a token. */
  signIn: boolean;
  /** The call that makes the meeting (event, appointment, e-mail): what `hang-after` leaves unanswered. */
  creates: boolean;
}

/**
 * Parses a `--fail` flag: `zoom` (500), `zoom=503`, `zoom=429` (Retry-After: 1), `zoom=malformed`, `zoom=hang`,
 * `zoom=hang-after` (the meeting is made, the answer never comes).
 * @throws Error naming the accepted forms
 */
export function parseFaultFlag(flag: string): FaultRule {
  const [target = '', what = '500'] = flag.split('=');
  if (what === 'malformed' || what === 'hang' || what === 'hang-after') return { target, kind: what };
  const status = Number(what);
  if (!target || !Number.isInteger(status) || status < 400 || status > 599) {
    throw new Error(
      `--fail ${flag}: expected PROVIDER, PROVIDER=STATUS (400-599), PROVIDER=malformed, PROVIDER=hang or PROVIDER=hang-after`,
    );
  }
  return { target, kind: 'status', status, ...(status === 429 ? { retryAfter: 1 } : {}) };
}

/** Parses a `--latency` flag: `100` (every route) or `zoom=100`. */
export function parseLatencyFlag(flag: string): LatencyRule {
  const [left = '', right] = flag.split('=');
  const [target, ms] = right === undefined ? ['*', Number(left)] : [left, Number(right)];
  if (!target || !Number.isInteger(ms) || ms < 0)
    throw new Error(`--latency ${flag}: expected MILLISECONDS or PROVIDER=MILLISECONDS`);
  return { target, ms };
}

/** An abort controller whose signal every delayed or hanging request waits on: twenty at once are expected, not a leak. */
function manyWaiters(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class Controls {
  #latency: LatencyRule[] = [];
  #faults: FaultRule[] = [];
  readonly #routes: ReadonlyMap<string, RouteInfo>;
  readonly #providers: readonly string[];
  readonly #closed = manyWaiters();
  /** Ends the latency waits under way (on `clear` and `close`); a new one after each `clear`. */
  #cleared = manyWaiters();

  /** @param routes every route of every provider: a target must name one of them, or a provider, or `*` */
  constructor(routes: readonly RouteInfo[]) {
    this.#routes = new Map(routes.map((r) => [r.key, r]));
    this.#providers = [...new Set(routes.map((r) => r.provider))];
  }

  /**
   * Why `target` names nothing (a typo would otherwise be a rule that never fires), or undefined when it is valid.
   */
  targetProblem(target: string): string | undefined {
    if (target === '*' || this.#providers.includes(target) || this.#routes.has(target)) return undefined;
    return `"${target}" is not a provider or a route: use one of ${this.#providers.join(', ')}, * (all), or a route listed by GET /__sandbox`;
  }

  /** @throws Error when the target names nothing */
  setLatency(rule: LatencyRule): void {
    this.#check(rule.target);
    this.#latency = [...this.#latency.filter((r) => r.target !== rule.target), rule];
  }

  /** @throws Error when the target names nothing */
  addFault(rule: FaultRule): void {
    this.#check(rule.target);
    this.#faults.push({ ...rule });
  }

  #check(target: string): void {
    const problem = this.targetProblem(target);
    if (problem) throw new Error(problem);
  }

  /**
   * Whether a rule aimed at `target` covers this request. A provider's faults aim at its booking calls, not its sign-in
   * (a token refresh failing would make no meeting at all), and `hang-after` at the call that makes the meeting.
   */
  #applies(target: string, provider: string, key: string, fault?: FaultRule): boolean {
    if (target === '*' || target === key) return true;
    if (target !== provider) return false;
    const route = this.#routes.get(key);
    if (!fault || !route) return true;
    return fault.kind === 'hang-after' ? route.creates : !route.signIn;
  }

  /** Back to normal at once: every rule goes, and the requests still waiting out a latency go on now. */
  clear(): void {
    this.#latency = [];
    this.#faults = [];
    this.#cleared.abort();
    this.#cleared = manyWaiters();
  }

  describe(): { latency: LatencyRule[]; faults: FaultRule[] } {
    return { latency: [...this.#latency], faults: this.#faults.map((f) => ({ ...f })) };
  }

  /**
   * Waits the added latency, then returns the fault's answer if one applies (consuming one use), else undefined.
   * @param errorBody a status fault's body in the provider's own error shape (its client may classify by it)
   */
  async before(provider: string, key: string, errorBody: ErrorBody = plainError): Promise<Response | undefined> {
    const ms = this.#latency.filter((r) => this.#applies(r.target, provider, key)).reduce((sum, r) => sum + r.ms, 0);
    if (ms > 0) await delay(ms, undefined, { signal: this.#cleared.signal }).catch(() => undefined);
    const fault = this.#take(provider, key, (f) => f.kind !== 'hang-after');
    if (!fault) return undefined;
    if (fault.kind === 'hang') return this.#hang();
    if (fault.kind === 'malformed')
      return new Response('{"id": 8512, "join_url": "https://', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    const status = fault.status ?? 500;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    return new Response(JSON.stringify(errorBody(status, `sandbox fault: ${provider} answers ${status}`)), {
      status,
      headers,
    });
  }

  /** After the route made its answer: with a `hang-after` fault, that answer never leaves (the work is done). */
  async after(provider: string, key: string, answer: Response): Promise<Response> {
    return this.#take(provider, key, (f) => f.kind === 'hang-after') ? this.#hang() : answer;
  }

  /** The first fault that applies and `fits`, one use of it consumed. */
  #take(provider: string, key: string, fits: (fault: FaultRule) => boolean): FaultRule | undefined {
    const fault = this.#faults.find((f) => fits(f) && this.#applies(f.target, provider, key, f));
    if (fault?.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
    }
    return fault;
  }

  /** Never answers: the caller's own timeout must cut it off. Released when the sandbox stops. */
  async #hang(): Promise<Response> {
    await new Promise((resolve) => this.#closed.signal.addEventListener('abort', resolve, { once: true }));
    return Response.error();
  }

  /** Releases every hanging request and pending latency. */
  close(): void {
    this.#closed.abort();
    this.#cleared.abort();
  }
}
