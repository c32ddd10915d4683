import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  type ArtifactEntry,
  binaryPlatform,
  checkFunctionArtifact,
  checkNativeBuilds,
  checkTemplate,
  type FunctionArtifact,
  type Resource,
  type Template,
  XRAY_ACTIONS,
  zipEntries,
} from '../infra/checks.ts';

// Fixtures are real packaged templates (notifications: a bus consumer; jobs: the stream publisher),
// broken one rule at a time to prove each check fails when it should.
function packagedBeforeTracing(name: 'notifications' | 'jobs'): Template {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/${name}-template.json`, import.meta.url), 'utf8'),
  ) as Template;
}

/** The fixture as packaged since Lambda's active tracing: each function traced, its role with X-Ray's actions. */
function fixture(name: 'notifications' | 'jobs'): Template {
  const template = packagedBeforeTracing(name);
  for (const fn of Object.values(template.Resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    fn.Properties!.TracingConfig = { Mode: 'Active' };
    const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const [policy] = template.Resources[roleId]!.Properties!.Policies as {
      PolicyDocument: { Statement: unknown[] };
    }[];
    if (!JSON.stringify(policy).includes('xray:'))
      policy!.PolicyDocument.Statement.push({ Effect: 'Allow', Action: [...XRAY_ACTIONS], Resource: '*' });
  }
  return template;
}

function properties(template: Template, id: string): Record<string, unknown> {
  const resource = template.Resources[id] as Resource;
  resource.Properties ??= {};
  return resource.Properties;
}

function rulesBroken(template: Template): string[] {
  return [...new Set(checkTemplate(template).map((violation) => violation.rule))];
}

describe('infrastructure checks', () => {
  it('given the packaged templates, when checked, then they pass', () => {
    expect(checkTemplate(fixture('notifications'))).toEqual([]);
    expect(checkTemplate(fixture('jobs'))).toEqual([]);
  });

  it('given a consumer queue without a DLQ, when checked, then it fails', () => {
    const template = fixture('notifications');
    delete properties(template, 'SmsQueue').RedrivePolicy;
    expect(rulesBroken(template)).toContain('dlq');
  });

  it('given a maxReceiveCount outside 3–10, when checked, then it fails', () => {
    const template = fixture('notifications');
    (properties(template, 'SmsQueue').RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount = 50;
    expect(checkTemplate(template)).toEqual([expect.objectContaining({ rule: 'dlq', resource: 'SmsQueue' })]);
  });

  it('given a DLQ that keeps messages 4 days, when checked, then it fails', () => {
    const template = fixture('notifications');
    properties(template, 'SmsDlq').MessageRetentionPeriod = 345600;
    expect(checkTemplate(template)).toEqual([expect.objectContaining({ rule: 'dlq', resource: 'SmsDlq' })]);
  });

  it('given an SQS trigger without ReportBatchItemFailures, when checked, then it fails', () => {
    const template = fixture('notifications');
    delete properties(template, 'SmsEventSourceMappingSQSSmsQueue').FunctionResponseTypes;
    expect(rulesBroken(template)).toEqual(['batch-item-failures']);
  });

  it('given a stream trigger without ReportBatchItemFailures, when checked, then it fails', () => {
    const template = fixture('jobs');
    delete properties(template, 'PublisherEventSourceMappingDynamodbJobsTable').FunctionResponseTypes;
    expect(rulesBroken(template)).toEqual(['batch-item-failures']);
  });

  it('given a queue policy that admits any sender, when checked, then it fails', () => {
    const template = fixture('notifications');
    const policy = properties(template, 'SmsQueuePolicy').PolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    delete policy.Statement[0]!.Condition;
    expect(rulesBroken(template)).toEqual(['queue-policy']);
  });

  it('given a rule target queue with no policy at all, when checked, then it fails', () => {
    const template = fixture('notifications');
    delete template.Resources.SmsQueuePolicy;
    expect(rulesBroken(template)).toEqual(['queue-policy']);
  });

  it('given a provisioned table without point-in-time recovery, when checked, then it fails twice', () => {
    const template = fixture('jobs');
    properties(template, 'JobsTable').BillingMode = 'PROVISIONED';
    delete properties(template, 'JobsTable').PointInTimeRecoverySpecification;
    expect(checkTemplate(template).filter((violation) => violation.rule === 'table')).toHaveLength(2);
  });

  it('given an IAM statement with dynamodb:* on "*", when checked, then both problems are reported', () => {
    const template = fixture('notifications');
    const role = properties(template, 'IamRoleLambdaExecution').Policies as {
      PolicyDocument: { Statement: unknown[] };
    }[];
    role[0]!.PolicyDocument.Statement.push({ Effect: 'Allow', Action: ['dynamodb:*'], Resource: '*' });
    expect(checkTemplate(template).filter((violation) => violation.rule === 'iam')).toHaveLength(2);
  });

  it('given functions packaged before tracing (broken fixture), when checked, then each untraced function is reported', () => {
    const violations = checkTemplate(packagedBeforeTracing('notifications'));
    expect(new Set(violations.map((violation) => violation.rule))).toEqual(new Set(['tracing']));
    expect(violations.map((violation) => violation.message)).toContain(
      'SmsLambdaFunction is not traced (TracingConfig Active)',
    );
  });

  it("given a traced function whose role can't upload segments, when checked, then it fails", () => {
    const template = fixture('notifications');
    const roleId = (properties(template, 'SmsLambdaFunction').Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    const [policy] = properties(template, roleId).Policies as { PolicyDocument: { Statement: unknown[] } }[];
    policy!.PolicyDocument.Statement = policy!.PolicyDocument.Statement.filter(
      (statement) => !JSON.stringify(statement).includes('xray:'),
    );
    expect(checkTemplate(template).map((violation) => violation.message)).toEqual([
      'SmsLambdaFunction is traced but its role lacks xray:PutTraceSegments, xray:PutTelemetryRecords',
    ]);
  });

  it('given Resource "*" on X-Ray\'s trace actions, it passes; on anything else (ssm:GetParameter), it fails', () => {
    const template = fixture('notifications');
    const roleId = (properties(template, 'SmsLambdaFunction').Role as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0]!;
    const [policy] = properties(template, roleId).Policies as { PolicyDocument: { Statement: unknown[] } }[];
    expect(JSON.stringify(policy)).toContain('"Resource":"*"');
    expect(checkTemplate(template)).toEqual([]);
    policy!.PolicyDocument.Statement.push({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: '*' });
    expect(checkTemplate(template).map((violation) => violation.message)).toEqual([
      `${roleId} grants ssm:GetParameter on Resource "*"`,
    ]);
  });

  it('given a log group without retention, when checked, then it fails', () => {
    const template = fixture('notifications');
    delete properties(template, 'SmsLogGroup').RetentionInDays;
    expect(rulesBroken(template)).toEqual(['log-retention']);
  });

  it('given a function on nodejs20.x, when checked, then it fails', () => {
    const template = fixture('notifications');
    properties(template, 'SmsLambdaFunction').Runtime = 'nodejs20.x';
    expect(rulesBroken(template)).toEqual(['runtime']);
  });

  it('given a DLQ without a depth alarm, when checked, then it fails', () => {
    const template = fixture('notifications');
    delete template.Resources.SmsDlqAlarm;
    expect(rulesBroken(template)).toEqual(['dlq-alarm']);
  });

  it('given the stream publisher failure queue without an alarm, when checked, then it fails', () => {
    const template = fixture('jobs');
    delete template.Resources.PublishRetryDlqAlarm;
    expect(rulesBroken(template)).toEqual(['dlq-alarm']);
  });

  it('given a visibility timeout shorter than the function timeout, when checked, then it fails', () => {
    const template = fixture('notifications');
    properties(template, 'SmsQueue').VisibilityTimeout = 2;
    expect(rulesBroken(template)).toEqual(['visibility']);
  });
});

// A hand-made artifact (test/fixtures/native-modules.zip): sharp with its linux-arm64 and linux-x64 builds
// (ELF headers only), as an x64 CI machine could package it by mistake.
describe('native modules in a packaged artifact', () => {
  const entries = zipEntries(readFileSync(new URL('../fixtures/native-modules.zip', import.meta.url)));
  const without = (...parts: string[]) =>
    entries.filter((entry: ArtifactEntry) => !parts.some((part) => entry.name.includes(part)));

  it('given the fixture, when read, then its files come back whole, deflated or stored', () => {
    expect(entries).toHaveLength(12);
    const manifest = JSON.parse(
      entries
        .find((entry) => entry.name === 'node_modules/sharp/package.json')!
        .read()
        .toString('utf8'),
    );
    expect(manifest.name).toBe('sharp');
    expect(
      entries
        .find((entry) => entry.name.endsWith('colour/package.json'))!
        .read()
        .toString(),
    ).toMatch(/colour/);
  });

  it('given only the linux-arm64 builds, when checked, then it passes', () => {
    expect(checkNativeBuilds('fixture.zip', without('linux-x64'))).toEqual([]);
  });

  it('given x64 builds packaged, when checked, then every x64 binary is reported', () => {
    expect(checkNativeBuilds('fixture.zip', without('linux-arm64'))).toEqual([
      expect.objectContaining({
        rule: 'native-build',
        message:
          "sharp's linux-arm64 build is missing: @img/sharp-libvips-linux-arm64, @img/sharp-linux-arm64",
      }),
      expect.objectContaining({
        message: expect.stringMatching(/sharp-linux-x64-0\.35\.5\.node is built for linux-x86-64/),
      }),
      expect.objectContaining({
        message: expect.stringMatching(/libvips-cpp\.so\.8\.18\.7 is built for linux-x86-64/),
      }),
    ]);
    expect(checkNativeBuilds('fixture.zip', entries)).toHaveLength(2);
  });

  it('given only the libvips half of the arm64 build, when checked, then the missing half is named', () => {
    expect(checkNativeBuilds('fixture.zip', without('linux-x64', '@img/sharp-linux-arm64/'))).toEqual([
      expect.objectContaining({ message: "sharp's linux-arm64 build is missing: @img/sharp-linux-arm64" }),
    ]);
  });

  it('given binary headers, when read, then their platform is named', () => {
    const elf = (machine: number) => {
      const head = Buffer.alloc(64);
      head.writeUInt32BE(0x7f454c46, 0);
      head[5] = 1;
      head.writeUInt16LE(machine, 18);
      return head;
    };
    expect([183, 62, 40].map((machine) => binaryPlatform(elf(machine)))).toEqual([
      'linux-arm64',
      'linux-x86-64',
      'linux-arm',
    ]);
    expect(binaryPlatform(Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0, 0]))).toBe('darwin');
    expect(binaryPlatform(Buffer.from('MZ\x90\x00'))).toBe('win32');
    expect(binaryPlatform(Buffer.from('#!/bin/sh'))).toBe('unknown');
  });
});

// Function artifacts as `package.individually` writes them, made in memory: a bundle whose code carries
// the markers of the packages bundled into it and, for the photo consumer, sharp in node_modules/.
describe('function artifacts', () => {
  const KB = 1024;
  const MARKERS: Record<string, string> = {
    '@aws-sdk/client-dynamodb': '"@aws-sdk/client-dynamodb"',
    '@aws-sdk/client-s3': 'var packageInfo={name:"@aws-sdk/client-s3"}',
    twilio: 'userAgent.push("twilio-node/"+version)',
  };
  function entry(name: string, size: number, content = ''): ArtifactEntry {
    return { name, size, read: () => Buffer.from(content) };
  }
  function artifact(
    service: string,
    name: string,
    options: { packages?: string[]; bundleBytes?: number; zipBytes?: number; extra?: ArtifactEntry[] } = {},
  ): FunctionArtifact {
    const code = (options.packages ?? ['@aws-sdk/client-dynamodb']).map((pkg) => MARKERS[pkg]).join(';');
    return {
      service,
      name,
      zipBytes: options.zipBytes ?? 120 * KB,
      entries: [
        entry('src/handlers/handler.mjs', options.bundleBytes ?? 400 * KB, code),
        ...(options.extra ?? []),
      ],
    };
  }

  it('given a small bundle with only its own clients, when checked, then it passes', () => {
    expect(checkFunctionArtifact(artifact('jobs', 'getJob'))).toEqual([]);
    expect(
      checkFunctionArtifact(artifact('media', 'listPhotos', { packages: ['@aws-sdk/client-s3'] })),
    ).toEqual([]);
    expect(checkFunctionArtifact(artifact('notifications', 'sms', { packages: ['twilio'] }))).toEqual([]);
  });

  it('given a zip over 1 MB or a package over 5 MB unzipped, when checked, then each is reported', () => {
    expect(checkFunctionArtifact(artifact('jobs', 'getJob', { zipBytes: 1100 * KB }))).toEqual([
      expect.objectContaining({
        rule: 'artifact-size',
        message: expect.stringMatching(/zip is 1\.07 MB; our limit is 1 MB/),
      }),
    ]);
    expect(checkFunctionArtifact(artifact('jobs', 'getJob', { bundleBytes: 6 * KB * KB }))).toEqual([
      expect.objectContaining({
        rule: 'artifact-size',
        message: expect.stringMatching(/unzips to 6\.00 MB; our limit is 5 MB/),
      }),
    ]);
  });

  it("given the photo consumer with sharp, when checked, then only AWS's 250 MB limit applies to it", () => {
    const sharp = [
      entry('node_modules/sharp/package.json', 2 * KB),
      entry('node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so.8', 20 * KB * KB),
    ];
    expect(
      checkFunctionArtifact(artifact('media', 'photos', { zipBytes: 9 * KB * KB, extra: sharp })),
    ).toEqual([]);
    const huge = [...sharp, entry('node_modules/sharp/huge.bin', 260 * KB * KB)];
    expect(checkFunctionArtifact(artifact('media', 'photos', { extra: huge }))).toEqual([
      expect.objectContaining({
        rule: 'artifact-size',
        message: expect.stringMatching(/AWS refuses over 250 MB/),
      }),
    ]);
    expect(checkFunctionArtifact(artifact('media', 'listPhotos', { extra: sharp }))).toEqual([
      expect.objectContaining({ rule: 'artifact-size' }),
      expect.objectContaining({
        rule: 'forbidden-package',
        message: 'media/listPhotos carries sharp, which it never calls',
      }),
    ]);
  });

  it('given the S3 client outside media or twilio outside the senders and webhooks, when checked, then it is reported', () => {
    expect(checkFunctionArtifact(artifact('jobs', 'getJob', { packages: ['@aws-sdk/client-s3'] }))).toEqual([
      expect.objectContaining({
        rule: 'forbidden-package',
        message: 'jobs/getJob carries @aws-sdk/client-s3, which it never calls',
      }),
    ]);
    expect(checkFunctionArtifact(artifact('notifications', 'getTimeline', { packages: ['twilio'] }))).toEqual(
      [
        expect.objectContaining({
          rule: 'forbidden-package',
          message: 'notifications/getTimeline carries twilio, which it never calls',
        }),
      ],
    );
  });

  it('given a bundle with its source map in the zip, when checked, then it is reported', () => {
    const mapped = artifact('jobs', 'getJob', { extra: [entry('src/handlers/handler.mjs.map', 900 * KB)] });
    expect(checkFunctionArtifact(mapped)).toEqual([expect.objectContaining({ rule: 'source-map' })]);
  });
});
