// `alsatalk-mcp connect <provider>`: collect the credentials, verify them with the provider, then store them.
import { parseArgs } from 'node:util';
import { readCredentials } from '../config.js';
import { configSpecs, connectors } from '../connectors.js';
import type { AppContext } from '../runtime.js';
import { createBrowserLogin } from '../auth/browser-login.js';
import { InputError } from '../errors.js';
import { traceHttp } from '../http/trace.js';
import { holdSecret, redact } from '../log.js';
import { fieldEnv, type Connector, type CredentialField } from '../providers/provider.js';
import { ask, askSecret, canPrompt, readStdin } from './prompt.js';

export interface CommandIo {
  out: (line: string) => void;
  stdin?: NodeJS.ReadableStream;
  /** Opens the sign-in URL; the system browser unless a test plays the browser. */
  openBrowser?: (url: string) => Promise<boolean>;
  /** Who `openBrowser` is when it is not a browser ("The demo"), so that connect never claims a browser opened. */
  opener?: string;
  /** How long the sign-in waits for the browser: 5 minutes unless a test says otherwise. */
  signInTimeoutMs?: number;
  /** An environment to read `fromEnv` fields from instead of the configuration's (a test's, the demo's sandbox). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Flags of the browser sign-in, shared by every provider that offers one. */
interface LoginFlags {
  noBrowser: boolean;
  port?: number;
  /** `--verbose`: print each step (never a secret). */
  verbose: boolean;
}

const loginOptions = {
  'no-browser': { type: 'boolean' },
  port: { type: 'string' },
  verbose: { type: 'boolean' },
} as const;

const stdinFlag = (field: CredentialField): string => `${field.flag}-stdin`;

export function connectUsage(connector?: Connector): string {
  const list = connector ? [connector] : connectors;
  return list
    .map((c) => {
      const flags = c.fields.map((f) => {
        const line = f.secret
          ? `  --${stdinFlag(f)}   read ${f.label} from stdin${f.optional ? ` (optional): ${f.help}` : ' (or answer the hidden prompt)'}`
          : f.switch
            ? `  --${f.flag}   ${f.label}: ${f.help}`
            : `  --${f.flag} VALUE   ${f.label}${f.optional ? ' (optional)' : ''}: ${f.help}`;
        return f.fromEnv ? `${line} [or ${fieldEnv(c.id, f)}]` : line;
      });
      return [`npx alsatalk-mcp connect ${c.id}: ${c.summary}`, ...flags].join('\n');
    })
    .concat(
      `Browser sign-in (${connectors
        .filter((c) => c.signIn)
        .map((c) => c.displayName)
        .join(', ')}): --no-browser prints the URL and the SSH port-forward line instead of opening a browser;\n` +
        '--port N listens on a fixed 127.0.0.1 port (for providers that match the registered redirect URI exactly).\n' +
        '--verbose prints each step (sign-in, every HTTP call, what is stored) without ever printing a secret.',
    )
    .join('\n\n');
}

function splitStdin(text: string, fields: readonly CredentialField[], connectorId: string): string[] {
  if (text.trim() === '') {
    const flags = fields.map((f) => `--${stdinFlag(f)}`).join(' ');
    throw new InputError(
      flags,
      `stdin was empty: nothing was piped in for the ${fields.map((f) => f.label).join(' and ')}`,
      `pipe ${fields.length > 1 ? 'them in, one per line' : 'it in'}: printf '%s\\n' ${fields.map((f) => `'<${f.label}>'`).join(' ')} | npx alsatalk-mcp connect ${connectorId} ${flags}; or leave ${flags} out to be asked`,
    );
  }
  if (fields.length === 1) return [text];
  const lines = text.split(/\r?\n/);
  if (lines.length < fields.length || lines.slice(0, fields.length).some((l) => l === '')) {
    throw new InputError(
      'stdin',
      `expected ${fields.length} lines (${fields.map((f) => f.label).join(', then ')}), one per line`,
      'print each secret on its own line, in that order',
    );
  }
  return lines;
}

interface Collected {
  values: Record<string, string>;
  login: LoginFlags;
  /** What the user should know about how the values were read (an environment value left out). */
  notes: string[];
}

/** Gathers every field from flags, stdin or a prompt; refuses a secret given as a bare flag. */
async function collect(
  connector: Connector,
  args: string[],
  io: CommandIo,
  credentials: Readonly<Record<string, Record<string, string>>>,
): Promise<Collected> {
  // ALSATALK_<CONNECTOR>_CLIENT_ID and _CLIENT_SECRET, as the configuration read them.
  const fromConfig = credentials[connector.id] ?? {};
  const options: Record<string, { type: 'string' | 'boolean' }> = { ...loginOptions };
  for (const field of connector.fields) {
    options[field.flag] = { type: field.switch ? 'boolean' : 'string' };
    if (field.secret) options[stdinFlag(field)] = { type: 'boolean' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new InputError('arguments', (error as Error).message, `see the flags:\n${connectUsage(connector)}`);
  }
  const port = parsed.values.port;
  if (
    port !== undefined &&
    (typeof port !== 'string' || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
  ) {
    throw new InputError(
      '--port',
      `"${String(port)}" is not a port number`,
      'give the port of the redirect URI registered with the provider, 1 to 65535',
    );
  }
  const login: LoginFlags = {
    noBrowser: parsed.values['no-browser'] === true,
    verbose: parsed.values.verbose === true,
    ...(typeof port === 'string' ? { port: Number(port) } : {}),
  };
  const values: Record<string, string> = {};
  // Several secrets can come through stdin: one line each, in the order the fields are listed.
  const fromStdin = connector.fields.filter((f) => f.secret && parsed.values[stdinFlag(f)] === true);
  const stdinLines = fromStdin.length === 0 ? [] : splitStdin(await readStdin(io.stdin), fromStdin, connector.id);
  /** Given on this command line: a flag or stdin, not the environment. */
  const isTyped = (key: string): boolean =>
    connector.fields.some(
      (f) => f.key === key && (typeof parsed.values[f.flag] === 'string' || parsed.values[stdinFlag(f)] === true),
    );
  const notes: string[] = [];
  const isGiven = (key: string): boolean =>
    connector.fields.some(
      (f) =>
        f.key === key &&
        (typeof parsed.values[f.flag] === 'string' ||
          parsed.values[stdinFlag(f)] === true ||
          (f.fromEnv === true && !!fromConfig[f.key] && !(f.envUnless && isTyped(f.envUnless)))),
    );
  for (const field of connector.fields) {
    const given = parsed.values[field.flag];
    if (field.secret && typeof given === 'string') {
      throw new InputError(
        `--${field.flag}`,
        'a secret is never taken from a bare flag (it would be kept in shell history)',
        `pipe it in with --${stdinFlag(field)}, or leave the flag out to be asked for it`,
      );
    }
    let fromEnv = field.fromEnv ? fromConfig[field.key] : undefined;
    if (fromEnv && field.envUnless && isTyped(field.envUnless)) {
      const other = connector.fields.find((f) => f.key === field.envUnless);
      notes.push(
        `${fieldEnv(connector.id, field)} is set but not used: ${other ? `--${other.secret ? stdinFlag(other) : other.flag} (${other.label})` : field.envUnless} was given instead.`,
      );
      fromEnv = undefined;
    }
    if (field.switch) {
      if (given === true) values[field.key] = 'true';
    } else if (typeof given === 'string') {
      values[field.key] = given;
    } else if (field.secret && parsed.values[stdinFlag(field)] === true) {
      values[field.key] = stdinLines[fromStdin.indexOf(field)] ?? '';
    } else if (fromEnv) {
      values[field.key] = fromEnv;
    } else if (
      field.requiredUnless !== undefined
        ? !isGiven(field.requiredUnless)
        : !field.optional || (field.requiredWith !== undefined && values[field.requiredWith])
    ) {
      if (!canPrompt())
        throw new InputError(
          `--${field.secret ? stdinFlag(field) : field.flag}`,
          `${field.label} is required`,
          `${field.help}`,
        );
      values[field.key] = field.secret
        ? await askSecret(`${connector.displayName} ${field.label}: `)
        : await ask(`${connector.displayName} ${field.label} (${field.help}): `);
      // An empty answer is refused at once, not after the questions that follow it.
      if (!values[field.key]?.trim())
        throw new InputError(
          `--${field.secret ? stdinFlag(field) : field.flag}`,
          `the ${field.label} was left empty at the prompt`,
          `run the command again and ${field.secret ? 'paste' : 'type'} it (${field.help})`,
        );
    }
    if (field.secret && values[field.key]) holdSecret(connector.id, field.key, values[field.key] as string);
  }
  return { values, login, notes };
}

/** @param registry the connectors to choose from (all of them, unless a test narrows it) */
export async function runConnect(
  ctx: AppContext,
  argv: string[],
  io: CommandIo,
  registry: readonly Connector[] = connectors,
): Promise<void> {
  const [id, ...rest] = argv;
  const connector = registry.find((c) => c.id === id);
  if (!connector) {
    throw new InputError(
      'provider',
      id ? `"${id}" is not a provider` : 'is missing',
      `choose one of: ${registry.map((c) => c.id).join(', ')} (how to connect each: npx alsatalk-mcp connect --help)`,
    );
  }
  const credentials = io.env ? readCredentials(io.env, configSpecs.credentials) : (ctx.config.credentials ?? {});
  const { values, login, notes } = await collect(connector, rest, io, credentials);
  for (const note of notes) io.out(`Note: ${note}`);
  // Every step line is redacted too: a provider echoing a token into an error must not reach the terminal.
  const step = login.verbose ? (text: string): void => io.out(`  · ${redact(text)}`) : undefined;
  const stopTrace = step ? traceHttp(step) : undefined;
  try {
    await connectWith(ctx, connector, values, login, io, step);
  } finally {
    stopTrace?.();
  }
}

async function connectWith(
  ctx: AppContext,
  connector: Connector,
  values: Record<string, string>,
  login: LoginFlags,
  io: CommandIo,
  step?: (text: string) => void,
): Promise<void> {
  const browserLogin = createBrowserLogin({
    out: io.out,
    noBrowser: login.noBrowser,
    ...(login.port !== undefined ? { port: login.port } : {}),
    command: `npx alsatalk-mcp connect ${connector.id}`,
    ...(io.openBrowser ? { openBrowser: io.openBrowser } : {}),
    ...(io.opener ? { opener: io.opener } : {}),
    ...(io.signInTimeoutMs !== undefined ? { timeoutMs: io.signInTimeoutMs } : {}),
    ...(step ? { step } : {}),
  });
  io.out(`Checking the ${connector.displayName} credentials…`);
  const result = await connector.connect(values, ctx.connections.context(connector.id, browserLogin));
  step?.(
    `verified; storing ${
      Object.keys(result.secrets)
        .map((k) => ctx.connections.secretName(connector.id, k))
        .join(', ') || 'no secret'
    } in the ${ctx.connections.secretsLabel} (values not shown), then the connection in ${ctx.config.databasePath}`,
  );
  await ctx.connections.save(connector, result);
  io.out(`Connected ${connector.displayName} as ${result.account}.`);
  for (const note of result.notes) io.out(`Note: ${note}`);
  io.out(`Secrets are in the ${ctx.connections.secretsLabel}; settings in ${ctx.config.databasePath}.`);
}
