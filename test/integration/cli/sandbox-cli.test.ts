// `npx alsatalk-mcp sandbox` as a user runs it: the environment it prints is enough for connect and the server.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertBuilt, binPath, runCli } from '../../support/cli.js';
import { startStdioServer } from '../../support/stdio-server.js';

let home = '';
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('npx alsatalk-mcp sandbox', () => {
  it('prints an environment with which connect, status and the MCP server work, and stops cleanly on Ctrl-C', async () => {
    assertBuilt();
    home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-sandbox-cli-'));
    const child = spawn(process.execPath, [binPath, 'sandbox', '--port', '0', '--outbox', path.join(home, 'outbox')], {
      env: { PATH: process.env.PATH ?? '', HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => stdout.includes('Ctrl-C stops it') && resolve());
      child.on('close', () => reject(new Error(`sandbox exited early: ${stdout}`)));
    });

    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home };
    for (const [, name, value] of stdout.matchAll(/^export (\w+)='([^']*)'$/gm)) env[name as string] = value as string;
    expect(env.ALSATALK_SECRET_STORE).toBe('sandbox');
    expect(env.ALSATALK_HOME).toMatch(/alsatalk-sandbox-home-/);
    env.ALSATALK_HOME = path.join(home, 'data');

    const key = /printf '%s' '([^']+)' \| npx alsatalk-mcp connect resend/.exec(stdout)?.[1] ?? '';
    const connected = await runCli(
      ['connect', 'resend', '--api-key-stdin', '--from', 'Acme Scheduling <meet@acme.test>'],
      env,
      key,
    );
    expect(connected.stderr).toBe('');
    expect(connected.stdout).toContain('Connected Resend as Acme Scheduling <meet@acme.test>.');
    expect(connected.stdout).toContain('Secrets are in the sandbox secret store');
    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(/resend\s+connected/i);

    const server = await startStdioServer(env);
    try {
      const result = await server.client.callTool({ name: 'connect_provider', arguments: {} });
      expect(JSON.stringify(result.structuredContent)).toContain('Acme Scheduling <meet@acme.test>');
    } finally {
      await server.close();
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('removes its default outbox and throwaway data folder when it stops, unless --keep', async () => {
    assertBuilt();
    home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-sandbox-cli-'));
    for (const keep of [false, true]) {
      const child = spawn(process.execPath, [binPath, 'sandbox', '--port', '0', ...(keep ? ['--keep'] : [])], {
        env: { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: home },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', () => stdout.includes('Ctrl-C stops it') && resolve()),
      );
      const outbox = /E-mails are written to (\S+)\./.exec(stdout)?.[1] ?? '';
      const data = /export ALSATALK_HOME='([^']+)'/.exec(stdout)?.[1] ?? '';
      mkdirSync(data, { recursive: true }); // what connect makes there
      expect(existsSync(outbox)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect([existsSync(outbox), existsSync(data)]).toEqual([keep, keep]);
    }
  });

  it('names a port that is already taken, and the flag that picks another', async () => {
    assertBuilt();
    home = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-sandbox-cli-'));
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await runCli(['sandbox', '--port', String(port), '--outbox', path.join(home, 'outbox')], {
        PATH: process.env.PATH ?? '',
        HOME: home,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`--port: 127.0.0.1:${port} is already in use`);
      expect(result.stderr).toContain('--port 0 for any free port');
    } finally {
      taken.close();
    }
  });
});
