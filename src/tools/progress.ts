// Progress notifications while providers work, sent only when the host asked for them with a progress token. Progress
// only grows, as the protocol requires: one step per provider, then fractions while the e-mail waits its turn.
import type { ServerContext } from '@modelcontextprotocol/server';

/** The part of a tool call's context that progress needs. */
export type ProgressChannel = { mcpReq: Pick<ServerContext['mcpReq'], '_meta' | 'notify'> };

export function providerProgress(ctx: ProgressChannel) {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  let finished = 0;
  let waits = 0;
  const send = (params: { progress: number; total?: number; message: string }): void => {
    if (progressToken === undefined) return;
    void ctx.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken, ...params } })
      .catch(() => undefined);
  };
  return {
    /** One provider finished (`provider: status`), of `total`. */
    step(step: { provider: string; status: string }, total: number): void {
      finished += 1;
      send({ progress: finished, total, message: `${step.provider}: ${step.status}` });
    },
    /** A wait after the providers (the e-mail in the outbox): no total, progress still growing. */
    waiting(message: string): void {
      waits += 1;
      send({ progress: finished + waits / (waits + 1), message });
    },
  };
}
