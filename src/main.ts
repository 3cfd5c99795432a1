// serve: config -> deps -> createServer -> stdio transport. The only place the server's side effects start.
// Start-up reads the configuration and answers `initialize` and `tools/list` at once; the database, the secret store,
// the booking flow and the e-mail code are loaded on the first tool call (see `npm run bench`: cold start).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig, type Config } from './config.js';
import { connectors, endpointSpecs } from './connectors.js';
import { createLogger, type Logger } from './log.js';
import { meetingProviders, providerIds } from './providers/index.js';
import { createServer } from './server.js';
import { singleLine, truncate } from './text.js';

export async function serve(env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(env, endpointSpecs);
  const log = createLogger(config.logLevel);
  let opening: Promise<Runtime> | undefined;
  let opened: Runtime | undefined;
  const runtime = (): Promise<Runtime> => {
    // A failed open (a locked keychain, a read-only folder) is reported by that call and tried again by the next.
    opening ??= openRuntime(config, log, env).then(
      (value) => (opened = value),
      (error: unknown) => {
        opening = undefined;
        throw error;
      },
    );
    return opening;
  };
  const server = createServer({
    booking: { book: async (request, onProgress) => (await runtime()).booking.book(request, onProgress) },
    providers: meetingProviders,
    providerIds,
    defaultTimezone: config.defaultTimezone,
    status: async () => (await runtime()).status(),
    connectorIds: connectors.map((c) => c.id) as [string, ...string[]],
    connectors,
    signIns: {
      // No sign-in can have started before the first tool call opened the runtime.
      state: (connectorId) => opened?.signIns.state(connectorId),
      start: async (connector, request, onDone) => (await runtime()).signIns.start(connector, request, onDone),
      cancel: async (connectorId) => (await runtime()).signIns.cancel(connectorId),
    },
    log,
  });
  // The SDK drops a line that is not JSON-RPC (and answers no -32700): say so on stderr, where a host keeps the log, and carry on.
  server.server.onerror = (error) => {
    if (error.name === 'SyntaxError')
      log.warn('ignored a line on stdin that is not JSON', { error: truncate(error.message, 200) });
    else if (error.name === 'ZodError') log.warn('ignored a line on stdin that is JSON but not a JSON-RPC 2.0 message');
    else log.warn('MCP protocol error', { error: truncate(singleLine(error.message), 300) });
  };
  const transport = new StdioServerTransport();
  const shutdown = async (): Promise<void> => {
    const open = await opening?.catch(() => undefined);
    await open?.signIns.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    open?.ctx.close();
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));
  await server.connect(transport);
  log.info(`serving on stdio (data: ${config.dataDir}, secrets: ${config.secretStore.kind})`);
}

type Runtime = Awaited<ReturnType<typeof openRuntime>>;

/** Everything a tool call needs beyond the tool list: storage, secrets, the booking flow, the sign-ins. */
async function openRuntime(config: Config, log: Logger, env: Record<string, string | undefined>) {
  const [{ openContextWith }, { BookingService }, { BackgroundSignIns }, { collectStatus }] = await Promise.all([
    import('./context.js'),
    import('./booking/book-meeting.js'),
    import('./auth/background-sign-in.js'),
    import('./commands/status.js'),
  ]);
  const ctx = await openContextWith(config, log);
  return {
    ctx,
    booking: new BookingService({ ...ctx, providers: meetingProviders }),
    signIns: new BackgroundSignIns(ctx, { env }),
    status: () => collectStatus(ctx),
  };
}
