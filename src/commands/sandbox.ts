// `alsatalk-mcp sandbox`: the fake providers on 127.0.0.1 until Ctrl-C, and the environment that points alsatalk-mcp at them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectors } from '../connectors.js';
import { InputError } from '../errors.js';
import { meetingProviders } from '../providers/index.js';
import { meetingFakes } from '../sandbox/fakes/index.js';
import { listNames } from '../text.js';
import { parseFaultFlag, parseLatencyFlag, type FaultRule, type LatencyRule } from '../sandbox/controls.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';

export const sandboxUsage = `npx alsatalk-mcp sandbox [--port 8960] [--outbox DIR] [--keep] [--latency MS | --latency PROVIDER=MS]... [--fail PROVIDER[=STATUS|malformed|hang|hang-after]]...

Starts fake ${listNames(connectors.map((c) => c.displayName))} on 127.0.0.1, with OAuth consent pages that
approve at once, e-mails written to the outbox as .eml files, and an in-memory secret store. It prints the
environment that points alsatalk-mcp (connect, status, the server) at it. Nothing of yours is touched.

  --port N           listen on this port (default 8960; 0 picks a free one)
  --outbox DIR       where e-mails are written (default: a new folder under the system temp folder, removed on exit)
  --keep             keep the throwaway data folder and the default outbox when the sandbox stops
  --latency MS       add MS milliseconds to every route; PROVIDER=MS for one provider (${connectors.map((c) => c.id).join(', ')})
  --fail PROVIDER    make PROVIDER's booking calls (not its sign-in) answer 500; =503, =429 (with Retry-After: 1),
                     =malformed (a truncated JSON body), =hang (never answers) or =hang-after (makes the meeting,
                     then never answers); a route from GET /__sandbox aims at that one call (admin endpoint)

While it runs:  curl http://127.0.0.1:PORT/__sandbox   (routes, controls, what each provider holds)
  curl -X POST http://127.0.0.1:PORT/__sandbox/latency -d '{"target":"zoom","ms":100}'
  curl -X POST http://127.0.0.1:PORT/__sandbox/faults  -d '{"target":"google","kind":"status","status":429,"retryAfter":2,"times":1}'
  curl -X DELETE http://127.0.0.1:PORT/__sandbox/controls`;

export interface SandboxFlags {
  latency: LatencyRule[];
  faults: FaultRule[];
}

/** Reads the repeatable `--latency` and `--fail` flags shared by `sandbox` and `demo`. */
export function readControlFlags(
  latency: readonly string[] | undefined,
  fail: readonly string[] | undefined,
): SandboxFlags {
  let flags: SandboxFlags;
  try {
    flags = { latency: (latency ?? []).map(parseLatencyFlag), faults: (fail ?? []).map(parseFaultFlag) };
  } catch (error) {
    const flag = (error as Error).message.split(' ')[0] ?? '--fail';
    throw new InputError(flag, (error as Error).message, 'for example --fail zoom=503 or --latency 100');
  }
  // A misspelt provider would be a rule that never fires: refused, as --providers refuses one.
  const known = [...Object.keys(meetingFakes), 'resend'];
  for (const [flag, rules] of [
    ['--latency', flags.latency],
    ['--fail', flags.faults],
  ] as const) {
    const unknown = rules.find((r) => r.target !== '*' && !known.includes(r.target));
    if (unknown) throw new InputError(flag, `"${unknown.target}" is not a provider`, `choose from ${known.join(', ')}`);
  }
  return flags;
}

/** The lines a shell (and an MCP host's `env` block) needs to reach the sandbox. */
const exportLines = (sandbox: Pick<Sandbox, 'env'>): string[] =>
  Object.entries(sandbox.env).map(([name, value]) => `export ${name}='${value}'`);

export async function runSandbox(argv: string[], io: { out: (line: string) => void }): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        outbox: { type: 'string' },
        latency: { type: 'string', multiple: true },
        fail: { type: 'string', multiple: true },
        keep: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    throw new InputError('arguments', (error as Error).message, sandboxUsage);
  }
  const port = Number(parsed.values.port ?? 8960);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InputError('--port', `"${parsed.values.port}" is not a port number`, 'give 0 to 65535');
  const controls = readControlFlags(parsed.values.latency, parsed.values.fail);
  const outbox = path.resolve(parsed.values.outbox ?? path.join(os.tmpdir(), `alsatalk-sandbox-outbox-${process.pid}`));
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ port, outbox, ...controls });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new InputError(
      '--port',
      `127.0.0.1:${port} is already in use (another sandbox, or another program)`,
      'stop that one, or pick another port: --port 8961 (or --port 0 for any free port)',
    );
  }
  const home = path.join(os.tmpdir(), `alsatalk-sandbox-home-${process.pid}`);
  io.out(`Sandbox providers on ${sandbox.origin}: ${connectors.map((c) => c.displayName).join(', ')}.`);
  io.out(
    `E-mails are written to ${outbox}.${parsed.values.keep || parsed.values.outbox ? '' : ' It and the data folder below are removed when the sandbox stops (--keep keeps them).'}`,
  );
  io.out('');
  io.out('Point alsatalk-mcp at it (this shell, or the "env" of an MCP host), with a throwaway data folder:');
  io.out(`export ALSATALK_HOME='${home}'`);
  for (const line of exportLines(sandbox)) io.out(line);
  io.out('');
  io.out('Then connect each provider (the consent pages approve at once):');
  // A provider that matches its redirect URI's port exactly is given one (any free port: the sandbox accepts it).
  let redirectPort = 8765;
  for (const provider of meetingProviders) {
    const flags = [
      ...(provider.signIn?.fixedPort ? ['--port', String(redirectPort++)] : []),
      ...(meetingFakes[provider.id as keyof typeof meetingFakes]?.connectFlags ?? []),
    ];
    io.out(`  npx alsatalk-mcp connect ${[provider.id, ...flags].map(shellWord).join(' ')}`);
  }
  io.out(
    `  printf '%s' '${sandbox.fakes.resend.state.apiKey}' | npx alsatalk-mcp connect resend --api-key-stdin --from "Acme Scheduling <meet@acme.test>"`,
  );
  io.out('');
  io.out('Or connect without a browser, as the README shows, with test values this sandbox accepts:');
  for (const { provider, way, command } of sandbox.otherWays())
    io.out(`  # ${connectors.find((c) => c.id === provider)?.displayName ?? provider}: ${way}\n  ${command}`);
  io.out('');
  io.out(
    `Controls: curl ${sandbox.origin}/__sandbox (see: npx alsatalk-mcp sandbox --help). Ctrl-C stops it; its secrets vanish with it.`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  // Its throwaway folders go with it (an --outbox the user named is theirs), unless --keep.
  if (!parsed.values.keep) {
    for (const dir of [home, ...(parsed.values.outbox ? [] : [outbox])])
      fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A word as a shell reads it back: quoted when it has a space. */
export const shellWord = (word: string): string => (word.includes(' ') ? `"${word}"` : word);
