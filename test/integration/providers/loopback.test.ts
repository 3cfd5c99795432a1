// The loopback callback server over real HTTP on 127.0.0.1: what the browser shows, what the terminal gets, and that it goes away.
import { connect, createServer as createTcpServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLoopback, type Loopback, type LoopbackOptions } from '../../../src/auth/loopback.js';
import { createState } from '../../../src/auth/pkce.js';

const command = 'npx alsatalk-mcp connect google';
let started: Loopback[] = [];
let occupied: Server[] = [];

afterEach(async () => {
  await Promise.all(started.map((loopback) => loopback.close()));
  await Promise.all(occupied.map((server) => new Promise((resolve) => server.close(resolve))));
  started = [];
  occupied = [];
});

async function start(options: Partial<LoopbackOptions> = {}): Promise<{ loopback: Loopback; state: string }> {
  const state = options.state ?? createState();
  const loopback = await startLoopback({ command, ...options, state });
  started.push(loopback);
  return { loopback, state };
}

/** What the browser would show for `url`. */
async function visit(url: string, init: RequestInit = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function callback(loopback: Loopback, params: Record<string, string>): string {
  return `${loopback.redirectUri}?${new URLSearchParams(params)}`;
}

/** Whether a TCP connection to host:port is accepted. */
function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const listeningHandles = (): number =>
  process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;

async function expectClosed(loopback: Loopback): Promise<void> {
  await expect(fetch(loopback.redirectUri)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  expect(await canConnect('127.0.0.1', loopback.address.port)).toBe(false);
}

describe('startLoopback', () => {
  it('listens on 127.0.0.1 only, at /callback on a free port by default', async () => {
    const { loopback } = await start();
    expect(loopback.address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(loopback.address.port).toBeGreaterThan(0);
    expect(loopback.redirectUri).toBe(`http://127.0.0.1:${loopback.address.port}/callback`);

    expect(await canConnect('127.0.0.1', loopback.address.port)).toBe(true);
    expect(await canConnect('::1', loopback.address.port)).toBe(false);
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((info) => info !== undefined && !info.internal)
      .map((info) => info?.address ?? '');
    for (const address of external)
      expect(await canConnect(address, loopback.address.port), `reachable on ${address}`).toBe(false);
  });

  it('hands back the code and every callback parameter, shows a success page, then shuts down', async () => {
    const { loopback, state } = await start();
    const answer = loopback.waitForCode();

    const page = await visit(
      callback(loopback, {
        code: 'auth-code-123',
        state,
        location: 'eu',
        'accounts-server': 'https://accounts.zoho.eu',
      }),
    );
    expect(page.status).toBe(200);
    expect(page.text).toContain('You can close this tab and return to the terminal');
    expect(page.text).not.toContain('auth-code-123');

    const { code, params } = await answer;
    expect(code).toBe('auth-code-123');
    expect(params.get('location')).toBe('eu');
    expect(params.get('accounts-server')).toBe('https://accounts.zoho.eu');
    expect(params.get('state')).toBe(state);

    await expectClosed(loopback);
    // No listening handle is left to keep the process alive (the worker itself listens on nothing).
    await vi.waitFor(() => expect(listeningHandles()).toBe(0));
  });

  it('ignores a callback with a wrong or missing state, and still accepts the right one', async () => {
    const { loopback, state } = await start();
    const answer = loopback.waitForCode();

    const forged = await visit(callback(loopback, { code: 'attacker-code', state: createState() }));
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('does not belong to the sign-in the terminal is waiting for');
    expect(forged.text).not.toContain('attacker-code');
    expect((await visit(callback(loopback, { code: 'attacker-code' }))).status).toBe(400);
    // A forged denial cannot end the flow either.
    expect((await visit(callback(loopback, { error: 'access_denied', state: 'x'.repeat(43) }))).status).toBe(400);

    const page = await visit(callback(loopback, { code: 'real-code', state }));
    expect(page.status).toBe(200);
    expect((await answer).code).toBe('real-code');
  });

  it('treats a denied consent as the end of the flow, with the fix in the hint', async () => {
    const { loopback, state } = await start();
    const answer = loopback.waitForCode();

    const page = await visit(
      callback(loopback, { error: 'access_denied', error_description: 'The user denied access', state }),
    );
    expect(page.status).toBe(400);
    expect(page.text).toContain('Sign-in cancelled');
    expect(page.text).toContain('The provider said: The user denied access');

    const error = await answer.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toMatchObject({
      name: 'AppError',
      code: 'auth_failed',
      message: expect.stringMatching(/consent was denied/i),
      hint: `run \`${command}\` again and approve the requested access`,
    });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(state);
    await expectClosed(loopback);
  });

  it('reports any other provider refusal with its error code and the redirect URI to check', async () => {
    const { loopback, state } = await start();
    const answer = loopback.waitForCode();
    expect((await visit(callback(loopback, { error: 'invalid_scope', state }))).text).toContain(
      'The provider refused the sign-in: invalid_scope.',
    );
    await expect(answer).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('"invalid_scope"'),
      hint: expect.stringContaining(loopback.redirectUri),
    });
  });

  it('escapes what it echoes, so a crafted error_description cannot inject HTML', async () => {
    const { loopback, state } = await start();
    loopback.waitForCode().catch(() => undefined);
    const page = await visit(
      callback(loopback, {
        error: 'access_denied',
        error_description: '<script>alert(1)</script><img src=x onerror="alert(2)">',
        state,
      }),
    );
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers 404 elsewhere and 405 for other methods, and keeps waiting', async () => {
    const { loopback, state } = await start();
    const answer = loopback.waitForCode();
    const origin = `http://127.0.0.1:${loopback.address.port}`;
    expect((await visit(`${origin}/`)).status).toBe(404);
    expect((await visit(`${origin}/favicon.ico`)).status).toBe(404);
    expect((await visit(`${origin}/callback/extra?code=c&state=${state}`)).status).toBe(404);
    expect((await visit(callback(loopback, { code: 'c', state }), { method: 'POST' })).status).toBe(405);

    expect((await visit(callback(loopback, { code: 'c', state }))).status).toBe(200);
    expect((await answer).code).toBe('c');
  });

  it('gives up after timeoutMs, says to run the command again, and shuts down', async () => {
    const { loopback, state } = await start({ timeoutMs: 200 });
    const startedAt = Date.now();
    const error = await loopback.waitForCode().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(error).toMatchObject({
      code: 'timeout',
      message: expect.stringContaining('200 ms'),
      hint: expect.stringContaining(`run \`${command}\` again`),
    });
    expect(`${(error as Error).message} ${(error as { hint: string }).hint}`).not.toContain(state);
    await expectClosed(loopback);
  });

  it('refuses a port that is already in use, naming it and the way out', async () => {
    const blocker = createTcpServer();
    occupied.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;

    const attempt = startLoopback({ state: createState(), port, command });
    await expect(attempt).rejects.toMatchObject({
      name: 'AppError',
      message: expect.stringContaining(`Port ${port} on 127.0.0.1 is already in use`),
      hint: expect.stringMatching(/free port \d+.*--port/),
    });
    expect(await canConnect('127.0.0.1', port)).toBe(true);
  });

  it('uses the port and path it is given', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));

    const { loopback, state } = await start({ port, path: '/oauth/zoho' });
    expect(loopback.redirectUri).toBe(`http://127.0.0.1:${port}/oauth/zoho`);
    const answer = loopback.waitForCode();
    expect((await visit(`http://127.0.0.1:${port}/callback?code=c&state=${state}`)).status).toBe(404);
    expect((await visit(callback(loopback, { code: 'zoho-code', state }))).status).toBe(200);
    expect((await answer).code).toBe('zoho-code');
  });

  it('closes idle connections too (a browser preconnect), so nothing holds the process open', async () => {
    const { loopback, state } = await start();
    const idle = connect({ host: '127.0.0.1', port: loopback.address.port });
    await new Promise((resolve) => idle.once('connect', resolve));
    const idleClosed = new Promise((resolve) => idle.once('close', resolve));

    await visit(callback(loopback, { code: 'c', state }));
    expect((await loopback.waitForCode()).code).toBe('c');
    await idleClosed;
  });

  it('stops on close(), rejecting a pending wait without hanging', async () => {
    const { loopback } = await start();
    const answer = loopback.waitForCode();
    await loopback.close();
    await expect(answer).rejects.toMatchObject({
      code: 'auth_failed',
      message: expect.stringContaining('stopped before the browser answered'),
    });
    await loopback.close();
    await expectClosed(loopback);
  });

  it('refuses options that would weaken the flow', async () => {
    await expect(startLoopback({ state: '' })).rejects.toMatchObject({ field: 'state' });
    await expect(startLoopback({ state: createState(), port: 70_000 })).rejects.toMatchObject({ field: '--port' });
    await expect(startLoopback({ state: createState(), path: 'callback' })).rejects.toMatchObject({ field: 'path' });
  });
});
