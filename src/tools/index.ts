// Every MCP tool the server offers.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerBookMeetingTool, type BookMeetingToolDeps } from './book-meeting.js';
import { registerConnectProviderTool, type ConnectProviderToolDeps } from './connect-provider.js';

export type ToolDeps = BookMeetingToolDeps & ConnectProviderToolDeps;

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerBookMeetingTool(server, deps);
  registerConnectProviderTool(server, deps);
}
