// server.json, the MCP Registry's entry for this server, checked against package.json and, by hand, against the
// registry's server.json schema 2025-12-11 (https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json,
// from modelcontextprotocol/registry docs/reference/server-json): the schema is not fetched at test time.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string): unknown => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

interface EnvironmentVariable {
  name: string;
  description?: string;
  isRequired?: boolean;
  isSecret?: boolean;
  format?: string;
  default?: string;
  choices?: string[];
}
interface ServerJson {
  $schema: string;
  name: string;
  description: string;
  version: string;
  repository?: { url: string; source: string };
  packages: {
    registryType: string;
    identifier: string;
    version: string;
    transport: { type: string };
    environmentVariables: EnvironmentVariable[];
  }[];
}

const server = read('server.json') as ServerJson;
const pkg = read('package.json') as { name: string; version: string; mcpName: string; repository: { url: string } };
const config = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');

describe('server.json', () => {
  it('names the schema version and the server package.json publishes (mcpName), at package.json version', () => {
    expect(server.$schema).toBe('https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json');
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.packages).toEqual([
      expect.objectContaining({
        registryType: 'npm',
        identifier: pkg.name,
        version: pkg.version,
        transport: { type: 'stdio' },
      }),
    ]);
    expect(pkg.repository.url).toContain(server.repository?.url);
  });

  it("keeps to the schema's constraints", () => {
    // ServerDetail: name in reverse-DNS form with one slash, 3 to 200 characters; description 1 to 100; no version range.
    expect(server.name).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/);
    expect(server.name.length).toBeGreaterThanOrEqual(3);
    expect(server.name.length).toBeLessThanOrEqual(200);
    expect(server.description.length).toBeGreaterThanOrEqual(1);
    expect(server.description.length).toBeLessThanOrEqual(100);
    expect(server.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(server.repository).toEqual({ url: expect.stringMatching(/^https:\/\//), source: 'github' });
    // The registry checks an io.github.<owner>/ name against that GitHub owner.
    expect(server.name.split('/')[0]).toBe(`io.github.${new URL(server.repository?.url ?? '').pathname.split('/')[1]}`);
    const keys = ['name', 'description', 'isRequired', 'isSecret', 'format', 'default', 'choices', 'placeholder'];
    for (const variable of server.packages[0]?.environmentVariables ?? []) {
      expect(
        Object.keys(variable).every((key) => keys.includes(key)),
        variable.name,
      ).toBe(true);
      expect(variable.description, variable.name).toBeTruthy();
      expect(typeof variable.isRequired).toBe('boolean');
      expect(typeof variable.isSecret).toBe('boolean');
      if (variable.format) expect(['string', 'number', 'boolean', 'filepath']).toContain(variable.format);
      if (variable.default !== undefined && variable.choices) expect(variable.choices).toContain(variable.default);
    }
  });

  it('documents variables the configuration reads, none required, and only the file key as a secret', () => {
    const variables = server.packages[0]?.environmentVariables ?? [];
    for (const { name } of variables) expect(config, `${name} is not read by src/config.ts`).toContain(`${name}:`);
    expect(variables.filter((v) => v.isRequired)).toEqual([]);
    expect(variables.filter((v) => v.isSecret).map((v) => v.name)).toEqual(['ALSATALK_SECRET_FILE_KEY']);
    // The sandbox's variables are printed by `alsatalk-mcp sandbox` for itself, not set by a user.
    expect(variables.map((v) => v.name)).not.toContain('ALSATALK_SANDBOX_KEY');
  });
});
