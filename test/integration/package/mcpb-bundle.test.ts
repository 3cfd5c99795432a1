// The .mcpb bundle as Claude Desktop gets it: built by the same code as `npm run bundle`, validated and unpacked by
// mcpb, then run from the unpacked folder with this Node and the command and environment mcpb's own substitution
// derives from the manifest (nothing of the checkout's node_modules in reach).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getMcpConfigForManifest, unpackExtension, v0_3, validateManifest } from '@anthropic-ai/mcpb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type Bundle } from '../../../scripts/bundle/build.js';
import { assertBuilt } from '../../support/cli.js';
import {
  assertIsolated,
  expectDemoBooked,
  listToolsFrom,
  readJson,
  runDemo,
  toolNames,
} from '../../support/installed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = readJson<{ version: string }>(path.join(root, 'package.json'));
let work: string;
let bundle: Bundle;
let unpacked: string;
let manifest: ReturnType<typeof v0_3.McpbManifestSchema.parse>;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-mcpb-'));
  bundle = await buildBundle({ root, outDir: path.join(work, 'out') });
  unpacked = path.join(work, 'unpacked');
  expect(await unpackExtension({ mcpbPath: bundle.file, outputDir: unpacked, silent: true })).toBe(true);
  manifest = v0_3.McpbManifestSchema.parse(readJson(path.join(unpacked, 'manifest.json')));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the .mcpb bundle', () => {
  it('is named for its version, platform and CPU, and its manifest passes mcpb validate', () => {
    expect(path.basename(bundle.file)).toBe(`alsatalk-mcp-${pkg.version}-${process.platform}-${process.arch}.mcpb`);
    expect(validateManifest(path.join(unpacked, 'manifest.json'))).toBe(true);
    expect(manifest.version).toBe(pkg.version);
    // better-sqlite3 was compiled for this Node's ABI: the bundle claims this platform and this major only.
    const major = Number(process.versions.node.split('.')[0]);
    expect(manifest.compatibility?.platforms).toEqual([process.platform]);
    expect(manifest.compatibility?.runtimes?.node).toBe(
      major === 20 ? '>=20.19.0 <21' : `>=${major}.0.0 <${major + 1}`,
    );
    expect(readdirSync(unpacked).sort()).toEqual([
      'LICENSE',
      'bin',
      'dist',
      'icon.png',
      'manifest.json',
      'node_modules',
      'package.json',
    ]);
    const shipped = bundle.packages.map((p) => p.name);
    expect(shipped).toEqual(expect.arrayContaining(['better-sqlite3', '@napi-rs/keyring', '@touch4it/ical-timezones']));
    expect(shipped.some((name) => name.startsWith(`@napi-rs/keyring-${process.platform}-${process.arch}`))).toBe(true);
  });

  it('serves the six tools over stdio from the unpacked folder, with the command and environment the manifest gives', async () => {
    assertIsolated(unpacked);
    const home = path.join(work, 'data');
    // What a host does with the manifest: the data folder chosen, the time zone left empty (its default).
    const config = await getMcpConfigForManifest({
      manifest,
      extensionPath: unpacked,
      systemDirs: { HOME: work, DESKTOP: work, DOCUMENTS: work, DOWNLOADS: work },
      userConfig: { data_folder: home },
      pathSeparator: path.sep,
    });
    expect(config).toEqual({
      command: 'node',
      args: [path.join(unpacked, 'bin', 'alsatalk-mcp.js')],
      env: { ALSATALK_DEFAULT_TIMEZONE: '', ALSATALK_HOME: home },
    });
    const listed = await listToolsFrom(config?.args?.[0] ?? '', config?.env ?? {});
    expect(listed).toEqual([...toolNames]);
    // The manifest lists exactly the tools the server serves, so neither can drift from the other.
    expect(manifest.tools?.map((t) => t.name).sort()).toEqual([...listed].sort());
    expect(readdirSync(home)).toContain('alsatalk.db');
  }, 60_000);

  it('runs `alsatalk-mcp demo` from the unpacked folder, and it books', async () => {
    const result = await runDemo(process.execPath, [path.join(unpacked, 'bin', 'alsatalk-mcp.js')]);
    try {
      expectDemoBooked(result);
    } finally {
      rmSync(result.home, { recursive: true, force: true });
    }
  }, 120_000);
});
