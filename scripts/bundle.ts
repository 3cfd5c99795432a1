// `npm run bundle`: the .mcpb bundle for Claude Desktop, for this platform, CPU and Node major (the native modules in
// node_modules were built for them), written to .bundle/alsatalk-mcp-<version>-<platform>-<arch>.mcpb.
// Run after `npm run build`; `--out <folder>` writes elsewhere.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBundle } from './bundle/build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(root, '.bundle') } } });
const bundle = await buildBundle({ root, outDir: path.resolve(values.out ?? '.bundle') });
const runtimes = (bundle.manifest.compatibility as { runtimes: { node: string } }).runtimes;
process.stdout.write(
  `${bundle.file}\n  ${bundle.packages.length} packages in node_modules; runs on ${process.platform}-${process.arch}, Node ${runtimes.node}\n`,
);
