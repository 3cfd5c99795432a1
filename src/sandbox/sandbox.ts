// The built-in sandbox: every fake provider under one loopback origin, the controls, an outbox of `.eml` files, and the
// in-memory secret store the sandbox's connections use. `startSandbox` serves it over real HTTP on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { findRoute, type FakeRoute } from './fake-http.js';
import {
  Controls,
  faultRuleSchema,
  latencyRuleSchema,
  routeKey,
  type FaultRule,
  type LatencyRule,
} from './controls.js';
import { toEml } from './eml.js';
import { configSpecs } from '../connectors.js';
import { meetingFakes, type FakeSpec, type MeetingFakes } from './fakes/index.js';
import { createResendFake, type SentEmail } from './fakes/resend.js';
import { serveHttp, type FetchHandler, type Timing } from './http-server.js';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Where each e-mail Resend accepts is written as `<n>-<id>.eml`. */
  outbox: string;
  latency?: readonly LatencyRule[];
  faults?: readonly FaultRule[];
  /** Told of every provider request answered, with when it arrived and when its answer was ready (the benchmark's clock). */
  onServed?: (entry: ServedRequest) => void;
  /** Told of every provider request as it arrives, before any latency or fault applies (a test's kill point). */
  onArrived?: (entry: ArrivedRequest) => void;
}

export interface ArrivedRequest {
  provider: string;
  /** `routeKey`: `zoom:POST /zoom/v2/users/:userId/meetings`. */
  route: string;
}

export interface ServedRequest {
  provider: string;
  /** `routeKey`: `zoom:POST /zoom/v2/users/:userId/meetings`. */
  route: string;
  /** performance.now() milliseconds, from the request's arrival at the sandbox to its answer's last byte leaving (over HTTP). */
  startedAt: number;
  endedAt: number;
}

/** An e-mail in the outbox: what Resend accepted, and where its `.eml` lies. */
export interface OutboxEntry {
  email: SentEmail;
  file: string;
}

const json = (body: unknown, status = 200): Response => Response.json(body, { status });

/** `POST /__sandbox/busy`: a block of the host's time in one fake, or every one. */
const busySchema = z
  .object({ provider: z.string(), start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .refine((b) => Date.parse(b.end) > Date.parse(b.start));

/** Every fake, mounted under `origin`, and the handler that answers for all of them. */
function createSandboxWorld(origin: string, options: SandboxOptions) {
  const outbox: OutboxEntry[] = [];
  fs.mkdirSync(options.outbox, { recursive: true, mode: 0o700 });
  const specs = Object.entries(meetingFakes) as Array<[keyof MeetingFakes, FakeSpec<unknown>]>;
  const meetings = Object.fromEntries(specs.map(([id, spec]) => [id, spec.create(origin)])) as MeetingFakes;
  const fakes = {
    ...meetings,
    resend: createResendFake({
      apiBase: `${origin}/resend`,
      onSent: (email) => {
        const file = path.join(options.outbox, `${String(outbox.length + 1).padStart(3, '0')}-${email.id}.eml`);
        fs.writeFileSync(file, toEml(email), { mode: 0o600 });
        outbox.push({ email, file });
      },
    }),
  };
  const mounts = Object.entries(fakes).map(([id, fake]) => ({
    id,
    routes: fake.routes as readonly FakeRoute[],
    errorBody: 'errorBody' in fake ? fake.errorBody : undefined,
  }));
  const creates: Record<string, readonly string[]> = {
    ...Object.fromEntries(specs.map(([id, spec]) => [id, spec.creates])),
    resend: ['POST /emails'],
  };
  const routeInfos = mounts.flatMap((m) =>
    m.routes.map((r) => {
      const pathname = new URL(r.url).pathname;
      return {
        provider: m.id,
        key: routeKey(m.id, r.method, pathname),
        signIn: /\/oauth2?\//.test(pathname),
        creates: (creates[m.id] ?? []).some((c) => {
          const [method, end = ''] = c.split(' ');
          return r.method === method && pathname.endsWith(end);
        }),
      };
    }),
  );
  const controls = new Controls(routeInfos);
  for (const rule of options.latency ?? []) controls.setLatency(rule);
  for (const rule of options.faults ?? []) controls.addFault(rule);

  /** Access key of the secret store: only the processes the sandbox's environment reaches read it. */
  const key = randomBytes(24).toString('base64url');
  const secrets = new Map<string, string>();

  const routeKeys = routeInfos.map((r) => r.key);

  /** What each provider holds now: the count of meetings, events, appointments and e-mails it has accepted. */
  const holdings = () =>
    ({
      ...Object.fromEntries(specs.map(([id, spec]) => [id, spec.holdings(meetings[id])])),
      resend: fakes.resend.state.emails.length,
    }) as Record<keyof typeof fakes, number>;

  async function admin(request: Request, url: URL): Promise<Response> {
    const rest = url.pathname.slice('/__sandbox'.length);
    if (rest.startsWith('/secrets/')) {
      if (request.headers.get('authorization') !== `Bearer ${key}`)
        return json({ message: 'wrong or missing sandbox key' }, 401);
      const account = decodeURIComponent(rest.slice('/secrets/'.length));
      if (request.method === 'GET')
        return secrets.has(account) ? json({ secret: secrets.get(account) }) : json({ message: 'no such secret' }, 404);
      if (request.method === 'DELETE')
        return secrets.delete(account) ? json({}) : json({ message: 'no such secret' }, 404);
      if (request.method === 'PUT') {
        const body = (await request.json().catch(() => undefined)) as { secret?: unknown } | undefined;
        if (typeof body?.secret !== 'string') return json({ message: 'body must be {"secret": "..."}' }, 400);
        secrets.set(account, body.secret);
        return json({});
      }
    }
    const minted = /^\/(\w+)\/([\w-]+)$/.exec(rest);
    if (request.method === 'POST' && minted) {
      const [, provider = '', name = ''] = minted;
      const spec = specs.find(([id]) => id === provider)?.[1];
      const mint = spec?.mint?.[name];
      if (mint) return new Response(mint(meetings[provider as keyof MeetingFakes]), { status: 200 });
    }
    if (request.method === 'GET' && (rest === '' || rest === '/')) {
      return json({
        providers: mounts.map((m) => m.id),
        other_ways_to_connect: otherWays(),
        routes: routeKeys,
        controls: controls.describe(),
        holdings: holdings(),
        outbox: outbox.map((o) => o.file),
      });
    }
    if (request.method === 'POST' && rest === '/latency') {
      const rule = latencyRuleSchema.safeParse(await request.json().catch(() => undefined));
      if (!rule.success)
        return json(
          { message: 'expected {"target": "zoom" | "<route>" | "*", "ms": 100}', issues: rule.error.issues },
          400,
        );
      const problem = controls.targetProblem(rule.data.target);
      if (problem) return json({ message: `target: ${problem}` }, 400);
      controls.setLatency(rule.data);
      return json(controls.describe());
    }
    if (request.method === 'POST' && rest === '/faults') {
      const rule = faultRuleSchema.safeParse(await request.json().catch(() => undefined));
      if (!rule.success)
        return json(
          {
            message:
              'expected {"target": "zoom", "kind": "status" | "malformed" | "hang" | "hang-after", "status"?: 503, "retryAfter"?: 1, "times"?: 1}',
            issues: rule.error.issues,
          },
          400,
        );
      const problem = controls.targetProblem(rule.data.target);
      if (problem) return json({ message: `target: ${problem}` }, 400);
      controls.addFault(rule.data);
      return json(controls.describe());
    }
    if (request.method === 'POST' && rest === '/busy') {
      const body = busySchema.safeParse(await request.json().catch(() => undefined));
      const ids = specs.map(([id]) => id as string);
      if (!body.success || (body.data.provider !== '*' && !ids.includes(body.data.provider)))
        return json(
          {
            message: `expected {"provider": ${ids.map((id) => `"${id}"`).join(' | ')} | "*", "start": "<ISO 8601 with offset>", "end": "<later>"}`,
          },
          400,
        );
      const { provider, start, end } = body.data;
      const [from, until] = [new Date(start).toISOString(), new Date(end).toISOString()];
      for (const [id, spec] of specs) if (provider === '*' || provider === id) spec.busy(meetings[id], from, until);
      return json({ busy: { provider, start: from, end: until } });
    }
    if (request.method === 'DELETE' && rest === '/controls') {
      controls.clear();
      return json(controls.describe());
    }
    return json({ message: `no sandbox admin route ${request.method} ${url.pathname}` }, 404);
  }

  /** @param timing when the request reached the sandbox and its answer left (its HTTP server says; in-process, now) */
  async function handle(request: Request, timing?: Timing): Promise<Response | undefined> {
    const startedAt = timing?.arrivedAt ?? performance.now();
    const url = new URL(request.url);
    if (url.pathname === '/__sandbox' || url.pathname.startsWith('/__sandbox/')) return admin(request, url);
    for (const mount of mounts) {
      const found = findRoute(mount.routes, request);
      if (!found) continue;
      const route = routeKey(mount.id, found.route.method, new URL(found.route.url).pathname);
      options.onArrived?.({ provider: mount.id, route });
      const response =
        (await controls.before(mount.id, route, mount.errorBody)) ??
        (await controls.after(mount.id, route, await found.route.resolver({ request, params: found.params })));
      const { onServed } = options;
      // Over HTTP the answer ends when its bytes leave: writing them is the provider's time, not the client's.
      if (onServed) {
        if (timing) void timing.answered.then((endedAt) => onServed({ provider: mount.id, route, startedAt, endedAt }));
        else onServed({ provider: mount.id, route, startedAt, endedAt: performance.now() });
      }
      return response;
    }
    return undefined;
  }

  /** The README's non-interactive connect commands, with values this sandbox accepts now. */
  const otherWays = () =>
    specs.flatMap(([id, spec]) =>
      (spec.otherWays?.(meetings[id], `${origin}/__sandbox`) ?? []).map((w) => ({ provider: id, ...w })),
    );

  /** Everything that points alsatalk-mcp at this sandbox: the URLs, the OAuth apps' ids and secrets, the secret store. */
  // Each OAuth app's credentials under the variables its connector reads (ALSATALK_ZOOM_CLIENT_ID, ...).
  const appEnv = specs.flatMap(([id, spec]) =>
    Object.entries(spec.app(meetings[id])).flatMap(([key, value]) => {
      const variable = configSpecs.credentials[id]?.[key];
      return variable ? [[variable, value] as const] : [];
    }),
  );
  const env: Record<string, string> = {
    ...Object.assign({}, ...Object.values(fakes).map((f) => f.env)),
    ...Object.fromEntries(appEnv),
    ALSATALK_SECRET_STORE: 'sandbox',
    ALSATALK_SANDBOX_URL: origin,
    ALSATALK_SANDBOX_KEY: key,
  };

  return { origin, fakes, controls, outbox, env, holdings, handle, routeKeys, otherWays };
}

export type SandboxWorld = ReturnType<typeof createSandboxWorld>;

export interface Sandbox extends SandboxWorld {
  close(): Promise<void>;
}

/** Serves the sandbox on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  // The fakes' URLs embed the origin, which is known once the port is bound.
  let handle: FetchHandler = async () => undefined;
  const server = await serveHttp((request, timing) => handle(request, timing), options.port ?? 0);
  const world = createSandboxWorld(server.url, options);
  handle = world.handle;
  return {
    ...world,
    close: async () => {
      world.controls.close();
      await server.close();
    },
  };
}
