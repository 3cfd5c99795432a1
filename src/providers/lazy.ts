// A provider in two parts: its manifest (what the tool list, the CLI and the configuration read: id, name, endpoints,
// fields) is loaded with the registry; its implementation (connect, sessions, revocation, with its wire schemas, ky and
// luxon) is imported on first use. The server answers `tools/list` without compiling four providers' API code.
import { AppError } from '../errors.js';
import type { ConnectorContext, MeetingProvider, RevokeContext, RevokeOutcome, SessionContext } from './provider.js';

/** What `<provider>-api.ts` exports as `implementation`. */
export interface ProviderImplementation {
  connect: MeetingProvider['connect'];
  openSession: MeetingProvider['openSession'];
  revoke?: (ctx: RevokeContext) => Promise<RevokeOutcome>;
}

export type ProviderManifest = Omit<MeetingProvider, 'connect' | 'openSession' | 'revoke'> & {
  /** Whether the implementation can revoke a grant (`disconnect` then tries before forgetting the credentials). */
  revocable: boolean;
};

/** The MeetingProvider for `manifest`, whose calls import the implementation once and then go straight to it. */
export function lazyProvider<M extends ProviderManifest>(
  manifest: M,
  load: () => Promise<ProviderImplementation>,
): MeetingProvider & Omit<M, 'revocable'> {
  let loading: Promise<ProviderImplementation> | undefined;
  const implementation = (): Promise<ProviderImplementation> => (loading ??= load());
  const { revocable, ...connector } = manifest;
  return {
    ...connector,
    connect: async (values: Readonly<Record<string, string>>, ctx: ConnectorContext) =>
      (await implementation()).connect(values, ctx),
    openSession(ctx: SessionContext) {
      // One session per call, as before: its token cache is shared by every booking that uses it.
      const session = implementation().then((impl) => impl.openSession(ctx));
      // A bad stored setting rejects here; the booking that awaits it reports it, and nothing else should.
      session.catch(() => undefined);
      return {
        book: async (meeting, signal, gate) => (await session).book(meeting, signal, gate),
        findExisting: async (meeting, signal) => (await session).findExisting(meeting, signal),
        availability: async (query, signal) => {
          const opened = await session;
          return opened.availability
            ? opened.availability(query, signal)
            : { kind: 'unsupported', reason: `${connector.displayName} offers no API to read availability` };
        },
        cancel: async (ref, reason, signal) => {
          const opened = await session;
          if (!opened.cancel)
            throw new AppError('provider_rejected', `${connector.displayName} offers no API to cancel a meeting`, {
              hint: `cancel it in ${connector.displayName} yourself`,
            });
          return opened.cancel(ref, reason, signal);
        },
        reschedule: async (ref, to, signal) => {
          const opened = await session;
          if (!opened.reschedule)
            throw new AppError('provider_rejected', `${connector.displayName} offers no API to move a meeting`, {
              hint: `move it in ${connector.displayName} yourself`,
            });
          return opened.reschedule(ref, to, signal);
        },
        annotate: async (ref, others, signal) => (await session).annotate?.(ref, others, signal),
      };
    },
    ...(revocable ? { revoke: async (ctx: RevokeContext) => (await implementation()).revoke?.(ctx) ?? 'nothing' } : {}),
  };
}
