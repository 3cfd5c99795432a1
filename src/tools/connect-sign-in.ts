// How connect_provider's browser sign-in reaches the person, in both protocol eras. The page: a 2025-era host is sent an
// `elicitation/create` request (URL mode) and later hears `notifications/elicitation/complete`; a 2026-07-28 host,
// which takes no requests from servers, gets an `input_required` result with the URL step and retries the call with
// the person's answer. A missing client id (or redirect port) is asked for with a form where the host has form
// elicitation (written once as `input_required`; the SDK asks a 2025-era host by request). Never a secret.
import {
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { BackgroundSignIns } from '../connections/background-sign-in.js';
import { SignInUnavailable, toAppError, type SignInValue } from '../errors.js';
import type { Logger } from '../log.js';
import type { Connector } from '../providers/provider.js';
import type { ProtocolEra } from '../server.js';

export interface SignInReport {
  provider: string;
  outcome: 'started' | 'already_pending' | 'declined' | 'unavailable';
  url?: string;
  message: string;
  next_step?: string;
}

export interface SignInRequest {
  clientId?: string | undefined;
  port?: number | undefined;
}

export interface SignInStepDeps {
  signIns: Pick<BackgroundSignIns, 'state' | 'start' | 'cancel'>;
  log: Logger;
}

/** The keys of the steps in an `input_required` result (and of the host's answers on the retry). */
const steps = { page: 'sign_in', app: 'oauth_app' } as const;

/** The form's answer, checked again here: what comes back from the host is untrusted. */
const appAnswer = z.object({
  client_id: z.string().trim().min(1).max(200).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
});

type FormField =
  | { type: 'string'; title: string; description: string; minLength: number; maxLength: number }
  | { type: 'integer'; title: string; description: string; minimum: number; maximum: number };

const appFields: Record<SignInValue, FormField> = {
  client_id: {
    type: 'string',
    title: 'Client ID',
    description: 'The client id of your own OAuth app (not a secret), from the app page of the provider.',
    minLength: 1,
    maxLength: 200,
  },
  port: {
    type: 'integer',
    title: 'Redirect port',
    description: 'The port in the redirect URI registered for the app (http://127.0.0.1:<port>/callback).',
    minimum: 1,
    maximum: 65_535,
  },
};

const declinedReport = (connector: Connector, action: string): SignInReport => ({
  provider: connector.id,
  outcome: 'declined',
  message: `The ${connector.displayName} sign-in was ${action === 'decline' ? 'declined' : 'cancelled'}; nothing was connected.`,
});

const openedReport = (connector: Connector, url: string): SignInReport => ({
  provider: connector.id,
  outcome: 'started',
  url,
  message: `The ${connector.displayName} sign-in page was opened; the connection is saved as soon as the sign-in finishes.`,
});

const pageMessage = (connector: Connector) =>
  `Sign in to ${connector.displayName} to let alsatalk-mcp book meetings there.`;

/** A form, for a host that declared form elicitation (a bare `elicitation: {}` is the pre-mode spelling of it). */
const hasForm = (capabilities: ClientCapabilities | undefined): boolean => {
  const elicitation = capabilities?.elicitation;
  return elicitation !== undefined && (elicitation.form !== undefined || elicitation.url === undefined);
};

export function signInStep(server: McpServer, deps: SignInStepDeps, era: ProtocolEra) {
  /** What the host declared it can do: per request in the 2026-07-28 era, at `initialize` before it. */
  const clientCapabilities = (ctx: ServerContext): ClientCapabilities | undefined =>
    era === 'modern'
      ? ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as
          ClientCapabilities | undefined)
      : server.server.getClientCapabilities();

  /** A retry carrying the person's answer to the page; undefined on a first call (or where the sign-in is gone). */
  async function pageAnswered(connector: Connector, ctx: ServerContext): Promise<SignInReport | undefined> {
    const answer = inputResponse(ctx.mcpReq.inputResponses, steps.page);
    if (answer.kind !== 'elicit') return undefined;
    if (answer.action !== 'accept') {
      await deps.signIns.cancel(connector.id);
      return declinedReport(connector, answer.action);
    }
    // The sign-in this call started in its first round: waiting, finished, or failed by now. None (the server was
    // restarted between the rounds): a new one is started.
    const state = deps.signIns.state(connector.id);
    if (!state) return undefined;
    if (state.state === 'pending') return openedReport(connector, state.url);
    return {
      provider: connector.id,
      outcome: 'started',
      message:
        state.state === 'connected'
          ? `Signed in to ${connector.displayName} as ${state.account}.`
          : `The ${connector.displayName} sign-in failed: ${state.message}`,
    };
  }

  /** The values the form gave, or a report when the person declined it or gave values that cannot be used. */
  function formAnswered(connector: Connector, ctx: ServerContext): SignInRequest | SignInReport | undefined {
    const answer = inputResponse(ctx.mcpReq.inputResponses, steps.app);
    if (answer.kind !== 'elicit') return undefined;
    if (answer.action !== 'accept') return declinedReport(connector, answer.action);
    const parsed = appAnswer.safeParse(answer.content ?? {});
    if (!parsed.success)
      return {
        provider: connector.id,
        outcome: 'unavailable',
        message: `The form's ${parsed.error.issues[0]?.path.join('.') || 'answer'} could not be used: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        next_step: 'give client_id (and port) to connect_provider, or connect in a terminal',
      };
    return { clientId: parsed.data.client_id, port: parsed.data.port };
  }

  /** Asks for the missing values with a form: one round, then the call runs again with them. */
  const askForm = (connector: Connector, missing: readonly SignInValue[]): InputRequiredResult =>
    inputRequired({
      inputRequests: {
        [steps.app]: inputRequired.elicit({
          message: `${connector.displayName}'s sign-in needs your OAuth app's ${missing.map((m) => appFields[m].title.toLowerCase()).join(' and ')} (not secrets).`,
          requestedSchema: {
            type: 'object',
            properties: Object.fromEntries(missing.map((m) => [m, appFields[m]])),
            required: [...missing],
          },
        }),
      },
    });

  /** Starts (or finds) the sign-in and delivers its URL: by URL-mode elicitation when the host supports it. */
  return async function signIn(
    connector: Connector,
    request: SignInRequest,
    ctx: ServerContext,
  ): Promise<SignInReport | InputRequiredResult> {
    const provider = connector.id;
    const page = await pageAnswered(connector, ctx);
    if (page) return page;
    const form = formAnswered(connector, ctx);
    if (form && 'outcome' in form) return form;
    const values = { clientId: request.clientId ?? form?.clientId, port: request.port ?? form?.port };
    // The completion notice may be due before the elicitation is even answered (a quick person, a test).
    const completion: { notify?: () => Promise<void>; finished: boolean } = { finished: false };
    const onDone = (): void => {
      completion.finished = true;
      void completion.notify?.().catch(() => undefined);
    };
    let started;
    try {
      started = await deps.signIns.start(connector, values, onDone);
    } catch (error) {
      if (!(error instanceof SignInUnavailable)) throw error;
      if (error.missing.length > 0 && !form && hasForm(clientCapabilities(ctx)))
        return askForm(connector, error.missing);
      return { provider, outcome: 'unavailable', message: error.message, next_step: error.nextStep };
    }
    const { url } = started;
    if (started.reused)
      return {
        provider,
        outcome: 'already_pending',
        url,
        message: `A ${connector.displayName} sign-in is already waiting: open ${url}`,
      };
    if (!clientCapabilities(ctx)?.elicitation?.url) {
      return {
        provider,
        outcome: 'started',
        url,
        message: `Open this page to sign in to ${connector.displayName}: ${url} (it waits 5 minutes; the connection is saved as soon as the sign-in finishes)`,
      };
    }
    if (era === 'modern')
      return inputRequired({
        inputRequests: { [steps.page]: inputRequired.elicitUrl({ url, message: pageMessage(connector) }) },
      });
    // node:crypto is loaded here rather than at start-up, where the server only has to list its tools.
    const elicitationId = (await import('node:crypto')).randomUUID();
    completion.notify = server.server.createElicitationCompletionNotifier(elicitationId);
    if (completion.finished) void completion.notify().catch(() => undefined);
    let action: string;
    try {
      ({ action } = await ctx.mcpReq.elicitInput(
        { mode: 'url', elicitationId, url, message: pageMessage(connector) },
        { signal: ctx.mcpReq.signal },
      ));
    } catch (error) {
      // The host failed to show the page: the user can still open it from the result.
      deps.log.warn(`${provider}: URL elicitation failed`, { error: toAppError(error).message });
      return {
        provider,
        outcome: 'started',
        url,
        message: `Open this page to sign in to ${connector.displayName}: ${url}`,
      };
    }
    if (action !== 'accept') {
      await deps.signIns.cancel(provider);
      return declinedReport(connector, action);
    }
    return openedReport(connector, url);
  };
}
