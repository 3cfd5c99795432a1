// createServer(deps): pure wiring of the MCP server; no I/O, no environment, no timers.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTools, type ToolDeps } from './tools/index.js';
import { version } from './version.js';

export function createServer(deps: ToolDeps): McpServer {
  const server = new McpServer(
    { name: 'alsatalk-mcp', title: 'AlsaTalk meeting booking', version },
    {
      capabilities: { tools: {} },
      instructions:
        "Books meetings with customers in every connected provider and e-mails the invitee. Call book_meeting with the customer's name, e-mail, date, time and time zone; connect_provider shows what is connected and the command that connects the rest.",
    },
  );
  registerTools(server, deps);
  return server;
}
