// The connect_provider tool: every provider's state, and for one that signs in with the browser, the sign-in itself
// (its URL through URL-mode elicitation when the host supports it, else in the result). It never asks for a secret.
// Two protocol eras, one sign-in: a 2025-era host is sent an `elicitation/create` request and later hears
// `notifications/elicitation/complete`; a 2026-07-28 host, which takes no requests from servers, gets an
// `input_required` result asking for the URL step and retries the call with the person's answer.
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  isInputRequiredResult,
  type ClientCapabilities,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { BackgroundSignIns, SignInState } from '../connections/background-sign-in.js';
import { SignInUnavailable, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Connector } from '../providers/provider.js';
import type { ConnectorStatus } from '../connections/status.js';
import { listNames } from '../text.js';
import type { ProtocolEra } from '../server.js';
import { errorResult } from './results.js';

const name = 'connect_provider';

const states = ['connected', 'needs_reauth', 'not_connected', 'secrets_missing', 'secrets_unreadable'] as const;

const signInShape = z.object({
  state: z.enum(['pending', 'connected', 'failed']),
  url: z.string().optional().describe('The page the user opens to sign in (while pending).'),
  message: z.string().optional(),
  hint: z.string().optional(),
});

const outputShape = {
  providers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      state: z.enum(states),
      account: z.string().optional().describe('Who is connected (an e-mail, an account id, a sender).'),
      scopes: z.array(z.string()).optional().describe('What the provider granted, when it says (OAuth).'),
      token_expires_at: z
        .string()
        .optional()
        .describe('When the current access token expires; it is renewed automatically.'),
      last_used_at: z.string().optional().describe('The last successful booking (or e-mail) through this connection.'),
      next_step: z.string().optional().describe('The command the user runs in a terminal to connect or reconnect.'),
      credentials: z.string().optional().describe('What that command asks for and where the user creates it.'),
      sign_in: signInShape.optional().describe('A browser sign-in started by this tool since the server started.'),
    }),
  ),
  sign_in: z
    .object({
      provider: z.string(),
      outcome: z.enum(['started', 'already_pending', 'declined', 'unavailable']),
      url: z.string().optional(),
      message: z.string(),
      next_step: z.string().optional(),
    })
    .optional()
    .describe('What happened to the sign-in this call asked for.'),
};

type SignInReport = NonNullable<z.infer<z.ZodObject<typeof outputShape>>['sign_in']>;

/** The connectors with a browser sign-in, and those of them that need the registered redirect URI's port. */
const signInIds = (connectors: readonly Connector[]) => ({
  all: connectors.filter((c) => c.signIn).map((c) => c.id),
  fixedPort: connectors.filter((c) => c.signIn?.fixedPort).map((c) => c.id),
});

const description = (connectors: readonly Connector[]) => {
  const ids = signInIds(connectors);
  return [
    `Shows which meeting providers (and the mailer) are connected, as whom, with which scopes, and how to connect the others.`,
    `Given one provider that is not connected (or needs reconnecting) and signs in with the browser (${ids.all.join(', ')}),`,
    'it starts that sign-in and gives the user the page to open; the sign-in finishes in the background, and the next call or book_meeting sees it.',
    `The sign-in needs the client id of the user's own OAuth app (not a secret; remembered from an earlier connection) and, for ${listNames(ids.fixedPort)}, the port of the registered redirect URI.`,
    'Secrets (API keys, personal tokens, client secrets) never pass through the conversation: for those, give the user the `next_step` command to run in a terminal.',
  ].join(' ');
};

export interface ConnectProviderToolDeps {
  /** Every connector's state (the same report as `npx alsatalk-mcp status`). */
  status: () => Promise<ConnectorStatus[]>;
  connectorIds: [string, ...string[]];
  /** The connectors, for their browser sign-in. */
  connectors: readonly Connector[];
  signIns: Pick<BackgroundSignIns, 'state' | 'start' | 'cancel'>;
  log: Logger;
}

const signInView = (state: SignInState | undefined): z.infer<typeof signInShape> | undefined => {
  if (!state) return undefined;
  if (state.state === 'pending') return { state: 'pending', url: state.url };
  if (state.state === 'connected') return { state: 'connected', message: `signed in as ${state.account}` };
  return { state: 'failed', message: state.message, ...(state.hint ? { hint: state.hint } : {}) };
};

/** The key of the URL step in a 2026-07-28 `input_required` result (and of the host's answer on the retry). */
const signInStep = 'sign_in';

export function registerConnectProviderTool(server: McpServer, deps: ConnectProviderToolDeps, era: ProtocolEra): void {
  /** What the host declared it can do: per request in the 2026-07-28 era, at `initialize` before it. */
  const clientCapabilities = (ctx: ServerContext): ClientCapabilities | undefined =>
    era === 'modern'
      ? ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as
          ClientCapabilities | undefined)
      : server.server.getClientCapabilities();

  /** A 2026-07-28 retry carrying the person's answer to the URL step; undefined on a first call (or another era). */
  function answered(connector: Connector, ctx: ServerContext): Promise<SignInReport | undefined> | undefined {
    if (era !== 'modern') return undefined;
    const answer = inputResponse(ctx.mcpReq.inputResponses, signInStep);
    if (answer.kind !== 'elicit') return undefined;
    const provider = connector.id;
    const state = deps.signIns.state(provider);
    if (answer.action !== 'accept')
      return deps.signIns.cancel(provider).then(() => ({
        provider,
        outcome: 'declined' as const,
        message: `The ${connector.displayName} sign-in was ${answer.action === 'decline' ? 'declined' : 'cancelled'}; nothing was connected.`,
      }));
    // The sign-in this call started in its first round: waiting, finished, or failed by now. None (the server was
    // restarted between the rounds): a new one is started.
    if (!state) return undefined;
    if (state.state === 'pending')
      return Promise.resolve({
        provider,
        outcome: 'started' as const,
        url: state.url,
        message: `The ${connector.displayName} sign-in page was opened; the connection is saved as soon as the sign-in finishes.`,
      });
    return Promise.resolve({
      provider,
      outcome: 'started' as const,
      message:
        state.state === 'connected'
          ? `Signed in to ${connector.displayName} as ${state.account}.`
          : `The ${connector.displayName} sign-in failed: ${state.message}`,
    });
  }

  /** Starts (or finds) the sign-in and delivers its URL: by URL-mode elicitation when the host supports it. */
  async function signIn(
    connector: Connector,
    request: { clientId?: string | undefined; port?: number | undefined },
    ctx: ServerContext,
  ): Promise<SignInReport | InputRequiredResult> {
    const provider = connector.id;
    const retried = answered(connector, ctx);
    if (retried) {
      const report = await retried;
      if (report) return report;
    }
    // The completion notice may be due before the elicitation is even answered (a quick person, a test).
    const completion: { notify?: () => Promise<void>; finished: boolean } = { finished: false };
    const onDone = (): void => {
      completion.finished = true;
      void completion.notify?.().catch(() => undefined);
    };
    let started;
    try {
      started = await deps.signIns.start(connector, request, onDone);
    } catch (error) {
      if (error instanceof SignInUnavailable)
        return { provider, outcome: 'unavailable', message: error.message, next_step: error.nextStep };
      throw error;
    }
    const { url } = started;
    if (started.reused)
      return {
        provider,
        outcome: 'already_pending',
        url,
        message: `A ${connector.displayName} sign-in is already waiting: open ${url}`,
      };
    if (!clientCapabilities(ctx)?.elicitation?.url) {
      return {
        provider,
        outcome: 'started',
        url,
        message: `Open this page to sign in to ${connector.displayName}: ${url} (it waits 5 minutes; the connection is saved as soon as the sign-in finishes)`,
      };
    }
    if (era === 'modern')
      return inputRequired({
        inputRequests: {
          [signInStep]: inputRequired.elicitUrl({
            url,
            message: `Sign in to ${connector.displayName} to let alsatalk-mcp book meetings there.`,
          }),
        },
      });
    // node:crypto is loaded here rather than at start-up, where the server only has to list its tools.
    const elicitationId = (await import('node:crypto')).randomUUID();
    completion.notify = server.server.createElicitationCompletionNotifier(elicitationId);
    if (completion.finished) void completion.notify().catch(() => undefined);
    let action: string;
    try {
      ({ action } = await server.server.elicitInput(
        {
          mode: 'url',
          elicitationId,
          url,
          message: `Sign in to ${connector.displayName} to let alsatalk-mcp book meetings there.`,
        },
        { signal: ctx.mcpReq.signal },
      ));
    } catch (error) {
      // The host failed to show the page: the user can still open it from the result.
      deps.log.warn(`${provider}: URL elicitation failed`, { error: toAppError(error).message });
      return {
        provider,
        outcome: 'started',
        url,
        message: `Open this page to sign in to ${connector.displayName}: ${url}`,
      };
    }
    if (action !== 'accept') {
      await deps.signIns.cancel(provider);
      return {
        provider,
        outcome: 'declined',
        message: `The ${connector.displayName} sign-in was ${action === 'decline' ? 'declined' : 'cancelled'}; nothing was connected.`,
      };
    }
    return {
      provider,
      outcome: 'started',
      url,
      message: `The ${connector.displayName} sign-in page was opened; the connection is saved as soon as the sign-in finishes.`,
    };
  }

  server.registerTool(
    name,
    {
      title: 'Connect a provider',
      description: description(deps.connectors),
      inputSchema: z.object({
        provider: z
          .enum(deps.connectorIds)
          .optional()
          .describe(
            'Only this provider, and start its browser sign-in when it is not connected; default: report all of them.',
          ),
        client_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe(
            "The client id of the user's own OAuth app for that provider (not a secret); default: the one used before.",
          ),
        port: z
          .number()
          .int()
          .min(1)
          .max(65_535)
          .optional()
          .describe(
            `${signInIds(deps.connectors).fixedPort.join(', ')}: the port of the redirect URI registered for the app (http://127.0.0.1:<port>/callback, http://localhost:<port>/callback).`,
          ),
      }),
      outputSchema: z.object(outputShape),
      annotations: {
        title: 'Connect a provider',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    async ({ provider, client_id: clientId, port }, ctx) => {
      try {
        let report: SignInReport | undefined;
        const connector = provider ? deps.connectors.find((c) => c.id === provider) : undefined;
        const before = provider ? (await deps.status()).find((s) => s.id === provider) : undefined;
        if (connector && before && before.state !== 'connected') {
          if (connector.signIn) {
            const step = await signIn(connector, { clientId, port }, ctx);
            if (isInputRequiredResult(step)) return step;
            report = step;
          } else
            report = {
              provider: connector.id,
              outcome: 'unavailable',
              message: `${connector.displayName} connects with a secret, which is only ever typed into a terminal`,
              next_step: before.next_step ?? '',
            };
        }
        const providers = (await deps.status())
          .filter((s) => !provider || s.id === provider)
          .map((s) => {
            const signInState = signInView(deps.signIns.state(s.id));
            return {
              id: s.id,
              name: s.name,
              state: s.state,
              ...(s.account ? { account: s.account } : {}),
              ...(s.scopes ? { scopes: s.scopes } : {}),
              ...(s.token_expires_at ? { token_expires_at: s.token_expires_at } : {}),
              ...(s.last_used_at ? { last_used_at: s.last_used_at } : {}),
              ...(s.next_step ? { next_step: s.next_step } : {}),
              ...(s.credentials ? { credentials: s.credentials } : {}),
              ...(signInState ? { sign_in: signInState } : {}),
            };
          });
        const lines = providers.map((p) => {
          if (p.state === 'connected') return `- ${p.name}: connected as ${p.account}`;
          const pending =
            p.sign_in?.state === 'pending'
              ? ` (sign-in waiting at ${p.sign_in.url})`
              : p.sign_in?.state === 'failed'
                ? ` (last sign-in failed: ${p.sign_in.message}${p.sign_in.hint ? `; ${p.sign_in.hint}` : ''})`
                : '';
          return `- ${p.name}: ${p.state.replace(/_/g, ' ')}${pending} → the user runs \`${p.next_step}\`${p.credentials ? ` (asks for: ${p.credentials})` : ''}`;
        });
        if (report) lines.unshift(report.next_step ? `${report.message}. Next: ${report.next_step}` : report.message);
        return {
          structuredContent: { providers, ...(report ? { sign_in: report } : {}) },
          content: [{ type: 'text', text: lines.join('\n') }],
        };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
