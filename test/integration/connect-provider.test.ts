// connect_provider through a real MCP Client: every provider's state and the command that connects it, never a secret.
import { beforeEach, describe, expect, it } from 'vitest';
import { useHarness, type Harness } from '../support/harness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

interface Output {
  providers: Array<{ id: string; name: string; state: string; account?: string; next_step?: string; credentials?: string }>;
}

async function call(args: Record<string, unknown> = {}) {
  const result = await h.client.callTool({ name: 'connect_provider', arguments: args });
  return { result, output: result.structuredContent as Output, text: (result.content as Array<{ text: string }>)[0]?.text ?? '' };
}

describe('connect_provider', () => {
  it('is listed as a read-only tool that never asks for secrets', async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === 'connect_provider');
    expect(tool?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(tool?.description).toMatch(/do not ask the user to paste a secret/);
    expect(tool?.outputSchema?.properties).toHaveProperty('providers');
  });

  it('shows who is connected and gives the command and credentials for the rest', async () => {
    await h.connectZoom();
    const { result, output, text } = await call();
    expect(result.isError).toBeFalsy();
    expect(output.providers.map((p) => p.id)).toEqual(h.registry.map((c) => c.id));
    expect(output.providers.find((p) => p.id === 'zoom')).toEqual({
      id: 'zoom',
      name: 'Zoom',
      state: 'connected',
      account: 'owner@acme.test',
      scopes: h.zoom.state.scope.split(' '),
      token_expires_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(output.providers.find((p) => p.id === 'resend')).toMatchObject({
      state: 'not_connected',
      next_step: 'npx alsatalk-mcp connect resend',
      credentials: expect.stringContaining('API key'),
    });
    expect(text).toContain('Zoom: connected as owner@acme.test');
    expect(text).toContain('Resend: not connected → the user runs `npx alsatalk-mcp connect resend`');
    expect(JSON.stringify(result)).not.toContain(h.zoom.state.clientSecret);
  });

  it('narrows to one provider', async () => {
    const { output } = await call({ provider: 'resend' });
    expect(output.providers.map((p) => p.id)).toEqual(['resend']);
  });

  it('refuses an unknown provider, naming the choices', async () => {
    const { result, text } = await call({ provider: 'teams' });
    expect(result.isError).toBe(true);
    expect(text).toMatch(/provider/);
  });
});
