import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { bundleHandlers } from '../../src/runtime/bundles.ts';

// The test clouds' workers import bundles, not sources: a bundle that outlived an edit to one of its
// files would run yesterday's code in today's tests. Handlers are written inside the repository so
// they resolve its packages, as the services' do.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cacheParent = join(repoRoot, '.cache');
mkdirSync(cacheParent, { recursive: true });
const dir = mkdtempSync(join(cacheParent, 'bundles-test-'));
const cacheDir = join(dir, 'bundles');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importBundle(bundle: string): Promise<Record<string, unknown>> {
  // A query string per import: Node caches a module by URL, and the test imports the same path twice.
  return (await import(`${pathToFileURL(bundle).href}?at=${performance.now()}`)) as Record<string, unknown>;
}

describe('bundled handlers for the local workers', () => {
  const handler = join(dir, 'handler.ts');
  const greeting = join(dir, 'greeting.ts');

  it('given a handler, then its bundle runs it with its imports and a package, and is reused until one of its files changes', async () => {
    // Arrange
    writeFileSync(greeting, "export const greeting = (name: string): string => 'hello ' + name;\n");
    writeFileSync(
      handler,
      [
        "import * as z from 'zod';",
        "import { greeting } from './greeting.ts';",
        'const Event = z.object({ name: z.string() });',
        'export const handler = async (event: unknown) => greeting(Event.parse(event).name);',
        '',
      ].join('\n'),
    );

    // Act
    const first = await bundleHandlers([handler], { repoRoot, cacheDir });
    const again = await bundleHandlers([handler], { repoRoot, cacheDir });
    writeFileSync(greeting, "export const greeting = (name: string): string => 'hi there, ' + name;\n");
    const edited = await bundleHandlers([handler], { repoRoot, cacheDir });

    // Assess
    expect(first.built).toBe(1);
    expect(again.built).toBe(0);
    expect(again.bundles.get(handler)).toBe(first.bundles.get(handler));
    expect(edited.built).toBe(1);
    const { handler: run } = await importBundle(edited.bundles.get(handler)!);
    expect(await (run as (event: unknown) => Promise<string>)({ name: 'Dana' })).toBe('hi there, Dana');
    await expect((run as (event: unknown) => Promise<string>)({ name: 7 })).rejects.toThrow();
  });
});
