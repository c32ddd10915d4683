// Builds the console with the repo's esbuild: one entry (src/main.tsx), content-hashed bundle and
// stylesheet, and index.html naming them. The board's map (MapLibre GL JS, ~450 KB gzipped with its
// worker) is a separate chunk the board imports after its first paint (code splitting), and MapLibre's
// worker and stylesheet are copied as they are, content-hashed, for that chunk to name: none of it is
// in the first load. `buildConsole()` returns the files in memory (the local cloud serves them from
// there); `node services/console/build.ts` writes them to dist/ for the deploy step (README "Console")
// and prints the JS sizes gzipped, the budget's measure.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** The first-load JS budget of the issue, in gzipped bytes. */
export const JS_BUDGET_GZIP_BYTES = 200 * 1024;

export interface ConsoleBuild {
  /** `/index.html`, `/app-<hash>.js`, … → content and content type. */
  files: Map<string, { body: Buffer; type: string }>;
  /** Gzipped size of every script index.html loads (the first load: the entry and what it imports statically). */
  firstLoadJsGzipBytes: number;
  /** The scripts of the first load, e.g. `/app-<hash>.js`. */
  firstLoadScripts: string[];
  /** The board map's chunk (`/board-map-<hash>.js`), imported after the board's first paint. */
  mapChunk: string;
  /** Gzipped size of what the map adds when it loads: its chunks and MapLibre's worker. */
  mapJsGzipBytes: number;
}

const maplibreDist = join(
  dirname(createRequire(import.meta.url).resolve('maplibre-gl/package.json')),
  'dist',
);

/** `/<name>-<hash>.<extension>`, the hash of the content as esbuild names its outputs (8 of [A-Z0-9]). */
function hashedName(name: string, extension: string, body: Buffer): string {
  return `/${name}-${createHash('sha256').update(body).digest('hex').slice(0, 8).toUpperCase()}.${extension}`;
}

/** A name carrying its content's hash (esbuild's outputs and hashedName's): its content never changes. */
export const isContentHashed = (path: string) => /-[A-Z0-9]{8}\.[a-z0-9]+$/.test(path);

/**
 * How long a browser may keep a built file: a content-hashed one for good; the page and config.json
 * always revalidate, so a deploy is seen at the next load. The deploy step uploads with it and the local
 * cloud serves with it.
 */
export const cacheControlFor = (path: string) =>
  isContentHashed(path) ? 'public, max-age=31536000, immutable' : 'no-cache';

/** A file of MapLibre's dist as served: without its source map comment (the maps are not deployed). */
function maplibreFile(name: string): Buffer {
  return Buffer.from(
    readFileSync(join(maplibreDist, name), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'),
  );
}

const gzipBytes = (body: Buffer) => gzipSync(body, { level: 9 }).length;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export async function buildConsole(options: { minify?: boolean } = {}): Promise<ConsoleBuild> {
  // MapLibre's worker (a module worker, self-contained) and stylesheet, named for the map chunk: the
  // chunk sets the worker's URL (same origin, so the CSP's script-src 'self' covers it, no blob:) and
  // adds the stylesheet only when the map loads. Importing the CSS from the chunk would put it in the
  // first load's stylesheet (esbuild bundles CSS per entry point).
  const worker = maplibreFile('maplibre-gl-worker.mjs');
  const mapStylesheet = maplibreFile('maplibre-gl.css');
  const workerPath = hashedName('maplibre-worker', 'js', worker);
  const mapStylesheetPath = hashedName('maplibre', 'css', mapStylesheet);
  const result = await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    bundle: true,
    format: 'esm',
    splitting: true,
    metafile: true,
    // Strings, inlined where used (an object here would become a shared chunk of the first load).
    define: {
      MAPLIBRE_WORKER_URL: JSON.stringify(workerPath),
      MAPLIBRE_STYLESHEET_URL: JSON.stringify(mapStylesheetPath),
    },
    target: ['es2022', 'chrome110', 'safari16', 'firefox115'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: options.minify ?? true,
    sourcemap: false,
    entryNames: '[name]-[hash]',
    outdir: '/out',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    loader: { '.svg': 'file' },
  });
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const output of result.outputFiles) {
    const name = basename(output.path);
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(`/${name}`, {
      body: Buffer.from(output.contents),
      type: TYPES[extension] ?? 'application/octet-stream',
    });
  }
  files.set(workerPath, { body: worker, type: TYPES['.js']! });
  files.set(mapStylesheetPath, { body: mapStylesheet, type: TYPES['.css']! });

  // The metafile's outputs by served path; a script's static imports load with it, dynamic ones later.
  const outputs = new Map(
    Object.entries(result.metafile.outputs).map(([path, output]) => [`/${basename(path)}`, output]),
  );
  const staticClosure = (start: string, without: ReadonlySet<string> = new Set()) => {
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path) || without.has(path)) return;
      seen.add(path);
      for (const imported of outputs.get(path)?.imports ?? [])
        if (imported.kind === 'import-statement') visit(`/${basename(imported.path)}`);
    };
    visit(start);
    return [...seen];
  };
  const entry = [...outputs].find(
    ([path, output]) => output.entryPoint?.endsWith('src/main.tsx') && path.endsWith('.js'),
  );
  const map = [...outputs].find(([, output]) => output.entryPoint?.endsWith('src/screens/board-map.ts'));
  if (!entry || !map) throw new Error('the build has no app entry or no board map chunk');
  const script = entry[0].slice(1);
  const stylesheet = entry[1].cssBundle ? basename(entry[1].cssBundle) : '';
  const firstLoadScripts = staticClosure(entry[0]);
  const mapScripts = staticClosure(map[0], new Set(firstLoadScripts));
  const page = readFileSync(join(here, 'src/index.html'), 'utf8')
    .replace('%SCRIPT%', `/${script}`)
    // The entry's own static imports (chunks it shares with lazy ones) are fetched with it, not after it.
    .replace(
      '%PRELOADS%',
      firstLoadScripts
        .filter((path) => path !== entry[0])
        .map((path) => `<link rel="modulepreload" href="${path}">`)
        .join('\n    '),
    )
    .replace('%STYLESHEET%', `/${stylesheet}`);
  files.set('/index.html', { body: Buffer.from(page), type: TYPES['.html']! });
  files.set('/favicon.svg', { body: readFileSync(join(here, 'src/favicon.svg')), type: TYPES['.svg']! });
  const sum = (paths: string[]) => paths.reduce((total, path) => total + gzipBytes(files.get(path)!.body), 0);
  return {
    files,
    firstLoadJsGzipBytes: sum(firstLoadScripts),
    firstLoadScripts,
    mapChunk: map[0],
    mapJsGzipBytes: sum(mapScripts) + gzipBytes(worker),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, firstLoadJsGzipBytes, mapJsGzipBytes } = await buildConsole();
  const dist = join(here, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  for (const [path, file] of files) writeFileSync(join(dist, path), file.body);
  // biome-ignore lint/suspicious/noConsole: a command-line build reports what it built.
  console.log(
    `console built in ${dist}: ${files.size} files, first-load JS ${(firstLoadJsGzipBytes / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_GZIP_BYTES / 1024} KB); the board's map after first paint ${(mapJsGzipBytes / 1024).toFixed(1)} KB gzipped`,
  );
}
