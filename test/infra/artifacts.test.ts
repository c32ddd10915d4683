import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot, serviceNames, templatePath } from '../../scripts/services.ts';
import { checkNativeBuilds, zipEntries } from './checks.ts';

// Runs over the Lambda artifacts `npm run package` left in each service's .serverless/: CI installs x64
// builds of native modules, Lambda runs arm64, so a packaging step that forgets the difference fails here.
function artifacts(service: string): string[] {
  const dir = join(repoRoot, 'services', service, '.serverless');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.zip'))
        .map((name) => join(dir, name))
    : [];
}

/** Services whose template has functions (the site has none: static pages behind CloudFront). */
function hasFunctions(service: string): boolean {
  if (!existsSync(templatePath(service))) return true; // not packaged: let the check below fail
  const { Resources } = JSON.parse(readFileSync(templatePath(service), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  return Object.values(Resources).some((resource) => resource.Type === 'AWS::Lambda::Function');
}
const servicesWithFunctions = serviceNames().filter(hasFunctions);

describe.each(servicesWithFunctions)('the packaged %s artifact', (service) => {
  it('carries only linux-arm64 builds of native modules, and all of them', () => {
    const zips = artifacts(service);
    expect(zips.length).toBeGreaterThan(0);
    for (const zip of zips) expect(checkNativeBuilds(zip, zipEntries(readFileSync(zip)))).toEqual([]);
  });
});

it('packages sharp for Lambda with the media service (its linux-arm64 binding and libvips)', () => {
  const [zip] = artifacts('media');
  const names = zipEntries(readFileSync(zip!)).map((entry) => entry.name);
  expect(names).toContainEqual(
    expect.stringMatching(/^node_modules\/@img\/sharp-linux-arm64\/lib\/.+\.node$/),
  );
  expect(names).toContainEqual(
    expect.stringMatching(/^node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so/),
  );
  expect(names).toContain('node_modules/sharp/package.json');
});
