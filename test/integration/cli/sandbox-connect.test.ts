// Every way of connecting the README shows, tried on the sandbox as a newcomer would: the built binary, the sandbox's
// environment, and the test values the sandbox prints (tokens, a Server-to-Server app, refresh tokens, a grant code).
import { beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { runCli } from '../../support/cli.js';
import { runWithSignIn, useSandboxCli } from '../../support/sandbox-cli.js';

const world = useSandboxCli('alsatalk-sandbox-connect-');
let sandbox: Sandbox;
let env: Record<string, string>;
beforeEach(() => {
  ({ sandbox, env } = world());
});

/** A printed command's words after `npx alsatalk-mcp`, double-quoted words kept whole. */
const words = (command: string): string[] =>
  [...(command.split('npx alsatalk-mcp ')[1] ?? '').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');

/** What the command pipes in: the printf's value, or what its curl would fetch from the sandbox. */
async function piped(command: string): Promise<string> {
  const printf = /^printf '%s' '([^']*)' \|/.exec(command);
  if (printf) return printf[1] ?? '';
  const curl = /^curl -s -X POST (\S+) \|/.exec(command);
  if (!curl?.[1]) throw new Error(`unexpected command: ${command}`);
  return (await fetch(curl[1], { method: 'POST' })).text();
}

describe('the sandbox: every non-interactive connect command of the README, with the test values it prints', () => {
  it('offers one for each provider, and each connects', async () => {
    const ways = sandbox.otherWays();
    expect(ways.map((w) => `${w.provider}: ${w.way}`)).toEqual([
      'zoom: Server-to-Server OAuth app',
      'calendly: Personal Access Token',
      'google: a refresh token you already have',
      "zoho: a Self Client's grant code (single-use: each curl makes a new one)",
      'zoho: a refresh token you already have',
      'microsoft: a refresh token you already have',
    ]);
    for (const { provider, command } of ways) {
      const result = await runCli(words(command), env, await piped(command));
      expect(result.stderr, command).toBe('');
      expect(result.code, command).toBe(0);
      expect(result.stdout, command).toMatch(/^Connected .+ as /m);
      expect((await runCli(['status', '--json'], env)).stdout).toContain(`"${provider}"`);
    }
  });

  it('lists them at /__sandbox too, and a grant code minted there works once', async () => {
    const listed = (await (await fetch(`${sandbox.origin}/__sandbox`)).json()) as { other_ways_to_connect: unknown[] };
    expect(listed.other_ways_to_connect).toEqual(sandbox.otherWays());
    const code = await (await fetch(`${sandbox.origin}/__sandbox/zoho/grant-code`, { method: 'POST' })).text();
    const args = ['connect', 'zoho', '--grant-code-stdin', '--service', 'Intro call', '--staff', 'Ann Smith'];
    expect((await runCli(args, env, code)).code).toBe(0);
    const again = await runCli(args, env, code);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/grant code/i);
  });

  it("Calendly's Personal Access Token is taken although the sandbox set an OAuth app's client id, and says so", async () => {
    expect(env.ALSATALK_CALENDLY_CLIENT_ID).toBeTruthy();
    const result = await runCli(['connect', 'calendly', '--token-stdin'], env, sandbox.fakes.calendly.state.token);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      'Note: ALSATALK_CALENDLY_CLIENT_ID is set but not used: --token-stdin (Personal Access Token) was given instead.',
    );
    expect(result.stdout).toMatch(/^Connected Calendly as /m);
    // Both on the command line still contradict each other, and the refusal names the flag typed.
    const both = await runCli(
      ['connect', 'calendly', '--token-stdin', '--client-id', 'cal-client-8f3a2b1c'],
      env,
      sandbox.fakes.calendly.state.token,
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--client-id: a Personal Access Token and a sign-in exclude each other');
  });
});

describe('the sandbox: signing in without a browser', () => {
  it('--no-browser says it was asked, forwards both ports over SSH, and the printed curl line finishes the sign-in', async () => {
    const result = await runWithSignIn(['connect', 'google', '--no-browser'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('As asked (--no-browser), no browser was opened. Open this URL in a browser');
    expect(result.stdout).not.toContain('No browser could be opened');
    const callback = /redirect to http:\/\/127\.0\.0\.1:(\d+)\/callback/.exec(result.stdout)?.[1];
    const page = new URL(sandbox.origin).port;
    expect(result.stdout).toContain(`ssh -L ${callback}:127.0.0.1:${callback} -L ${page}:127.0.0.1:${page} `);
    expect(result.stdout).toMatch(/^Connected Google Calendar as /m);
  });

  it('Google can be connected again after disconnect revoked its grant', async () => {
    expect((await runWithSignIn(['connect', 'google', '--no-browser'], env)).code).toBe(0);
    expect((await runCli(['disconnect', 'google'], env)).stdout).toContain('Revoked');
    const again = await runWithSignIn(['connect', 'google', '--no-browser'], env);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/^Connected Google Calendar as /m);
    expect(again.code).toBe(0);
  });
});
