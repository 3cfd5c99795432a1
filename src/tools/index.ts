// Every MCP tool the server offers.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerBookMeetingTool, type BookMeetingToolDeps } from './book-meeting.js';

export type ToolDeps = BookMeetingToolDeps;

export function registerTools(server: McpServer, deps: ToolDeps): void {
  registerBookMeetingTool(server, deps);
}
