// The connect_provider tool: every provider's state, and for one that signs in with the browser, the sign-in itself
// (connect-sign-in.ts: its page through URL-mode elicitation when the host supports it, else in the result). It never
// asks for a secret.
import { isInputRequiredResult, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { BackgroundSignIns, SignInState } from '../connections/background-sign-in.js';
import type { Logger } from '../log.js';
import type { Connector } from '../providers/provider.js';
import type { ConnectorStatus } from '../connections/status.js';
import { listNames } from '../text.js';
import type { ProtocolEra } from '../server.js';
import { signInStep, type SignInReport } from './connect-sign-in.js';
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

export function registerConnectProviderTool(server: McpServer, deps: ConnectProviderToolDeps, era: ProtocolEra): void {
  const signIn = signInStep(server, deps, era);

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
