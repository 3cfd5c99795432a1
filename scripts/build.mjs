// Builds dist/ from src/cli.ts: one ESM bundle, split so that the serve path loads only what answers `initialize` and
// `tools/list` (the rest is imported on first use), minified; the native modules stay outside. Two substitutions keep
// code the server never runs out of the bundle, since every byte loaded at start is parsed at every start (npm run bench):
// - the MCP SDK's runtime shims (src/sdk-shims.ts): its @cfworker/json-schema validator instead of Ajv;
// - zod's unused parts (below): its locales but English (the server's messages are its own), its compiler, fromJSONSchema.
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

/**
 * zod re-exports, and so bundles, parts the server never calls: 50 locales besides its default English one, the
 * ahead-of-time compiler (`z.compile`), and `z.fromJSONSchema`. Each is replaced by a module that keeps the names; the
 * two functions then throw, saying why. (The e2e tests run the built binary, so a use would show.)
 */
const unused = {
  '../locales/index.js': "export { default as en } from './en.js';",
  './compile.js': [
    "const absent = (name) => () => { throw new Error(`zod's ${name} is not in alsatalk-mcp's build (scripts/build.mjs)`); };",
    "export const INVALID = Symbol.for('zod.compile.invalid');",
    'export class ZodCompileAsyncError extends Error {}',
    'export class ZodCompileUnsupportedError extends Error {}',
    "export const compile = absent('compile');",
    "export const compileFn = absent('compileFn');",
    "export const withParser = absent('withParser');",
  ].join('\n'),
  './from-json-schema.js':
    'export const fromJSONSchema = () => { throw new Error("zod\'s fromJSONSchema is not in alsatalk-mcp\'s build (scripts/build.mjs)"); };',
};

const zodTrimmed = {
  name: 'zod-trimmed',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/(locales\/index|compile|from-json-schema)\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)
        ? { path: path.join(args.resolveDir, args.path), namespace: 'zod-trimmed', pluginData: args.path }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-trimmed' }, (args) => ({
      contents: unused[args.pluginData],
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

rmSync('dist', { recursive: true, force: true });
await esbuild.build({
  entryPoints: ['src/cli.ts'],
  bundle: true,
  splitting: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  outdir: 'dist',
  external: ['better-sqlite3', '@napi-rs/keyring', '@touch4it/ical-timezones'],
  alias: { '@modelcontextprotocol/server/_shims': './src/sdk-shims.ts' },
  plugins: [zodTrimmed],
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
