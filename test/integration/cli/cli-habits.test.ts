// What people expect of any command line, checked on the built binary against the sandbox: help per command, unknown
// options refused, a closed pipe is not an error, short refusals, empty input named as such, the remaining step after
// disconnect, a status whose columns line up and whose dates follow the account, and --verbose for every provider.
import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { binPath, runCli } from '../../support/cli.js';
import { runWithSignIn, useSandboxCli } from '../../support/sandbox-cli.js';

const world = useSandboxCli('alsatalk-cli-habits-');
let sandbox: Sandbox;
let env: Record<string, string>;
beforeEach(() => {
  ({ sandbox, env } = world());
});

const connectZoomS2S = () =>
  runCli(
    ['connect', 'zoom', '--account-id', 'acc_123', '--client-id', 'client_abc', '--client-secret-stdin'],
    env,
    sandbox.fakes.zoom.state.clientSecret,
  );

describe('help and options', () => {
  it.each([
    ['status', 'npx alsatalk-mcp status [--json]'],
    ['disconnect', 'npx alsatalk-mcp disconnect <provider>'],
    ['connect', 'npx alsatalk-mcp connect zoom:'],
    ['demo', 'npx alsatalk-mcp demo '],
    ['sandbox', 'npx alsatalk-mcp sandbox '],
  ])('%s --help prints that command’s help and does nothing else', async (command, first) => {
    for (const flag of ['--help', '-h']) {
      const result = await runCli([command, flag], env);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.startsWith(first)).toBe(true);
      expect(result.stdout).not.toContain('Data folder:');
    }
  });

  it('refuses an unknown option or a second provider instead of ignoring it', async () => {
    const status = await runCli(['status', '--jsn'], env);
    expect(status.code).toBe(1);
    expect(status.stderr).toBe("Error: arguments: Unknown option '--jsn'\n→ see: npx alsatalk-mcp status --help\n");
    expect(status.stdout).toBe('');
    const disconnect = await runCli(['disconnect', 'zoom', 'google'], env);
    expect(disconnect.code).toBe(1);
    expect(disconnect.stderr).toContain('one provider at a time, not zoom google');
  });

  it('connect with an unknown provider says so and lists the five, in two lines', async () => {
    const result = await runCli(['connect', 'zom'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: provider: "zom" is not a provider\n→ choose one of: zoom, calendly, google, zoho, microsoft, resend (how to connect each: npx alsatalk-mcp connect --help)\n',
    );
  });
});

describe('pipes and empty input', () => {
  it('a reader that closes early (status | head -1) is not an error', async () => {
    await connectZoomS2S();
    const child = spawn(process.execPath, [binPath, 'status'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('an empty stdin is named as such, with the command that pipes the value in', async () => {
    const result = await runCli(['connect', 'resend', '--api-key-stdin', '--from', 'A <a@acme.test>'], env, '');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Error: --api-key-stdin: stdin was empty: nothing was piped in for the API key\n→ pipe it in: printf '%s\\n' '<API key>' | npx alsatalk-mcp connect resend --api-key-stdin; or leave --api-key-stdin out to be asked\n",
    );
  });

  it('an empty answer at a prompt is refused at once, before the next question', async () => {
    // A terminal, as a person has: script(1) gives the command a pseudo-terminal, and Enter answers the first question.
    const command = `${process.execPath} ${binPath} connect zoom --account-id acc_123`;
    // Without the sandbox's public client id, the client id is the first question.
    const { ALSATALK_ZOOM_CLIENT_ID: _public, ...asked } = env;
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: asked, stdio: ['pipe', 'pipe', 'pipe'] });
    const stop = setTimeout(() => child.kill(), 15_000);
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('Zoom Client ID') && !child.stdin.writableEnded) child.stdin.end('\r');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(stop);
    expect(output).toContain('--client-id: the Client ID was left empty at the prompt');
    expect(output).not.toMatch(/Zoom Client secret/i);
    expect(code).toBe(1);
  });
});

describe('status and disconnect', () => {
  it('status lines its columns up', async () => {
    await connectZoomS2S();
    const { stdout } = await runCli(['status'], env);
    const rows = stdout.split('\n').filter((l) => /^(Zoom|Calendly|Google Calendar|Zoho Bookings|Resend) /.test(l));
    expect(rows).toHaveLength(5);
    const stateAt = rows.map((r) => /\s(connected|not connected)/.exec(r)?.index);
    expect(new Set(stateAt).size).toBe(1);
    expect(rows[0]).toMatch(/^Zoom {12}connected {5}as owner@acme\.test \(since /);
  });

  it('"since" and "last used" follow the account: kept when it connects again, reset for another', async () => {
    const since = async () =>
      (
        JSON.parse((await runCli(['status', '--json'], env)).stdout) as {
          connectors: Array<{ id: string; account?: string; connected_at?: string }>;
        }
      ).connectors.find((c) => c.id === 'zoom');
    await connectZoomS2S();
    const first = await since();
    await connectZoomS2S();
    expect(await since()).toMatchObject({ account: 'owner@acme.test', connected_at: first?.connected_at });
    expect((await runWithSignIn(['connect', 'zoom', '--no-browser'], env)).code).toBe(0);
    const other = await since();
    expect(other?.account).toBe('host@acme.test');
    expect(other?.connected_at).not.toBe(first?.connected_at);
  });

  it('disconnect zoom after a browser sign-in says where to remove the app, which Zoom cannot revoke', async () => {
    expect((await runWithSignIn(['connect', 'zoom', '--no-browser'], env)).code).toBe(0);
    const result = await runCli(['disconnect', 'zoom'], env);
    expect(result.stdout).toBe(
      'Zoom offers no revocation for a public client: remove the app under Manage → Added Apps on marketplace.zoom.us.\nDisconnected Zoom; its secrets were removed.\n',
    );
    // A Server-to-Server app is the account's own: nothing to remove there.
    await connectZoomS2S();
    expect((await runCli(['disconnect', 'zoom'], env)).stdout).toBe('Disconnected Zoom; its secrets were removed.\n');
  });
});

describe('connect --verbose', () => {
  it("traces Resend's calls (made by its SDK) like every other provider's, without a secret", async () => {
    const key = sandbox.fakes.resend.state.apiKey;
    const result = await runCli(
      ['connect', 'resend', '--api-key-stdin', '--from', 'Acme <meet@acme.test>', '--verbose'],
      env,
      key,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ {2}· → GET http:\/\/127\.0\.0\.1:\d+\/resend\/domains\n/);
    expect(result.stdout).toMatch(/ {2}· ← 200 GET http:\/\/127\.0\.0\.1:\d+\/resend\/domains \(\d+ ms\)\n/);
    expect(result.stdout).not.toContain(key);
  });
});
