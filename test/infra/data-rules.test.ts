// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders, not JS templates
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { serviceNames, templatePath } from '../../scripts/services.ts';
import type { Template } from './checks.ts';
import {
  checkBucketNames,
  checkCspNamesMediaBucket,
  checkDataRetained,
  mediaOriginOf,
} from './data-rules.ts';

// Over what `npm run package` left in each service's .serverless/ (scripts/test.ts packages first).
describe.each(serviceNames())('the packaged %s service', (service) => {
  it('keeps every table and business-data bucket when the stack goes (Retain, PITR)', () => {
    const path = templatePath(service);
    expect(existsSync(path)).toBe(true);
    const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
    expect(checkDataRetained(template)).toEqual([]);
  });
});

it('retains the tables and the media bucket it should (the rule is not vacuous)', () => {
  const retained = serviceNames().flatMap((service) =>
    Object.entries((JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template).Resources)
      .filter(([, resource]) => (resource as { DeletionPolicy?: string }).DeletionPolicy === 'Retain')
      .filter(([, resource]) => resource.Type !== 'AWS::Lambda::Version')
      .map(([id]) => `${service}.${id}`),
  );
  expect(retained).toEqual(
    expect.arrayContaining(['jobs.JobsTable', 'jobs.FailuresTable', 'media.MediaBucket']),
  );
});

const templateOf = (service: string) => JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template;

describe.each(serviceNames())('the packaged %s service', (service) => {
  it("names no bucket with a fixed global name (account in the name, or CloudFormation's)", () => {
    expect(checkBucketNames(templateOf(service))).toEqual([]);
  });
});

it("names the media bucket with the account, and the site's and console's CSP follow that name", () => {
  const origin = mediaOriginOf(templateOf('media'));
  expect(origin).toBe(
    'https://qdn-dev-media-${AWS::AccountId}-${AWS::Region}.s3.${AWS::Region}.amazonaws.com',
  );
  for (const page of ['site', 'console'])
    expect(checkCspNamesMediaBucket(templateOf(page), origin!)).toEqual([]);
});
