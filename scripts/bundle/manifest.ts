// The bundle's manifest.json: mcpb/manifest.json (what the project says about itself) plus what only the build knows:
// the version, and the platform and Node major whose native modules the bundle carries.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Runtime {
  platform: NodeJS.Platform;
  arch: string;
  /** The running Node's version, without the "v" (process.versions.node). */
  node: string;
}

export const currentRuntime = (): Runtime => ({
  platform: process.platform,
  arch: process.arch,
  node: process.versions.node,
});

/**
 * The Node range the bundle runs on: the major it was built with (better-sqlite3's addon is compiled for that major's
 * ABI and no other), from package.json's engines floor when that falls in the same major.
 */
export function nodeRange(engines: string, node: string): string {
  const major = Number(node.split('.')[0]);
  const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
  if (!floor) throw new Error(`package.json's engines.node must be a ">=x.y" floor, got "${engines}"`);
  const [floorMajor, floorMinor, floorPatch] = [Number(floor[1]), Number(floor[2] ?? 0), Number(floor[3] ?? 0)];
  if (major < floorMajor) throw new Error(`Node ${node} is below the project's engines.node (${engines})`);
  const from = major === floorMajor ? `${floorMajor}.${floorMinor}.${floorPatch}` : `${major}.0.0`;
  return `>=${from} <${major + 1}`;
}

interface ProjectPackage {
  version: string;
  engines: { node: string };
}

/** The manifest for a bundle built under `runtime`, from the template in `root`/mcpb/manifest.json. */
export function bundleManifest(root: string, runtime: Runtime): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as ProjectPackage;
  const template = JSON.parse(readFileSync(path.join(root, 'mcpb', 'manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return {
    ...template,
    version: pkg.version,
    compatibility: {
      // The spec names platforms, not CPUs: the architecture is in the bundle's file name.
      platforms: [runtime.platform],
      runtimes: { node: nodeRange(pkg.engines.node, runtime.node) },
    },
  };
}
