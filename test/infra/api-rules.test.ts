import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from '@jest/globals';
import { deployOrder } from '../../scripts/deploy/releases.ts';
import { repoRoot, templatePath } from '../../scripts/services.ts';
import {
  checkApiStage,
  checkPublicRoutesLimited,
  checkRouteSettingsDeployable,
  ROUTE_LIMITS_TYPE,
  routeKeys,
} from './api-rules.ts';
import type { Template } from './checks.ts';

const require_ = createRequire(import.meta.url);

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

it('throttles every public route of every stack, later stacks through their route-limits resource', () => {
  expect(checkPublicRoutesLimited(stacks)).toEqual([]);
  // Not vacuous: the later stacks' public routes are limited by their own custom resource.
  const limited = stacks.flatMap(({ name, template }) =>
    Object.values(template.Resources)
      .filter((resource) => resource.Type === ROUTE_LIMITS_TYPE)
      .flatMap((resource) =>
        Object.keys(resource.Properties?.Routes as object).map((key) => `${name} ${key}`),
      ),
  );
  expect(limited).toEqual(
    expect.arrayContaining([
      'notifications POST /twilio/inbound',
      'notifications POST /twilio/status',
      'media POST /track/jobs/{jobId}/photos/uploads',
      'calendar GET /calendars/{calendarId}/feed.ics',
      'scc-bridge GET /crew/{token}',
    ]),
  );
});

it("runs the route-limits function's code as route-limits-handler.cjs, without its comments", () => {
  const inline = (
    require_('../../scripts/osls-plugin/route-limits.cjs') as { inlineCode(): string }
  ).inlineCode();
  expect(inline.length).toBeLessThanOrEqual(4096);
  for (const name of ['notifications', 'media', 'calendar', 'scc-bridge']) {
    const { template } = stacks.find((stack) => stack.name === name)!;
    expect(template.Resources.RouteLimitsFunction?.Properties?.Code).toEqual({ ZipFile: inline });
  }
});
