import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';

// The page files as the bucket holds them: every page loads over mobile data (its JavaScript, with
// everything it imports, under 50 KB gzipped) and runs under the distribution's CSP (scripts and styles
// from files only: no inline script, style element or style attribute, which `script-src 'self'` and
// `style-src 'self'` would refuse).
const PUBLIC = fileURLToPath(new URL('../../public', import.meta.url));
const pages = readdirSync(PUBLIC).filter((name) => name.endsWith('.html'));

/** A module and every module it imports, statically, as file paths. */
function moduleGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, specifier] of source.matchAll(/^\s*import\s[^'"]*['"](\.[^'"]+)['"]/gm)) {
    moduleGraph(resolve(dirname(file), specifier!), seen);
  }
  for (const [, specifier] of source.matchAll(/^\s*export\s[^'"]*from\s+['"](\.[^'"]+)['"]/gm)) {
    moduleGraph(resolve(dirname(file), specifier!), seen);
  }
  return seen;
}

function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map(([, src]) => join(PUBLIC, src!));
}

describe.each(pages)('the page %s', (page) => {
  const html = readFileSync(join(PUBLIC, page), 'utf8');

  it('loads under 50 KB of JavaScript, gzipped, imports included', () => {
    const files = new Set(scriptsOf(html).flatMap((script) => [...moduleGraph(script)]));
    const gzipped = [...files].reduce((total, file) => total + gzipSync(readFileSync(file)).byteLength, 0);
    expect(gzipped).toBeLessThan(50 * 1024);
  });

  it('has no inline script or style for the CSP to refuse', () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle="/);
    expect(html).not.toMatch(/\son[a-z]+="/);
  });

  it('declares its language, the viewport and no-referrer', () => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
  });
});

it('builds no HTML from strings in the page scripts (text goes in as text)', () => {
  const scripts = readdirSync(join(PUBLIC, 'js')).map((name) =>
    readFileSync(join(PUBLIC, 'js', name), 'utf8'),
  );
  for (const script of scripts)
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
});
