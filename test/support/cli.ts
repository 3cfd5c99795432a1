// Runs the built binary as a user would, asynchronously (fake providers in this process must keep answering).
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const binPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/alsatalk-mcp.js');

export function assertBuilt(): void {
  const cli = path.resolve(path.dirname(binPath), '../dist/cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does it for you)`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command`, feeding it `stdin` (none: an empty stdin), and collects what it prints and how it ended. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { stdin?: string } = {},
): Promise<CliResult> {
  const { stdin, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command may stop before it reads its input (connect fails fast on a locked keychain): the write then
    // meets a closed pipe, which says nothing about the command; its exit code and output do.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(stdin ?? '');
  });
}

export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return runProcess(process.execPath, [binPath, ...args], { env, ...(stdin === undefined ? {} : { stdin }) });
}

/** The parent's environment without any ALSATALK_* setting of the developer's own, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ALSATALK_')) base[k] = v;
  return { ...base, ...extra };
}
