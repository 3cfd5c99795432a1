// Starts the built binary as an MCP server on stdio and connects a real SDK Client to it.
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/client';
import { binPath } from './cli.js';

export interface StdioServer {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Transport errors: anything on stdout that was not JSON-RPC ends up here. */
  errors: Error[];
  close(): Promise<void>;
  /** SIGKILL: no handler runs, nothing is flushed; the process is gone (and reaped) when this resolves. */
  kill(): Promise<void>;
}

/** Starts `bin` (default: this checkout's bin/alsatalk-mcp.js; an unpacked bundle's or an installed copy's) with this Node. */
export async function startStdioServer(env: Record<string, string>, bin = binPath): Promise<StdioServer> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [bin], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  const errors: Error[] = [];
  client.onerror = (error) => errors.push(error);
  const kill = async (): Promise<void> => {
    const { pid } = transport;
    // process.kill(0) would signal this test's own process group.
    if (!pid) throw new Error('the server process has no pid: it is not running');
    // The client's own hook: the transport's belongs to the client, which fails the pending call with it.
    const closed = new Promise<void>((resolve) => (client.onclose = () => resolve()));
    process.kill(pid, 'SIGKILL');
    await closed;
  };
  return { client, stderr: () => stderr, errors, close: () => client.close(), kill };
}
