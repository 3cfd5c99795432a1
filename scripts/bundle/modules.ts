// The production node_modules a bundle ships: the packages esbuild leaves out of dist/ (its `external` list in
// scripts/build.mjs) and everything they load, copied from the installed node_modules, whose native modules
// were built for this platform, this CPU and the running Node's ABI (npm ci, or npm rebuild on another Node).
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;

/** The packages the build leaves to node_modules: the `external` list of scripts/build.mjs. */
export function buildExternals(root: string): string[] {
  const build = readFileSync(path.join(root, 'scripts', 'build.mjs'), 'utf8');
  const list = /^\s*external: \[([^\]]*)\]/m.exec(build)?.[1] ?? '';
  const externals = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
  if (externals.length === 0) throw new Error(`scripts/build.mjs names no external package: nothing to ship?`);
  return externals;
}

/** Where Node finds `name` from a package in `from`: its own node_modules, then each parent's, up to `root`. */
function resolvePackage(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.relative(root, dir) === '' || !dir.startsWith(root)) return undefined;
  }
}

export interface ShippedPackage {
  name: string;
  version: string;
  /** Its folder, relative to the project root (node_modules/...). */
  location: string;
}

/**
 * `externals` and every package they depend on, as installed under `root`. A missing optional dependency is another
 * platform's build (@napi-rs/keyring's per-platform packages) and is skipped; a missing required one is an error.
 */
export function productionClosure(root: string, externals: readonly string[]): ShippedPackage[] {
  const found = new Map<string, ShippedPackage>();
  const visit = (from: string, name: string, optional: boolean, by: string): void => {
    const dir = resolvePackage(root, from, name);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} (needed by ${by}) is not installed under ${root}: run \`npm ci\` first`);
    }
    const location = path.relative(root, dir);
    if (found.has(location)) return;
    const pkg = readPackage(dir);
    found.set(location, { name: pkg.name, version: pkg.version, location });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dir, dep, false, pkg.name);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dir, dep, true, pkg.name);
  };
  for (const name of externals) visit(root, name, false, 'the build (--external)');
  return [...found.values()].sort((a, b) => a.location.localeCompare(b.location));
}

/**
 * What a package needs at run time, per package: better-sqlite3's build folder holds the compiler's leftovers (object
 * files, the static SQLite library, a test extension; about 17 MB) beside the one addon `bindings` loads, and its
 * deps/ and src/ are the sources that addon was compiled from.
 */
const runtimeOnly: Record<string, (relative: string) => boolean> = {
  'better-sqlite3': (relative) =>
    !/^(deps|src)(\/|$)/.test(relative) &&
    (!relative.startsWith('build') ||
      ['build', 'build/Release', 'build/Release/better_sqlite3.node'].includes(relative)),
};

/** Copies each package's folder (without its nested node_modules, which are packages of their own) into `stage`. */
export function copyPackages(root: string, stage: string, packages: readonly ShippedPackage[]): void {
  for (const pkg of packages) {
    const source = path.join(root, pkg.location);
    const keep = runtimeOnly[pkg.name] ?? (() => true);
    cpSync(source, path.join(stage, pkg.location), {
      recursive: true,
      filter: (file) => {
        const relative = path.relative(source, file).split(path.sep).join('/');
        return relative === '' || (!/(^|\/)node_modules(\/|$)/.test(relative) && keep(relative));
      },
    });
  }
}
