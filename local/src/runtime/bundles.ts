// The functions' handlers bundled with esbuild for the local runtime's workers, as `npm run package`
// bundles them for Lambda (the same esbuild settings, less minifying), kept in .cache/local-bundles and
// rebuilt only when one of a bundle's own inputs changed. A worker importing one bundle file starts
// faster than one importing the handler's TypeScript and the hundreds of node_modules files behind it
// (jobs' createJob, module init in a fresh process on this 2-core machine under load: median CPU 300 ms
// bundled against 650 ms from source), and every suite of the integration tests cold-starts its own
// workers. Opt-in (LocalCloudOptions.bundleFunctions): the test harness uses it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { build, version as esbuildVersion, type Metafile } from 'esbuild';
import { workerSource } from './functions.ts';

/** What a bundle was built from: every input file reachable from its entry, with its mtime and size. */
interface BundleManifest {
  esbuild: string;
  inputs: [path: string, mtimeMs: number, size: number][];
}

/** Where `<repo>/<dir>/<name>.ts`'s bundle goes: under the repository, so `sharp` (external) resolves. */
function bundlePath(cacheDir: string, repoRoot: string, handlerFile: string): string {
  return join(cacheDir, relative(repoRoot, handlerFile)).replace(/\.(ts|mts|js|mjs)$/, '.mjs');
}

function isFresh(bundle: string, stats: Map<string, string>): boolean {
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(`${bundle}.json`, 'utf8')) as BundleManifest;
    statSync(bundle);
  } catch {
    return false;
  }
  if (manifest.esbuild !== esbuildVersion) return false;
  return manifest.inputs.every(([path, mtimeMs, size]) => {
    let known = stats.get(path);
    if (known === undefined) {
      try {
        const stat = statSync(path);
        known = `${stat.mtimeMs}:${stat.size}`;
      } catch {
        known = 'missing';
      }
      stats.set(path, known);
    }
    return known === `${mtimeMs}:${size}`;
  });
}

/** The files an entry's bundle is made of: its imports' closure in esbuild's metafile. */
function inputsOf(entry: string, metafile: Metafile): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path) || !metafile.inputs[path]) continue;
    seen.add(path);
    for (const imported of metafile.inputs[path].imports) if (!imported.external) pending.push(imported.path);
  }
  return [...seen];
}

/**
 * Bundles the handler files that have no fresh bundle (one esbuild build for all of them: the modules
 * they share are parsed once) and returns each handler file's bundle.
 */
export async function bundleHandlers(
  handlerFiles: string[],
  options: { repoRoot: string; cacheDir?: string },
): Promise<{ bundles: Map<string, string>; built: number }> {
  const cacheDir = options.cacheDir ?? join(options.repoRoot, '.cache', 'local-bundles');
  const bundles = new Map<string, string>();
  const stats = new Map<string, string>();
  const stale: string[] = [];
  for (const file of new Set(handlerFiles)) {
    const bundle = bundlePath(cacheDir, options.repoRoot, file);
    bundles.set(file, bundle);
    if (!isFresh(bundle, stats)) stale.push(file);
  }
  if (stale.length === 0) return { bundles, built: 0 };

  // Built beside the cache and renamed into place: a reader (another process) sees a whole bundle or none.
  const outdir = join(cacheDir, `.build-${process.pid}-${randomUUID()}`);
  try {
    const { metafile } = await build({
      absWorkingDir: options.repoRoot,
      entryPoints: stale,
      outdir,
      outbase: options.repoRoot,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      // As serverless.common.yml's esbuild settings (media keeps sharp, a native module, external).
      mainFields: ['module', 'main'],
      keepNames: true,
      external: ['sharp'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      metafile: true,
      logLevel: 'silent',
    });
    for (const file of stale) {
      const entry = relative(options.repoRoot, file);
      const bundle = bundles.get(file)!;
      const inputs: BundleManifest['inputs'] = [];
      for (const input of inputsOf(entry, metafile)) {
        const path = isAbsolute(input) ? input : join(options.repoRoot, input);
        // Not a file (esbuild's own namespaces, e.g. a disabled browser field): nothing to watch.
        const stat = statSync(path, { throwIfNoEntry: false });
        if (stat) inputs.push([path, stat.mtimeMs, stat.size]);
      }
      mkdirSync(dirname(bundle), { recursive: true });
      renameSync(bundlePath(outdir, options.repoRoot, file), bundle);
      const manifest: BundleManifest = { esbuild: esbuildVersion, inputs };
      writeFileSync(`${bundle}.json.tmp-${process.pid}`, JSON.stringify(manifest));
      renameSync(`${bundle}.json.tmp-${process.pid}`, `${bundle}.json`);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return { bundles, built: stale.length };
}

/**
 * What the local workers import: each handler's bundle and the worker runtime's own (worker.ts, which
 * imports the handler), built together.
 */
export async function bundleFunctions(
  handlerFiles: string[],
  options: { repoRoot: string; cacheDir?: string },
): Promise<{ bundles: Map<string, string>; workerFile: string; built: number }> {
  const { bundles, built } = await bundleHandlers([...handlerFiles, workerSource], options);
  return { bundles, workerFile: bundles.get(workerSource)!, built };
}
