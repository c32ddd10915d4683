import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot, serviceNames, templatePath } from '../../scripts/services.ts';
import { checkFunctionArtifact, checkNativeBuilds, isPhotoConsumer, zipEntries } from './checks.ts';

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

/** Every function's own zip (package.individually), named after its key in serverless.yml. */
function functionZips(service: string): { name: string; zip: string }[] {
  const { Resources } = JSON.parse(readFileSync(templatePath(service), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { Code?: { S3Key?: string } } }>;
  };
  return (
    Object.values(Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      // Inline functions (the route-limits custom resource) have no zip.
      .filter((resource) => resource.Properties?.Code?.S3Key !== undefined)
      .map((resource) => {
        const zipName = resource.Properties!.Code!.S3Key!.split('/').pop()!;
        return {
          name: zipName.replace(/\.zip$/, ''),
          zip: join(repoRoot, 'services', service, '.serverless', zipName),
        };
      })
  );
}

describe.each(servicesWithFunctions)('the packaged %s functions', (service) => {
  it("are one zip each, within AWS's limits and ours, with a source map and only the SDKs each calls", () => {
    const zips = functionZips(service);
    expect(zips.length).toBeGreaterThan(0);
    for (const { name, zip } of zips) {
      expect(existsSync(zip)).toBe(true);
      const bytes = readFileSync(zip);
      expect(
        checkFunctionArtifact({ service, name, zipBytes: bytes.byteLength, entries: zipEntries(bytes) }),
      ).toEqual([]);
    }
  });
});

it('packages sharp for Lambda with the photo consumer alone (its linux-arm64 binding and libvips)', () => {
  const withSharp = servicesWithFunctions.flatMap((service) =>
    functionZips(service)
      .filter(({ zip }) =>
        zipEntries(readFileSync(zip)).some((entry) => entry.name === 'node_modules/sharp/package.json'),
      )
      .map(({ name }) => ({ service, name })),
  );
  expect(withSharp).toEqual([{ service: 'media', name: 'photos' }]);
  expect(isPhotoConsumer(withSharp[0]!)).toBe(true);
  const names = zipEntries(readFileSync(join(repoRoot, 'services/media/.serverless/photos.zip'))).map(
    (entry) => entry.name,
  );
  expect(names).toContainEqual(
    expect.stringMatching(/^node_modules\/@img\/sharp-linux-arm64\/lib\/.+\.node$/),
  );
  expect(names).toContainEqual(
    expect.stringMatching(/^node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so/),
  );
});
