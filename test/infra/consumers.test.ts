import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { ConsumerDeclaration } from '@qdn/shared/consumers';
import { functionKey, pascalCase } from '../../scripts/osls-plugin/consumers.ts';
import { repoRoot, templatePath } from '../../scripts/services.ts';
import { referencedLogicalId, type Template } from './checks.ts';

// Every declared consumer (services/<service>/src/consumers.ts) has all its pieces in what `npm run
// package` left in the service's .serverless/ (stage dev), wired to each other.
const SERVICES = ['calendar', 'jobs', 'media', 'notifications', 'scc-bridge'];
const declared = await Promise.all(
  SERVICES.map(async (service) => ({
    service,
    template: JSON.parse(readFileSync(templatePath(service), 'utf8')) as Template,
    consumers: (
      (await import(join(repoRoot, 'services', service, 'src', 'consumers.ts'))) as {
        consumers: ConsumerDeclaration[];
      }
    ).consumers,
  })),
);
const props = (template: Template, id: string) => template.Resources[id]?.Properties ?? {};

it('names every consumer once across services (its rule is qdn-<stage>-<name>, what a replay targets)', () => {
  const names = declared.flatMap(({ consumers }) => consumers.map((consumer) => consumer.name));
  expect(names.length).toBe(18);
  expect(new Set(names).size).toBe(names.length);
});

describe.each(
  declared.flatMap(({ service, template, consumers }) =>
    consumers.map((consumer) => [`${service}/${consumer.name}`, { service, template, consumer }] as const),
  ),
)('the packaged consumer %s', (_, { service, template, consumer }) => {
  const id = pascalCase(consumer.name);

  it('has its queue, 14-day DLQ, redrive policy and DLQ alarm', () => {
    expect(props(template, `${id}Queue`).QueueName).toBe(`qdn-dev-${service}-${consumer.name}`);
    const redrive = props(template, `${id}Queue`).RedrivePolicy as { deadLetterTargetArn: unknown };
    expect(referencedLogicalId(redrive.deadLetterTargetArn)).toBe(`${id}Dlq`);
    expect(props(template, `${id}Dlq`).MessageRetentionPeriod).toBe(1_209_600);
    const alarm = props(template, `${id}DlqAlarm`) as {
      Dimensions: { Value: unknown }[];
      AlarmActions: unknown[];
    };
    expect(referencedLogicalId(alarm.Dimensions[0]!.Value)).toBe(`${id}Dlq`);
    // The ops topic: by its export, or by name in jobs, the stack that creates it (cross-stack.test.ts).
    expect(JSON.stringify(alarm.AlarmActions)).toMatch(/OpsTopicArn|\{"Ref":"OpsTopic"\}/);
  });

  it('has its source: a rule named after it, or a topic subscription, each the only sender its queue admits', () => {
    const from = consumer.from;
    if ('sentBy' in from) {
      expect(template.Resources[`${id}Rule`]).toBeUndefined();
      return;
    }
    if ('schedules' in from) {
      // Scheduler sends through a role that may send to this queue and nothing else, in this account.
      expect(template.Resources[`${id}ScheduleGroup`]?.Type).toBe('AWS::Scheduler::ScheduleGroup');
      const role = JSON.stringify(props(template, `${id}SchedulerRole`));
      expect(role).toContain('scheduler.amazonaws.com');
      expect(role).toContain('aws:SourceAccount');
      expect(role).toContain(`"${id}Queue"`);
      expect(role.match(/"Action":"([^"]+)"/g)).toEqual([
        '"Action":"sts:AssumeRole"',
        '"Action":"sqs:SendMessage"',
      ]);
      return;
    }
    const policy = JSON.stringify(props(template, `${id}QueuePolicy`));
    if ('topic' in from) {
      expect(props(template, `${id}Subscription`).Protocol).toBe('sqs');
      expect(policy).toContain(from.topic.exportSuffix);
    } else {
      expect(props(template, `${id}Rule`).Name).toBe(`qdn-dev-${consumer.name}`);
      expect(policy).toContain(`"${id}Rule"`);
    }
    if ('bus' in from && from.bus.detailTypes) {
      const pattern = props(template, `${id}Rule`).EventPattern as Record<string, unknown>;
      expect(pattern['detail-type']).toEqual(from.bus.detailTypes);
    }
  });

  it('has its function, triggered by its queue with ReportBatchItemFailures, running as its own role', () => {
    const functionId = `${pascalCase(functionKey(consumer.name))}LambdaFunction`;
    expect(template.Resources[functionId]?.Type).toBe('AWS::Lambda::Function');
    const mapping = Object.values(template.Resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        referencedLogicalId(resource.Properties?.FunctionName) === functionId,
    );
    expect(referencedLogicalId(mapping?.Properties?.EventSourceArn)).toBe(`${id}Queue`);
    expect(mapping?.Properties?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const role = referencedLogicalId(props(template, functionId).Role);
    expect(JSON.stringify(props(template, role!))).toContain('"FailuresTable"');
  });

  it('is registered with the ops review of its service', () => {
    const opsList = Object.values(template.Resources).find(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties?.Environment ?? {}).includes('OPS_CONSUMERS'),
    );
    expect(JSON.stringify(opsList?.Properties?.Environment)).toContain(`\\"${consumer.name}\\": {`);
  });
});
