// The built binary against an in-process sandbox, as a user with the sandbox's environment runs it: a throwaway home,
// and the sign-in finished the way the CLI itself offers on a machine without a browser (its `curl -sL` line).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { assertBuilt, binPath, type CliResult } from './cli.js';

export interface SandboxCli {
  sandbox: Sandbox;
  /** PATH, a fresh HOME, the sandbox's environment, and a data folder inside that home. */
  env: Record<string, string>;
}

/** A sandbox and environment per test, gone after it; call at the top of a test file, read the getter in a test. */
export function useSandboxCli(prefix: string): () => SandboxCli {
  let current: (SandboxCli & { home: string }) | undefined;
  beforeAll(() => assertBuilt());
  beforeEach(async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), prefix));
    const sandbox = await startSandbox({ outbox: path.join(home, 'outbox') });
    const env = { PATH: process.env.PATH ?? '', HOME: home, ...sandbox.env, ALSATALK_HOME: path.join(home, 'data') };
    current = { sandbox, env, home };
  });
  afterEach(async () => {
    await current?.sandbox.close();
    if (current) rmSync(current.home, { recursive: true, force: true });
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useSandboxCli: read it inside a test');
    return current;
  };
}

/** Runs the binary; once it prints the curl line for the sign-in, makes that request (following redirects) as curl would. */
export async function runWithSignIn(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, [binPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let followed = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const curl = /curl -sL '([^']+)' > \/dev\/null/.exec(stdout);
    if (curl?.[1] && !followed) {
      followed = true;
      void fetch(curl[1]).catch(() => undefined);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}
