// The connect_provider tool: every provider's state and the exact step that connects it; it never asks the model for a secret.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { ConnectorStatus } from '../setup/status.js';
import { errorResult } from './results.js';

export const name = 'connect_provider';

const states = ['connected', 'needs_reauth', 'not_connected', 'secrets_missing', 'secrets_unreadable'] as const;

const outputShape = {
  providers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      state: z.enum(states),
      account: z.string().optional().describe('Who is connected (an e-mail, an account id, a sender).'),
      scopes: z.array(z.string()).optional().describe('What the provider granted, when it says (OAuth).'),
      token_expires_at: z.string().optional().describe('When the current access token expires; it is renewed automatically.'),
      last_used_at: z.string().optional().describe('The last successful booking (or e-mail) through this connection.'),
      next_step: z.string().optional().describe('The command the user runs in a terminal to connect or reconnect.'),
      credentials: z.string().optional().describe('What that command asks for and where the user creates it.'),
    }),
  ),
};

const description = [
  'Shows which meeting providers (and the Resend mailer) are connected, as whom, and how to connect the others.',
  'Use it when book_meeting reports a provider as not_connected or needs_reauth, or when the user asks what is set up.',
  "Connecting needs the user's own credentials (OAuth app, API key or token), which must never pass through the conversation:",
  'give the user the `next_step` command to run in a terminal, and what it will ask for; do not ask the user to paste a secret here.',
].join(' ');

export interface ConnectProviderToolDeps {
  /** Every connector's state (the same report as `npx alsatalk-mcp status`). */
  status: () => Promise<ConnectorStatus[]>;
  connectorIds: [string, ...string[]];
  log: Logger;
}

export function registerConnectProviderTool(server: McpServer, deps: ConnectProviderToolDeps): void {
  server.registerTool(
    name,
    {
      title: 'Connect a provider',
      description,
      inputSchema: { provider: z.enum(deps.connectorIds).optional().describe('Only this provider; default: all of them.') },
      outputSchema: outputShape,
      annotations: { title: 'Connect a provider', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ provider }) => {
      try {
        const providers = (await deps.status())
          .filter((s) => !provider || s.id === provider)
          .map((s) => ({
            id: s.id,
            name: s.name,
            state: s.state,
            ...(s.account ? { account: s.account } : {}),
            ...(s.scopes ? { scopes: s.scopes } : {}),
            ...(s.token_expires_at ? { token_expires_at: s.token_expires_at } : {}),
            ...(s.last_used_at ? { last_used_at: s.last_used_at } : {}),
            ...(s.next_step ? { next_step: s.next_step } : {}),
            ...(s.credentials ? { credentials: s.credentials } : {}),
          }));
        const lines = providers.map((p) =>
          p.state === 'connected'
            ? `- ${p.name}: connected as ${p.account}`
            : `- ${p.name}: ${p.state.replace(/_/g, ' ')} → the user runs \`${p.next_step}\`${p.credentials ? ` (asks for: ${p.credentials})` : ''}`,
        );
        return { structuredContent: { providers }, content: [{ type: 'text', text: lines.join('\n') }] };
      } catch (error) {
        return errorResult(error, deps.log);
      }
    },
  );
}
