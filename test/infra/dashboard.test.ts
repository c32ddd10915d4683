import { readFileSync } from 'node:fs';
import { expect, it } from '@jest/globals';
import { serviceNames, templatePath } from '../../scripts/services.ts';
import type { Template } from './checks.ts';
import { checkDashboard, deadLetterQueueNames } from './observability-rules.ts';

// Over what `npm run package` left in each service's .serverless/.
const templates = serviceNames().map(
  (service) => JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template,
);
const jobs = JSON.parse(readFileSync(templatePath('jobs'), 'utf8')) as Template;

it("shows every business metric and every stack's DLQ depth on the stage's one dashboard", () => {
  expect(checkDashboard(jobs, templates)).toEqual([]);
  // Not vacuous: the consumers' DLQs of every service are among them.
  expect(templates.flatMap(deadLetterQueueNames)).toEqual(
    expect.arrayContaining([
      'qdn-dev-notifications-sms-dlq',
      'qdn-dev-media-photos-dlq',
      'qdn-dev-calendar-calendar-dlq',
      'qdn-dev-scc-bridge-crew-dlq',
      'qdn-dev-jobs-publish-retry-dlq',
    ]),
  );
});
