// serve: config -> database -> deps -> createServer -> stdio transport. The only place the server's side effects start.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BackgroundSignIns } from './auth/background-sign-in.js';
import { BookingService } from './booking/book-meeting.js';
import { openContext } from './context.js';
import { connectors } from './connectors.js';
import { meetingProviders, providerIds } from './providers/index.js';
import { createServer } from './server.js';
import { collectStatus } from './setup/status.js';

export async function serve(env: Record<string, string | undefined>): Promise<void> {
  const ctx = await openContext(env);
  const booking = new BookingService({ ...ctx, providers: meetingProviders });
  const signIns = new BackgroundSignIns(ctx, { env });
  const server = createServer({
    booking,
    providers: meetingProviders,
    providerIds,
    defaultTimezone: ctx.config.defaultTimezone,
    status: () => collectStatus(ctx),
    connectorIds: connectors.map((c) => c.id) as [string, ...string[]],
    connectors,
    signIns,
    log: ctx.log,
  });
  const transport = new StdioServerTransport();
  const shutdown = async (): Promise<void> => {
    await signIns.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    ctx.close();
  };
  process.once('SIGINT', () => void shutdown().then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown().then(() => process.exit(0)));
  await server.connect(transport);
  ctx.log.info(`serving on stdio (data: ${ctx.config.dataDir}, secrets: ${ctx.config.secretStore.kind})`);
}
