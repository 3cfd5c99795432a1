// A fake Resend that behaves like the documented API: POST /emails (with Idempotency-Key), GET /domains and
// GET /domains/{id}, under the team-wide rate limit. https://resend.com/docs/api-reference/emails/send-email ·
// https://resend.com/docs/api-reference/errors · https://resend.com/docs/api-reference/rate-limit
import { randomUUID } from 'node:crypto';
import { http, type FakeRoute } from '../fake-http.js';
import { Faults } from './fault.js';
import { RateWindow } from './rate-window.js';

export interface SentEmail {
  id: string;
  idempotencyKey: string | null;
  payload: {
    from: string;
    to: string | string[];
    subject: string;
    html?: string;
    text?: string;
    attachments?: Array<{ filename: string; content: string; content_type?: string }>;
  };
}

/** A domain's status (https://resend.com/docs/dashboard/domains/introduction); `temporary_failure` as older pages list it. */
export type FakeDomainStatus =
  'not_started' | 'pending' | 'verified' | 'partially_verified' | 'partially_failed' | 'failed' | 'temporary_failure';

/** A DNS record's status, as GET /domains/{id} reports it. */
export type FakeRecordStatus = 'not_started' | 'pending' | 'verified' | 'failed' | 'temporary_failure';

export interface FakeDomain {
  name: string;
  status: FakeDomainStatus;
  /**
   * The status of its sending records (SPF, DKIM): what decides whether Resend sends from it. Left out, it follows
   * `status` (a `partially_*` domain then has its sending verified and its receiving not).
   */
  sending?: FakeRecordStatus;
  /** The status of its receiving (MX) record; left out, receiving is disabled unless `status` is `partially_*`. */
  receiving?: FakeRecordStatus;
}

export interface ResendFakeOptions {
  apiBase?: string;
  /** A full-access key. */
  apiKey?: string;
  /** A sending-only key: may send, may not list domains. */
  sendingKey?: string;
  domains?: FakeDomain[];
  /** Called with each e-mail accepted (not for a replayed idempotent request): the sandbox writes it to its outbox. */
  onSent?: (email: SentEmail) => void;
  /** The team's rate limit, requests per second across every endpoint and key (default 2, Resend's default). */
  ratePerSecond?: number;
}

const error = (status: number, name: string, message: string, headers?: Record<string, string>) =>
  Response.json({ statusCode: status, message, name }, { status, ...(headers ? { headers } : {}) });

/** Resend's error shape for an answer with `status` (its SDK classifies by `name`): the sandbox's status faults use it. */
const errorBody = (status: number, message: string) => ({
  statusCode: status,
  message,
  name:
    status === 429
      ? 'rate_limit_exceeded'
      : status === 409
        ? 'concurrent_idempotent_requests'
        : status >= 500
          ? 'application_error'
          : 'validation_error',
});

const addressPattern = /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/;
const senderPattern = /^(?:[^<>\r\n]+\s)?<([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>$|^([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;
/** What an API key looks like (`re_` and a token); any other Authorization header is refused alike on every endpoint. */
const keyPattern = /^Bearer (re_[A-Za-z0-9_-]+)$/;

/** The status of a domain's sending records: given, or what its domain status implies. */
const sendingOf = (d: FakeDomain): FakeRecordStatus =>
  d.sending ??
  (d.status === 'partially_verified' || d.status === 'partially_failed'
    ? 'verified'
    : d.status === 'temporary_failure'
      ? 'temporary_failure'
      : d.status);

const receivingOf = (d: FakeDomain): FakeRecordStatus | undefined =>
  d.receiving ??
  (d.status === 'partially_verified' ? 'pending' : d.status === 'partially_failed' ? 'failed' : undefined);

export function createResendFake(options: ResendFakeOptions = {}) {
  const apiBase = options.apiBase ?? 'https://api.resend.test';
  const state = {
    apiKey: options.apiKey ?? 're_full_access_key_123456',
    sendingKey: options.sendingKey ?? 're_sending_only_key_123456',
    domains: (options.domains ?? [{ name: 'acme.test', status: 'verified' }]).map((d): FakeDomain & { id: string } => ({
      id: randomUUID(),
      ...d,
    })),
    emails: [] as SentEmail[],
    /** Idempotency-Key -> the first payload and its response body. */
    idempotency: new Map<string, { payload: string; id: string }>(),
    /** The Idempotency-Key of every POST /emails that arrived, answered or not: what a retry sent again. */
    sendAttempts: [] as Array<string | null>,
    faults: new Faults(),
    /** The team's limit (requests per second); a test may change it between requests. */
    ratePerSecond: options.ratePerSecond ?? 2,
  };
  /** The team-wide limit: `ratePerSecond` requests in any second, across every endpoint and key. */
  const limiter = new RateWindow(() => state.ratePerSecond);

  /**
   * Answers under the rate limit: every answer carries the documented headers; a request over the limit is answered
   * 429 `rate_limit_exceeded` with `retry-after`, and does not count.
   */
  const rateLimit = async (handle: () => Promise<Response>): Promise<Response> => {
    const verdict = limiter.take();
    const headers = {
      'ratelimit-limit': String(verdict.limit),
      'ratelimit-remaining': String(verdict.remaining),
      'ratelimit-reset': String(verdict.resetSeconds),
    };
    if (verdict.over) {
      return error(
        429,
        'rate_limit_exceeded',
        `Too many requests. You can only make ${verdict.limit} requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.`,
        { ...headers, 'retry-after': String(verdict.resetSeconds) },
      );
    }
    const answer = await handle();
    // A dropped connection (a fault) has no headers to carry.
    if (answer.type === 'error') return answer;
    const withHeaders = new Headers(answer.headers);
    for (const [name, value] of Object.entries(headers)) withHeaders.set(name, value);
    return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: withHeaders });
  };

  /**
   * Who is calling. An unknown (deleted, revoked) key is 401 on the sending endpoint and 400 on every other; a header
   * that is not a key at all is 400 everywhere (https://resend.com/docs/api-reference/errors).
   */
  const authenticate = (request: Request, endpoint: 'sending' | 'other'): 'full' | 'sending' | Response => {
    const header = request.headers.get('authorization');
    if (!header) return error(401, 'missing_api_key', 'Missing API Key');
    const key = keyPattern.exec(header)?.[1];
    if (key !== undefined && key === state.apiKey) return 'full';
    if (key !== undefined && key === state.sendingKey) return 'sending';
    return error(key !== undefined && endpoint === 'sending' ? 401 : 400, 'validation_error', 'API key is invalid');
  };

  /** The domain as Resend lists it (https://resend.com/docs/api-reference/domains/list-domains). */
  const listed = (d: FakeDomain & { id: string }) => ({
    id: d.id,
    name: d.name,
    status: d.status,
    created_at: '2026-01-02 10:00:00.000000+00',
    region: 'us-east-1',
    capabilities: { sending: 'enabled', receiving: receivingOf(d) === undefined ? 'disabled' : 'enabled' },
  });

  /** Its DNS records with their statuses (https://resend.com/docs/api-reference/domains/get-domain). */
  const records = (d: FakeDomain) => {
    const sending = sendingOf(d);
    const receiving = receivingOf(d);
    return [
      {
        record: 'SPF',
        name: 'send',
        type: 'MX',
        ttl: 'Auto',
        status: sending,
        value: 'feedback-smtp.us-east-1.amazonses.com',
        priority: 10,
      },
      {
        record: 'SPF',
        name: 'send',
        type: 'TXT',
        ttl: 'Auto',
        status: sending,
        value: '"v=spf1 include:amazonses.com ~all"',
      },
      {
        record: 'DKIM',
        name: 'resend._domainkey',
        type: 'TXT',
        ttl: 'Auto',
        status: sending,
        value: 'p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC',
      },
      ...(receiving === undefined
        ? []
        : [
            {
              record: 'Receiving',
              name: d.name,
              type: 'MX',
              ttl: 'Auto',
              status: receiving,
              value: 'inbound-smtp.us-east-1.amazonaws.com',
              priority: 10,
            },
          ]),
    ];
  };

  /** POST /emails once authenticated and let through: validates, replays an idempotent request, or accepts. */
  const send = async (request: Request): Promise<Response> => {
    const raw = await request.text();
    let payload: SentEmail['payload'];
    try {
      payload = JSON.parse(raw) as SentEmail['payload'];
    } catch {
      return error(422, 'validation_error', 'Invalid JSON body.');
    }
    for (const field of ['from', 'to', 'subject'] as const) {
      if (!payload[field]) return error(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
    const sender = senderPattern.exec(payload.from);
    if (!sender)
      return error(
        422,
        'validation_error',
        'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
      );
    const domain = (sender[1] ?? sender[2] ?? '').split('@')[1]?.toLowerCase();
    // Resend sends from a domain whose sending records are verified, whatever its receiving side says.
    if (!state.domains.some((d) => d.name === domain && sendingOf(d) === 'verified')) {
      return error(
        403,
        'validation_error',
        `The ${domain} domain is not verified. Please, add and verify your domain on https://resend.com/domains`,
      );
    }
    const to = Array.isArray(payload.to) ? payload.to : [payload.to];
    if (to.length > 50)
      return error(422, 'validation_error', 'Too many recipients: `to` accepts at most 50 addresses.');
    if (to.some((t) => !addressPattern.test(t)))
      return error(
        422,
        'validation_error',
        'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
      );
    if (/[\r\n]/.test(payload.subject)) return error(422, 'validation_error', 'Invalid `subject` field.');
    for (const a of payload.attachments ?? []) {
      if (!a.filename || typeof a.content !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(a.content)) {
        return error(422, 'invalid_attachment', 'Attachment must have a `filename` and a Base64 `content`.');
      }
    }
    const key = request.headers.get('idempotency-key');
    if (key !== null) {
      if (key.length < 1 || key.length > 256)
        return error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
      const previous = state.idempotency.get(key);
      if (previous) {
        if (previous.payload !== raw)
          return error(
            409,
            'invalid_idempotent_request',
            'Same idempotency key used with a different request payload. Change your idempotency key or payload.',
          );
        return Response.json({ id: previous.id });
      }
    }
    const id = randomUUID();
    if (key !== null) state.idempotency.set(key, { payload: raw, id });
    const sent = { id, idempotencyKey: key, payload };
    state.emails.push(sent);
    options.onSent?.(sent);
    return state.faults.lose('send', Response.json({ id }));
  };

  const routes: FakeRoute[] = [
    http.get(`${apiBase}/domains`, ({ request }) => {
      const auth = authenticate(request, 'other');
      if (auth instanceof Response) return auth;
      return rateLimit(async () =>
        auth === 'sending'
          ? error(401, 'restricted_api_key', 'This API key is restricted to only send emails')
          : Response.json({ object: 'list', has_more: false, data: state.domains.map(listed) }),
      );
    }),

    http.get(`${apiBase}/domains/:id`, ({ request, params }) => {
      const auth = authenticate(request, 'other');
      if (auth instanceof Response) return auth;
      return rateLimit(async () => {
        if (auth === 'sending')
          return error(401, 'restricted_api_key', 'This API key is restricted to only send emails');
        const domain = state.domains.find((d) => d.id === params.id);
        if (!domain) return error(404, 'not_found', 'Domain not found');
        return Response.json({ object: 'domain', ...listed(domain), records: records(domain) });
      });
    }),

    http.post(`${apiBase}/emails`, async ({ request }) => {
      state.sendAttempts.push(request.headers.get('idempotency-key'));
      const fault = await state.faults.take('send');
      if (fault) return fault;
      const auth = authenticate(request, 'sending');
      if (auth instanceof Response) return auth;
      return rateLimit(() => send(request));
    }),
  ];

  const env = { ALSATALK_RESEND_API_URL: apiBase };
  return { state, routes, apiBase, env, errorBody, limiter };
}

export type ResendFake = ReturnType<typeof createResendFake>;
