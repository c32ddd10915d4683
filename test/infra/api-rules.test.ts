import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { deployOrder } from '../../scripts/deploy/releases.ts';
import { repoRoot, templatePath } from '../../scripts/services.ts';
import { checkApiStage, checkRouteSettingsDeployable, routeKeys } from './api-rules.ts';
import type { Template } from './checks.ts';

// Over what `npm run package` left in each service's .serverless/, in serverless-compose.yml's deploy order.
const stacks = deployOrder(readFileSync(join(repoRoot, 'serverless-compose.yml'), 'utf8')).map((name) => ({
  name,
  template: JSON.parse(readFileSync(templatePath(name), 'utf8')) as Template,
}));

it('throttles the stage and every public route of its stack, and logs route keys, not paths', () => {
  const jobs = stacks.find((stack) => stack.name === 'jobs')!.template;
  expect(routeKeys(jobs)).toContain('GET /track/{token}');
  expect(checkApiStage(jobs)).toEqual([]);
});

it('names in route settings only routes that exist when the stage deploys', () => {
  expect(checkRouteSettingsDeployable(stacks)).toEqual([]);
});
