import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot, serviceNames, templatePath } from '../../scripts/services.ts';
import { checkIamLeastPrivilege, type Template, zipEntries } from './checks.ts';
import {
  checkGetRoutesWriteOnlyCounters,
  checkGrantsUsed,
  checkRolePerFunction,
  functionRoles,
  getRouteFunctions,
} from './iam-rules.ts';

// Over what `npm run package` left in each service's .serverless/ (scripts/test.ts packages first).
const packaged = serviceNames()
  .map((service) => ({
    service,
    template: JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template,
  }))
  .filter(({ template }) => functionRoles(template).length > 0);

/** A function's own code (its bundle, not the node_modules/ packaged beside it), from its zip. */
function bundleReader(service: string, template: Template) {
  return (functionId: string): string => {
    const code = template.Resources[functionId]?.Properties?.Code as
      | { S3Key?: string; ZipFile?: string }
      | undefined;
    // Inline code (the route-limits custom resource's): the code is the template's.
    if (code?.ZipFile !== undefined) return code.ZipFile;
    const zip = join(repoRoot, 'services', service, '.serverless', code!.S3Key!.split('/').pop()!);
    expect(existsSync(zip)).toBe(true);
    return zipEntries(readFileSync(zip))
      .filter((entry) => /\.m?js$/.test(entry.name) && !entry.name.includes('node_modules/'))
      .map((entry) => entry.read().toString('utf8'))
      .join('\n');
  };
}

describe.each(packaged.map(({ service }) => service))('the packaged %s service', (service) => {
  const { template } = packaged.find((entry) => entry.service === service)!;

  it('gives every function a role of its own', () => {
    expect(checkRolePerFunction(template)).toEqual([]);
  });

  it('grants no action wildcard and no data-plane action on Resource "*"', () => {
    expect(checkIamLeastPrivilege(template)).toEqual([]);
  });

  it('lets a GET route write nothing but the counters table', () => {
    expect(checkGetRoutesWriteOnlyCounters(template)).toEqual([]);
  });

  it("grants only actions the function's own bundle calls", () => {
    expect(checkGrantsUsed(template, bundleReader(service, template))).toEqual([]);
  });
});

it('checks every service with functions, and the public GET routes among them (the rules are not vacuous)', () => {
  expect(packaged.map(({ service }) => service)).toEqual([
    'calendar',
    'jobs',
    'media',
    'notifications',
    'scc-bridge',
  ]);
  const getRoutes = packaged.flatMap(({ template }) => [...getRouteFunctions(template).values()]);
  expect(getRoutes).toEqual(
    expect.arrayContaining([
      'GET /track/{token}',
      'GET /crew/{token}',
      'GET /calendars/{calendarId}/feed.ics',
      'GET /track/jobs/{jobId}/messages',
    ]),
  );
  const roles = packaged.reduce((sum, { template }) => sum + functionRoles(template).length, 0);
  expect(roles).toBeGreaterThan(60);
});
