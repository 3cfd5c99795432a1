// Builds the .mcpb bundle from the built project: stages manifest.json, the icon, bin/, dist/, package.json, LICENSE
// and the production node_modules in one folder, validates the manifest with mcpb, and packs the folder with mcpb.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packExtension, validateManifest } from '@anthropic-ai/mcpb';
import { bundleManifest, currentRuntime, type Runtime } from './manifest.js';
import { buildExternals, copyPackages, productionClosure, type ShippedPackage } from './modules.js';

export interface BundleOptions {
  /** The project root: package.json, bin/, dist/ (built), node_modules/ (installed). */
  root: string;
  /** Where the .mcpb and its staging folder go. */
  outDir: string;
  /** Says where the native modules in node_modules were built; the bundle runs only there. */
  runtime?: Runtime;
}

export interface Bundle {
  /** The .mcpb file. */
  file: string;
  /** The folder it was packed from (the same tree the .mcpb unpacks to). */
  stageDir: string;
  manifest: Record<string, unknown>;
  packages: ShippedPackage[];
}

interface ProjectPackage {
  name: string;
  version: string;
  description: string;
  license: string;
  type: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
}

export async function buildBundle({ root, outDir, runtime = currentRuntime() }: BundleOptions): Promise<Bundle> {
  if (!existsSync(path.join(root, 'dist', 'cli.js'))) {
    throw new Error(`${path.join(root, 'dist', 'cli.js')} is missing: run \`npm run build\` first`);
  }
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as ProjectPackage;
  const stageDir = path.join(outDir, `stage-${runtime.platform}-${runtime.arch}`);
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });

  const manifest = bundleManifest(root, runtime);
  writeFileSync(path.join(stageDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(path.join(root, 'assets', 'icon.png'), path.join(stageDir, String(manifest.icon)));
  copyFileSync(path.join(root, 'LICENSE'), path.join(stageDir, 'LICENSE'));
  cpSync(path.join(root, 'bin'), path.join(stageDir, 'bin'), { recursive: true });
  cpSync(path.join(root, 'dist'), path.join(stageDir, 'dist'), { recursive: true });

  const externals = buildExternals(root);
  const packages = productionClosure(root, externals);
  copyPackages(root, stageDir, packages);
  // dist/ reads its version from here, and "type": "module" makes bin/ an ES module. The dependencies are what the
  // bundle's node_modules holds: the packages esbuild left out of dist/.
  const shipped = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: pkg.type,
    bin: pkg.bin,
    engines: pkg.engines,
    dependencies: Object.fromEntries(externals.map((name) => [name, pkg.dependencies[name] ?? '*'])),
  };
  writeFileSync(path.join(stageDir, 'package.json'), `${JSON.stringify(shipped, null, 2)}\n`);

  if (!validateManifest(path.join(stageDir, 'manifest.json'))) {
    throw new Error(`mcpb validate refused ${path.join(stageDir, 'manifest.json')} (its reasons are printed above)`);
  }
  const file = path.join(outDir, `${pkg.name}-${pkg.version}-${runtime.platform}-${runtime.arch}.mcpb`);
  rmSync(file, { force: true });
  if (!(await packExtension({ extensionPath: stageDir, outputPath: file, silent: true }))) {
    throw new Error(`mcpb pack could not pack ${stageDir}`);
  }
  return { file, stageDir, manifest, packages };
}
