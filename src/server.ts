// createServer(deps, era): pure wiring of the MCP server; no I/O, no environment, no timers.
import { McpServer, type McpRequestContext } from '@modelcontextprotocol/server';
import { serverIcon } from './icon.js';
import { registerTools, type ToolDeps } from './tools/index.js';
import { version } from './version.js';

/** The protocol era a server instance serves: `legacy` (2024-10-07 … 2025-11-25, `initialize`) or `modern` (2026-07-28). */
export type ProtocolEra = McpRequestContext['era'];

export function createServer(deps: ToolDeps, era: ProtocolEra = 'legacy'): McpServer {
  const server = new McpServer(
    { name: 'alsatalk-mcp', title: 'AlsaTalk meeting booking', version, icons: [serverIcon] },
    {
      capabilities: { tools: {} },
      instructions:
        "Books meetings with customers in every connected provider and e-mails the invitee. Call book_meeting with the customer's name, e-mail, date, time and time zone; connect_provider shows what is connected and the command that connects the rest.",
    },
  );
  registerTools(server, deps, era);
  return server;
}
