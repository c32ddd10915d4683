// Builds the console with the repo's esbuild: one entry (src/main.tsx), content-hashed bundle and
// stylesheet, and index.html naming them. `buildConsole()` returns the files in memory (the local
// cloud serves them from there); `node services/console/build.ts` writes them to dist/ for the
// deploy step (README "Console") and prints the JS size gzipped, the budget's measure.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Gzipped size of every script index.html loads (the first load). */
  firstLoadJsGzipBytes: number;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export async function buildConsole(options: { minify?: boolean } = {}): Promise<ConsoleBuild> {
  const result = await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    bundle: true,
    format: 'esm',
    splitting: false,
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
  let script = '';
  let stylesheet = '';
  for (const output of result.outputFiles) {
    const name = basename(output.path);
    const extension = name.slice(name.lastIndexOf('.'));
    files.set(`/${name}`, {
      body: Buffer.from(output.contents),
      type: TYPES[extension] ?? 'application/octet-stream',
    });
    if (extension === '.js') script = name;
    if (extension === '.css') stylesheet = name;
  }
  const page = readFileSync(join(here, 'src/index.html'), 'utf8')
    .replace('%SCRIPT%', `/${script}`)
    .replace('%STYLESHEET%', `/${stylesheet}`);
  files.set('/index.html', { body: Buffer.from(page), type: TYPES['.html']! });
  files.set('/favicon.svg', { body: readFileSync(join(here, 'src/favicon.svg')), type: TYPES['.svg']! });
  const firstLoadJsGzipBytes = gzipSync(files.get(`/${script}`)!.body, { level: 9 }).length;
  return { files, firstLoadJsGzipBytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, firstLoadJsGzipBytes } = await buildConsole();
  const dist = join(here, 'dist');
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  for (const [path, file] of files) writeFileSync(join(dist, path), file.body);
  // biome-ignore lint/suspicious/noConsole: a command-line build reports what it built.
  console.log(
    `console built in ${dist}: ${files.size} files, first-load JS ${(firstLoadJsGzipBytes / 1024).toFixed(1)} KB gzipped (budget ${JS_BUDGET_GZIP_BYTES / 1024} KB)`,
  );
}
