// Checks shared by the tests that run a shipped copy of the server (the .mcpb bundle unpacked, the npm tarball
// installed): it answers tools/list over stdio, touches its database, and `demo` books end to end.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { childEnv, runProcess, type CliResult } from './cli.js';
import { secretStoreEnv } from './keychain.js';
import { startStdioServer } from './stdio-server.js';

/** The six tools, in the order the server registers them. */
export const toolNames = [
  'find_available_slots',
  'book_meeting',
  'list_bookings',
  'reschedule_booking',
  'cancel_booking',
  'connect_provider',
] as const;

/** A shipped copy must not find the checkout's packages: no node_modules in any folder above it. */
export function assertIsolated(dir: string): void {
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    expect(existsSync(path.join(up, 'node_modules')), `${up}/node_modules would lend packages to ${dir}`).toBe(false);
  }
}

/**
 * Serves `bin` over stdio in `env` (plus the test secret store), lists the tools and calls list_bookings, which opens
 * the SQLite database: the native module loads. Returns the tool names the server listed.
 */
export async function listToolsFrom(bin: string, env: Record<string, string>): Promise<string[]> {
  const server = await startStdioServer(childEnv({ ...secretStoreEnv(), ...env }), bin);
  try {
    const { tools } = await server.client.listTools();
    const listed = await server.client.callTool({ name: 'list_bookings', arguments: {} });
    expect(listed.isError, JSON.stringify(listed.content)).toBeFalsy();
    expect(server.errors).toEqual([]);
    return tools.map((t) => t.name);
  } finally {
    await server.close();
  }
}

/**
 * `<command> <args> demo` as a user runs it, without a keychain: a fresh HOME (the demo's throwaway folder goes in it)
 * and no D-Bus session. The demo's own test (test/integration/cli/demo.test.ts) checks its every line; this checks it
 * booked.
 */
export async function runDemo(command: string, args: readonly string[], extraEnv: Record<string, string> = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-shipped-demo-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: home, XDG_DATA_HOME: path.join(home, 'xdg') };
  const result = await runProcess(command, [...args, 'demo'], {
    env: { ...env, ...extraEnv },
  });
  return { ...result, home };
}

/** What a demo that booked prints: all five providers booked, the structured result booked, the e-mail sent. */
export function expectDemoBooked({ code, stdout, stderr }: CliResult): void {
  expect(stderr).toBe('');
  expect(code).toBe(0);
  for (const id of ['zoom', 'calendly', 'google', 'zoho', 'microsoft'])
    expect(stdout).toMatch(new RegExp(`progress \\d/5  ${id}: booked`));
  const structured = /structuredContent:\n([\s\S]*?)\n\n4\./.exec(stdout)?.[1];
  expect(JSON.parse(structured ?? '{}')).toMatchObject({
    status: 'booked',
    email: { status: 'sent', to: 'ada@example.com' },
  });
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
