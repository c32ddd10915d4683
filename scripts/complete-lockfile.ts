// Run after changing dependencies: `npm install && npm run lockfile`.
//
// Why: the npm registry this project's machines reach serves only the Linux builds of packages that
// ship one binary package per platform (esbuild, swc, Biome, …); the others answer 404. npm then
// writes a lockfile without them, and `npm ci` refuses that lockfile as "out of sync". This adds an
// entry for each optional dependency the lockfile lacks — name, version, `optional` — so `npm ci`
// accepts it; on a machine of another platform npm fetches that package by name and version as usual.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './services.ts';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
}

/** Optional dependencies of locked packages that have no entry anywhere npm would look for them. */
export function missingOptionalDependencies(packages: Record<string, LockEntry>) {
  const missing = new Map<string, LockEntry>();
  for (const [path, entry] of Object.entries(packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = path ? `${path}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[nested] || packages[`node_modules/${name}`]) continue;
      missing.set(`node_modules/${name}`, {
        version: spec.replace(/^[\^~=v]/, ''),
        ...(entry.dev ? { dev: true } : {}),
        optional: true,
      });
    }
  }
  return missing;
}

if (import.meta.main) {
  const file = join(repoRoot, 'package-lock.json');
  const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
  const missing = missingOptionalDependencies(lock.packages);
  for (const [path, entry] of missing) lock.packages[path] = entry;
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`package-lock.json: added ${missing.size} optional platform entries npm ci needs`);
}
