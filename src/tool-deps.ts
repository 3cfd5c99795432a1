// What the MCP tools need, from a runtime that `serve` opens only on the first tool call (the tool list needs none of
// it). main.ts and the test harness build the tools' dependencies here alike.
import { connectors } from './connectors.js';
import type { Logger } from './log.js';
import { meetingProviders } from './providers/index.js';
import type { Connector, MeetingProvider } from './providers/provider.js';
import type { Runtime } from './runtime.js';
import type { ToolDeps } from './tools/index.js';

export interface RuntimeHandle {
  /** The runtime, opened on first use; a failed open is reported by that call and tried again by the next. */
  get(): Promise<Runtime>;
  /** The runtime if it is open already (nothing can have started before it opened). */
  opened(): Runtime | undefined;
}

export interface ToolDepsOptions {
  defaultTimezone: string;
  log: Logger;
  providers?: readonly MeetingProvider[];
  connectors?: readonly Connector[];
}

export function toolDeps(runtime: RuntimeHandle, options: ToolDepsOptions): ToolDeps {
  const providers = options.providers ?? meetingProviders;
  const registry = options.connectors ?? connectors;
  return {
    booking: {
      book: async (request, onProgress, onEmailQueued) =>
        (await runtime.get()).booking.book(request, onProgress, onEmailQueued),
    },
    availability: { find: async (request) => (await runtime.get()).availability.find(request) },
    ledger: { list: async (request) => (await runtime.get()).ledger.list(request) },
    rescheduling: {
      reschedule: async (request, onProgress) => (await runtime.get()).rescheduling.reschedule(request, onProgress),
    },
    cancellation: {
      cancel: async (request, onProgress) => (await runtime.get()).cancellation.cancel(request, onProgress),
    },
    providers,
    providerIds: providers.map((p) => p.id) as [string, ...string[]],
    defaultTimezone: options.defaultTimezone,
    status: async () => (await runtime.get()).status(),
    connectorIds: registry.map((c) => c.id) as [string, ...string[]],
    connectors: registry,
    signIns: {
      state: (connectorId) => runtime.opened()?.signIns.state(connectorId),
      start: async (connector, request, onDone) => (await runtime.get()).signIns.start(connector, request, onDone),
      cancel: async (connectorId) => (await runtime.get()).signIns.cancel(connectorId),
    },
    log: options.log,
  };
}

/** A handle that opens the runtime once, on first use, and again after a failed open. */
export function lazyRuntime(open: () => Promise<Runtime>): RuntimeHandle & { close(): Promise<void> } {
  let opening: Promise<Runtime> | undefined;
  let opened: Runtime | undefined;
  return {
    get() {
      opening ??= open().then(
        (value) => (opened = value),
        (error: unknown) => {
          opening = undefined;
          throw error;
        },
      );
      return opening;
    },
    opened: () => opened,
    async close() {
      const open = await opening?.catch(() => undefined);
      await open?.close();
    },
  };
}
