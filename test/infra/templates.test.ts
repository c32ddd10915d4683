import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { serviceNames, templatePath } from '../../scripts/services.ts';
import { checkTemplate, type Template } from './checks.ts';

// Runs over what `npm run package` left in each service's .serverless/ (scripts/test.ts packages first).
describe.each(serviceNames())('the packaged %s service', (service) => {
  it('follows every infrastructure rule', () => {
    // Prepare
    const path = templatePath(service);
    expect(existsSync(path)).toBe(true);
    const template = JSON.parse(readFileSync(path, 'utf8')) as Template;

    // Act
    const violations = checkTemplate(template);

    // Assess
    expect(violations).toEqual([]);
  });
});

it('packages all seven services', () => {
  expect(serviceNames()).toEqual([
    'calendar',
    'console',
    'jobs',
    'media',
    'notifications',
    'scc-bridge',
    'site',
  ]);
});
