// serve: config -> createServer -> stdio transport. The only place the server's side effects start.
// Start-up reads the configuration and answers `initialize` and `tools/list` at once; the runtime (database, secret
// store, booking flow, e-mail, sign-ins: runtime.ts) is loaded and opened on the first tool call (`npm run bench`).
import { existsSync } from 'node:fs';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';
import { loadConfig } from './config.js';
import { configSpecs } from './connectors.js';
import { errorMessage } from './errors.js';
import { createLogger } from './log.js';
import { createServer } from './server.js';
import { reportNonJsonLines } from './stdin-lines.js';
import { singleLine, truncate } from './text.js';
import { lazyRuntime, toolDeps } from './tool-deps.js';

/** How long after start-up `serve` opens the runtime by itself when a database exists (its outbox may hold e-mails). */
const drainDelayMs = 1000;

export async function serve(env: Record<string, string | undefined>): Promise<void> {
  // zod's just-in-time compiled parsers cost more to build than they save on the few messages a session parses.
  z.config({ jitless: true });

  const config = loadConfig(env, configSpecs);
  const log = createLogger(config.logLevel);
  const runtime = lazyRuntime(async () => {
    const { openContextWith, openRuntime } = await import('./runtime.js');
    return openRuntime(await openContextWith(config, log));
  });
  const deps = toolDeps(runtime, { defaultTimezone: config.defaultTimezone, log });
  // The SDK drops a line that is not JSON-RPC (and answers no -32700): say so on stderr, where a host keeps the log, and carry on.
  // The entry and the server instance may both report one error: it is logged once.
  const reported = new WeakSet<Error>();
  const onerror = (error: Error): void => {
    if (reported.has(error)) return;
    reported.add(error);
    if (error.name === 'ZodError') log.warn('ignored a line on stdin that is JSON but not a JSON-RPC 2.0 message');
    else log.warn('MCP protocol error', { error: truncate(singleLine(error.message), 300) });
  };
  const stdin = process.stdin.pipe(
    reportNonJsonLines((line) => log.warn('ignored a line on stdin that is not JSON', { line: truncate(line, 200) })),
  );
  // serveStdio serves both protocol eras from one factory: the opening message decides. A 2025-era client opens with
  // `initialize`; a 2026-07-28 client sends requests that carry their own protocol version (no handshake, no session).
  const connection = serveStdio(
    ({ era }) => {
      const server = createServer(deps, era);
      server.server.onerror = onerror;
      return server;
    },
    { onerror, transport: new StdioServerTransport(stdin, process.stdout) },
  );
  const shutdown = async (): Promise<void> => {
    await connection.close().catch(() => undefined);
    await runtime.close();
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));
  log.info(`serving on stdio (data: ${config.dataDir}, secrets: ${config.secretStore.kind})`);
  // E-mails an earlier server left in the outbox (it was closed, or crashed) go out without waiting for a tool call:
  // the runtime, whose drain sends them, opens a moment after start-up, off the path that answers `initialize`.
  if (existsSync(config.databasePath)) {
    setTimeout(() => {
      runtime
        .get()
        .catch((error: unknown) => log.warn('the e-mail outbox could not be opened', { error: errorMessage(error) }));
    }, drainDelayMs).unref();
  }
}
