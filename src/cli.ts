// argv -> command. `serve` (the default) keeps stdout for JSON-RPC; the setup commands talk to a person.
import type { AppContext } from './runtime.js';
import { connectors } from './connectors.js';
import { describeError, toAppError } from './errors.js';
import { version } from './version.js';

const usage = `alsatalk-mcp ${version}: an MCP server that books meetings and e-mails the invitee

Usage:
  npx alsatalk-mcp                      start the MCP server on stdio (what Claude Desktop runs)
  npx alsatalk-mcp connect <provider>   connect ${connectors.map((c) => c.id).join(' | ')} (see: connect --help)
  npx alsatalk-mcp status [--json]      what is connected (never shows a secret)
  npx alsatalk-mcp disconnect <provider>
  npx alsatalk-mcp demo                 book a meeting end to end on the built-in sandbox providers (see: demo --help)
  npx alsatalk-mcp sandbox              run the sandbox providers on 127.0.0.1 (see: sandbox --help)
  npx alsatalk-mcp --version`;

/** Each setup command's own help, for `<command> --help`. */
const commandHelp: Record<string, string> = {
  status: `npx alsatalk-mcp status [--json]

What is connected, as whom, since when and when last used, the granted scopes and the access token's expiry,
and the command that fixes anything missing. Never shows a secret.

  --json   the same as JSON (data folder, secret store, one entry per provider)`,
  disconnect: `npx alsatalk-mcp disconnect <provider>     (${connectors.map((c) => c.id).join(' | ')})

Revokes the provider's grant where it offers revocation (or says where to remove the app), then removes its
secrets from the secret store and its connection from the data folder.`,
};

/**
 * Writes a line to stdout. A reader that has gone (\`status | head -1\`) is not an error: the rest is dropped and the
 * command finishes as it would have.
 */
function stdoutWriter(): (line: string) => void {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (line) => {
    if (!closed) process.stdout.write(`${line}\n`);
  };
}

type Command = (
  ctx: AppContext,
  argv: string[],
  io: { out: (line: string) => void; env?: Readonly<Record<string, string | undefined>> },
) => Promise<void>;

/** Runs one command; resolves to the exit code, or -1 for `serve`, which keeps running. */
async function run(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  const out = command === 'serve' ? (line: string): void => void process.stdout.write(`${line}\n`) : stdoutWriter();
  if (command === '--help' || command === '-h' || command === 'help') {
    out(usage);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    out(version);
    return 0;
  }
  if (command === 'serve') {
    const { serve } = await import('./main.js');
    await serve(process.env);
    return -1;
  }
  // The sandbox's commands never open the user's own data folder or keychain.
  if (command === 'demo' || command === 'sandbox') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(
        command === 'demo'
          ? (await import('./commands/demo.js')).demoUsage
          : (await import('./commands/sandbox.js')).sandboxUsage,
      );
      return 0;
    }
    if (command === 'sandbox') {
      await (await import('./commands/sandbox.js')).runSandbox(rest, { out });
      return 0;
    }
    return (await import('./commands/demo.js')).runDemo(rest, { out }, process.argv[1] ?? '');
  }
  const help = commandHelp[command];
  if (help && (rest.includes('--help') || rest.includes('-h'))) {
    out(help);
    return 0;
  }
  if (command === 'connect' && (rest.includes('--help') || rest.includes('-h') || rest.length === 0)) {
    const { connectUsage } = await import('./commands/connect.js');
    out(connectUsage(connectors.find((c) => c.id === rest[0])));
    return rest.length === 0 ? 1 : 0;
  }
  const commands: Record<string, () => Promise<Command>> = {
    connect: async () => (await import('./commands/connect.js')).runConnect,
    status: async () => (await import('./commands/status.js')).runStatus,
    disconnect: async () => (await import('./commands/disconnect.js')).runDisconnect,
  };
  const load = commands[command];
  if (!load) {
    process.stderr.write(`Unknown command "${command}".\n\n${usage}\n`);
    return 64;
  }
  const { openContext } = await import('./runtime.js');
  const ctx = await openContext(process.env);
  try {
    await (
      await load()
    )(ctx, rest, { out });
    return 0;
  } finally {
    ctx.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Error: ${describeError(toAppError(error))}\n`);
    process.exitCode = 1;
  },
);
