// Rules every packaged CloudFormation template must follow (issue "Foundation" §7, ARCHITECTURE.md §5).
// Pure functions over the template JSON, so they are unit-tested on broken fixtures and run over the
// real templates by test/infra/templates.test.ts. The packaged artifacts (.zip) have a rule of their own
// (native modules built for Lambda's linux-arm64), run by test/infra/artifacts.test.ts.

import { inflateRawSync } from 'node:zlib';

export interface Template {
  Resources: Record<string, Resource>;
}
export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface Violation {
  resource: string;
  rule: string;
  message: string;
}

const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** The logical id a `Ref` or `Fn::GetAtt` points at, if the value is one. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

function props(resource: Resource | undefined): Record<string, unknown> {
  return resource?.Properties ?? {};
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every queue that triggers a function has a DLQ (maxReceiveCount 3–10) that keeps messages 14 days. */
export function checkQueueDeadLetters(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const queueId = referencedLogicalId(props(mapping).EventSourceArn);
    const queue = queueId ? template.Resources[queueId] : undefined;
    if (!queueId || queue?.Type !== 'AWS::SQS::Queue') continue;
    const redrive = props(queue).RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
      | undefined;
    if (!redrive) {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId} triggers ${id} but has no RedrivePolicy`,
      });
      continue;
    }
    const maxReceiveCount = Number(redrive.maxReceiveCount);
    if (!(maxReceiveCount >= 3 && maxReceiveCount <= 10)) {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId} has maxReceiveCount ${String(redrive.maxReceiveCount)}; expected 3–10`,
      });
    }
    const dlqId = referencedLogicalId(redrive.deadLetterTargetArn);
    const dlq = dlqId ? template.Resources[dlqId] : undefined;
    if (!dlqId || dlq?.Type !== 'AWS::SQS::Queue') {
      violations.push({
        resource: queueId,
        rule: 'dlq',
        message: `queue ${queueId}'s DLQ is not a queue in this stack`,
      });
    } else if (Number(props(dlq).MessageRetentionPeriod) !== DLQ_RETENTION_SECONDS) {
      violations.push({
        resource: dlqId,
        rule: 'dlq',
        message: `DLQ ${dlqId} must keep messages 14 days (1209600 s)`,
      });
    }
  }
  return violations;
}

/** Every SQS and stream trigger reports partial batch failures, so one bad record never fails its batch. */
export function checkBatchItemFailures(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')
    .filter(
      ([, mapping]) =>
        !asArray(props(mapping).FunctionResponseTypes as string[]).includes('ReportBatchItemFailures'),
    )
    .map(([id]) => ({
      resource: id,
      rule: 'batch-item-failures',
      message: `${id} does not report batch item failures`,
    }));
}

/** A rule may send to a queue only through a queue policy that admits that rule and nothing else. */
export function checkRuleQueuePolicies(template: Template): Violation[] {
  const violations: Violation[] = [];
  const policies = resourcesOfType(template, 'AWS::SQS::QueuePolicy');
  for (const [ruleId, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    for (const target of asArray(props(rule).Targets as { Arn?: unknown }[])) {
      const queueId = referencedLogicalId(target.Arn);
      if (!queueId || template.Resources[queueId]?.Type !== 'AWS::SQS::Queue') continue;
      const policy = policies.find(([, candidate]) =>
        asArray(props(candidate).Queues).some((queue) => referencedLogicalId(queue) === queueId),
      );
      if (!policy) {
        violations.push({
          resource: queueId,
          rule: 'queue-policy',
          message: `rule ${ruleId} targets ${queueId}, which has no queue policy`,
        });
        continue;
      }
      const statements = asArray(
        (props(policy[1]).PolicyDocument as { Statement?: unknown })?.Statement,
      ) as Record<string, unknown>[];
      for (const statement of statements) {
        const sourceArn = (statement.Condition as Record<string, Record<string, unknown>> | undefined)
          ?.ArnEquals?.['aws:SourceArn'];
        if (statement.Effect === 'Allow' && referencedLogicalId(sourceArn) !== ruleId) {
          violations.push({
            resource: policy[0],
            rule: 'queue-policy',
            message: `${policy[0]} allows more than rule ${ruleId} (each Allow needs ArnEquals aws:SourceArn of the rule)`,
          });
        }
      }
    }
  }
  return violations;
}

/** Tables are on-demand with point-in-time recovery. */
export function checkTables(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, table] of resourcesOfType(template, 'AWS::DynamoDB::Table')) {
    if (props(table).BillingMode !== 'PAY_PER_REQUEST') {
      violations.push({ resource: id, rule: 'table', message: `${id} must be on-demand (PAY_PER_REQUEST)` });
    }
    const pitr = props(table).PointInTimeRecoverySpecification as
      | { PointInTimeRecoveryEnabled?: boolean }
      | undefined;
    if (pitr?.PointInTimeRecoveryEnabled !== true) {
      violations.push({ resource: id, rule: 'table', message: `${id} must have point-in-time recovery` });
    }
  }
  return violations;
}

function policyStatements(resource: Resource): Record<string, unknown>[] {
  const documents: unknown[] = [];
  if (resource.Type === 'AWS::IAM::Role') {
    for (const policy of asArray(props(resource).Policies as { PolicyDocument?: unknown }[]))
      documents.push(policy.PolicyDocument);
  } else if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
    documents.push(props(resource).PolicyDocument);
  }
  return documents.flatMap((document) =>
    asArray((document as { Statement?: unknown } | undefined)?.Statement),
  ) as Record<string, unknown>[];
}

/**
 * X-Ray's two trace-upload actions, which Lambda's active tracing calls with the function's role. X-Ray
 * has no resource-level permissions: these are the one grant allowed on `Resource: "*"`.
 */
export const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

/**
 * No action wildcards such as `dynamodb:*`, and nothing on `Resource: "*"` but X-Ray's trace actions
 * (XRAY_ACTIONS, the documented exception): every other action names what it acts on.
 */
export function checkIamLeastPrivilege(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    for (const statement of policyStatements(resource)) {
      if (statement.Effect !== 'Allow') continue;
      const actions = asArray(statement.Action as string | string[]);
      const wildcard = actions.filter(
        (action) => typeof action === 'string' && (action === '*' || action.endsWith(':*')),
      );
      if (wildcard.length > 0) {
        violations.push({
          resource: id,
          rule: 'iam',
          message: `${id} grants wildcard actions ${wildcard.join(', ')}`,
        });
      }
      const onEverything = actions.filter(
        (action) => typeof action === 'string' && !XRAY_ACTIONS.includes(action),
      );
      if (onEverything.length > 0 && asArray(statement.Resource).some((resourceArn) => resourceArn === '*')) {
        violations.push({
          resource: id,
          rule: 'iam',
          message: `${id} grants ${onEverything.join(', ')} on Resource "*"`,
        });
      }
    }
  }
  return violations;
}

/** Every log group has a retention, so logs don't pile up (and cost) forever. */
export function checkLogRetention(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Logs::LogGroup')
    .filter(([, group]) => !(Number(props(group).RetentionInDays) > 0))
    .map(([id]) => ({ resource: id, rule: 'log-retention', message: `${id} has no RetentionInDays` }));
}

/** Every function runs nodejs24.x on arm64. */
export function checkRuntime(template: Template): Violation[] {
  return resourcesOfType(template, 'AWS::Lambda::Function')
    .filter(
      ([, fn]) => props(fn).Runtime !== 'nodejs24.x' || !asArray(props(fn).Architectures).includes('arm64'),
    )
    .map(([id, fn]) => ({
      resource: id,
      rule: 'runtime',
      message: `${id} runs ${String(props(fn).Runtime)} on ${String(props(fn).Architectures)}; expected nodejs24.x on arm64`,
    }));
}

/**
 * Every function is traced by Lambda itself (TracingConfig Active, no tracer in the code) and its own
 * role may upload the segments (XRAY_ACTIONS): without them, tracing is on and X-Ray stays empty.
 */
export function checkTracing(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const mode = (props(fn).TracingConfig as { Mode?: string } | undefined)?.Mode;
    if (mode !== 'Active') {
      violations.push({
        resource: id,
        rule: 'tracing',
        message: `${id} is not traced (TracingConfig Active)`,
      });
      continue;
    }
    const roleId = referencedLogicalId(props(fn).Role);
    const role = roleId ? template.Resources[roleId] : undefined;
    const granted = new Set(
      (role ? policyStatements(role) : [])
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => asArray(statement.Action as string | string[])),
    );
    const missing = XRAY_ACTIONS.filter((action) => !granted.has(action));
    if (missing.length > 0)
      violations.push({
        resource: id,
        rule: 'tracing',
        message: `${id} is traced but its role lacks ${missing.join(', ')}`,
      });
  }
  return violations;
}

/** Every DLQ (a queue another queue's RedrivePolicy or a stream's onFailure points at) has a depth alarm. */
export function checkDlqAlarms(template: Template): Violation[] {
  const dlqIds = new Set<string>();
  for (const [, queue] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const dlqId = referencedLogicalId(
      (props(queue).RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn,
    );
    if (dlqId) dlqIds.add(dlqId);
  }
  for (const [, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const destination = (
      props(mapping).DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
    )?.OnFailure?.Destination;
    const dlqId = referencedLogicalId(destination);
    if (dlqId && template.Resources[dlqId]?.Type === 'AWS::SQS::Queue') dlqIds.add(dlqId);
  }
  const alarmed = new Set(
    resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .filter(
        ([, alarm]) => props(alarm).Namespace === 'AWS/SQS' && asArray(props(alarm).AlarmActions).length > 0,
      )
      .flatMap(([, alarm]) =>
        asArray(props(alarm).Dimensions as { Name?: string; Value?: unknown }[])
          .filter((dimension) => dimension.Name === 'QueueName')
          .map((dimension) => referencedLogicalId(dimension.Value)),
      ),
  );
  return [...dlqIds]
    .filter((dlqId) => !alarmed.has(dlqId))
    .map((dlqId) => ({
      resource: dlqId,
      rule: 'dlq-alarm',
      message: `DLQ ${dlqId} has no depth alarm that notifies anyone`,
    }));
}

/** A queue's visibility timeout must cover its consumer's timeout, or a slow batch is delivered twice. */
export function checkVisibilityTimeouts(template: Template): Violation[] {
  const violations: Violation[] = [];
  for (const [id, mapping] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const queueId = referencedLogicalId(props(mapping).EventSourceArn);
    const fnId = referencedLogicalId(props(mapping).FunctionName);
    const queue = queueId ? template.Resources[queueId] : undefined;
    const fn = fnId ? template.Resources[fnId] : undefined;
    if (queue?.Type !== 'AWS::SQS::Queue' || !fn) continue;
    const visibility = Number(props(queue).VisibilityTimeout ?? 30);
    const timeout = Number(props(fn).Timeout ?? 6);
    if (visibility < timeout) {
      violations.push({
        resource: id,
        rule: 'visibility',
        message: `${queueId} visibility ${visibility}s is shorter than ${fnId} timeout ${timeout}s`,
      });
    }
  }
  return violations;
}

export const ALL_CHECKS = [
  checkQueueDeadLetters,
  checkBatchItemFailures,
  checkRuleQueuePolicies,
  checkTables,
  checkIamLeastPrivilege,
  checkLogRetention,
  checkRuntime,
  checkDlqAlarms,
  checkVisibilityTimeouts,
  checkTracing,
];

/** Runs every check over one template. */
export function checkTemplate(template: Template): Violation[] {
  return ALL_CHECKS.flatMap((check) => check(template));
}

// ---- Packaged artifacts ------------------------------------------------------------------------------

/** One file in a packaged Lambda artifact. */
export interface ArtifactEntry {
  name: string;
  /** Uncompressed size in bytes (from the zip's central directory). */
  size: number;
  read(): Buffer;
}

const ZIP_END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP_CENTRAL_FILE_HEADER = 0x02014b50;
const ZIP_LOCAL_FILE_HEADER = 0x04034b50;

/**
 * The files of a .zip as serverless packages it (stored or deflated, no zip64): read from the central
 * directory, each decompressed only when asked for. No zip library is a dependency of the repo, and this
 * is all a check of the artifact needs.
 * @see https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (4.3.12, 4.3.16)
 */
export function zipEntries(zip: Buffer): ArtifactEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end === -1 || zip.readUInt32LE(end) !== ZIP_END_OF_CENTRAL_DIRECTORY) throw new Error('Not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new Error('zip64 archives are not supported');
  const entries: ArtifactEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== ZIP_CENTRAL_FILE_HEADER)
      throw new Error('Corrupt zip central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({
      name,
      size,
      read() {
        if (zip.readUInt32LE(localHeader) !== ZIP_LOCAL_FILE_HEADER)
          throw new Error(`Corrupt zip entry ${name}`);
        const start =
          localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedSize);
        if (method === 0) return data;
        if (method === 8) return inflateRawSync(data);
        throw new Error(`Zip entry ${name} uses compression method ${method}`);
      },
    });
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return entries;
}

/** ELF `e_machine` values of the architectures a native module may be built for. */
const ELF_MACHINES: Record<number, string> = { 3: 'x86', 40: 'arm', 62: 'x86-64', 183: 'arm64' };
const NATIVE_BINARY = /\.node$|\.so(\.\d+)*$/;
// Packages such as sharp ship each platform's build as an optional dependency named after it
// (@img/sharp-linux-arm64, @img/sharp-libvips-linux-arm64, @swc/core-linux-arm64-gnu).
const LINUX_ARM64_BUILD = /linux-arm64(-gnu)?$/;
const PACKAGE_MANIFEST = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/;

/** What a native binary was built for, from its header: `linux-arm64`, `linux-x86-64`, `darwin`, … */
export function binaryPlatform(head: Buffer): string {
  if (head.length >= 20 && head.readUInt32BE(0) === 0x7f454c46) {
    const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
    return `linux-${ELF_MACHINES[machine] ?? `machine-${machine}`}`;
  }
  if (head.length >= 4 && [0xfeedfacf, 0xcffaedfe, 0xcafebabe].includes(head.readUInt32BE(0)))
    return 'darwin';
  if (head.length >= 2 && head.toString('latin1', 0, 2) === 'MZ') return 'win32';
  return 'unknown';
}

/**
 * Lambda runs our functions on arm64 (Amazon Linux 2023, glibc), but CI installs x64 builds. In a packaged
 * artifact every native binary (`.node`, `.so`) must be a linux-arm64 ELF, and every package that ships
 * its platform builds as optional dependencies must have its linux-arm64 (glibc) ones packaged with it.
 */
export function checkNativeBuilds(artifact: string, entries: ArtifactEntry[]): Violation[] {
  const violations: Violation[] = [];
  const packaged = new Set(
    entries.flatMap((entry) => {
      const match = PACKAGE_MANIFEST.exec(entry.name);
      return match ? [match[1]!] : [];
    }),
  );
  for (const entry of entries) {
    if (NATIVE_BINARY.test(entry.name)) {
      const platform = binaryPlatform(entry.read().subarray(0, 64));
      if (platform !== 'linux-arm64') {
        violations.push({
          resource: artifact,
          rule: 'native-build',
          message: `${entry.name} is built for ${platform}; Lambda runs linux-arm64`,
        });
      }
    }
    const manifest = PACKAGE_MANIFEST.exec(entry.name);
    if (!manifest) continue;
    const { optionalDependencies = {} } = JSON.parse(entry.read().toString('utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    const missing = Object.keys(optionalDependencies).filter(
      (name) => LINUX_ARM64_BUILD.test(name) && !packaged.has(name),
    );
    if (missing.length > 0) {
      violations.push({
        resource: artifact,
        rule: 'native-build',
        message: `${manifest[1]}'s linux-arm64 build is missing: ${missing.join(', ')}`,
      });
    }
  }
  return violations;
}

// ---- Function artifacts: size and what each bundle carries ---------------------------------------------

/** One function's packaged zip, as `package.individually` leaves it in the service's .serverless/. */
export interface FunctionArtifact {
  service: string;
  /** The function's key in serverless.yml (`getTimeline`), which is also the zip's name. */
  name: string;
  zipBytes: number;
  entries: ArtifactEntry[];
}

const MB = 1024 * 1024;
/** AWS's limit on a function's unzipped package. */
export const AWS_UNZIPPED_LIMIT_BYTES = 250 * MB;
/** Ours: a function carries its own bundle and nothing else, so it stays far below AWS's limit. */
export const UNZIPPED_LIMIT_BYTES = 5 * MB;
export const ZIP_LIMIT_BYTES = 1 * MB;

/**
 * Packages a bundle may carry only in the functions that call them (`service/function`). The photo
 * consumer is the one function with sharp (and its native linux-arm64 build), so it alone may exceed
 * our size limits (never AWS's).
 */
export const PACKAGE_ALLOW_LIST: Record<string, (artifact: { service: string; name: string }) => boolean> = {
  '@aws-sdk/client-s3': (artifact) => artifact.service === 'media',
  twilio: (artifact) =>
    artifact.service === 'notifications' &&
    [
      'sms',
      'followUps',
      'crewSms',
      'inbound',
      'sendDispatcherMessage',
      'receiveSms',
      'deliveryStatus',
    ].includes(artifact.name),
  sharp: (artifact) => isPhotoConsumer(artifact),
  // Stripe's SDK: only the jobs functions that create Checkout Sessions, verify its webhooks or refund.
  stripe: (artifact) =>
    artifact.service === 'jobs' && ['startCheckout', 'stripeWebhook', 'refunds'].includes(artifact.name),
};

export function isPhotoConsumer(artifact: { service: string; name: string }): boolean {
  // media's `photos` consumer: checks uploads, reads EXIF and makes thumbnails with sharp.
  return artifact.service === 'media' && artifact.name === 'photos';
}

/**
 * How a bundled package shows in a minified bundle (no source map to read its sources from): a string
 * the package itself puts in the code — the client's own name in its user agent, Twilio's `twilio-node/`.
 * Packages left out of the bundle (sharp) show as node_modules/ in the zip.
 */
const BUNDLED_PACKAGE_MARKERS: Record<string, string> = {
  '@aws-sdk/client-s3': '@aws-sdk/client-s3',
  twilio: 'twilio-node/',
  stripe: 'NodeBindings/',
};

/** The checked packages (PACKAGE_ALLOW_LIST) a function carries, bundled or in node_modules/. */
export function packagesIn(entries: ArtifactEntry[]): Set<string> {
  const packages = new Set<string>();
  for (const entry of entries) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(entry.name);
    if (match) packages.add(match[1]!);
    if (/\.m?js$/.test(entry.name) && !entry.name.includes('node_modules/')) {
      const code = entry.read().toString('utf8');
      for (const [name, marker] of Object.entries(BUNDLED_PACKAGE_MARKERS))
        if (code.includes(marker)) packages.add(name);
    }
  }
  return packages;
}

/**
 * A function's zip within AWS's limit (250 MB unzipped) and ours (5 MB unzipped, 1 MB zipped; the photo
 * consumer excepted from ours), without a source map, and no package it has no
 * business carrying (PACKAGE_ALLOW_LIST).
 */
export function checkFunctionArtifact(artifact: FunctionArtifact): Violation[] {
  const resource = `${artifact.service}/${artifact.name}`;
  const violations: Violation[] = [];
  const unzipped = artifact.entries.reduce((sum, entry) => sum + entry.size, 0);
  const exempt = isPhotoConsumer(artifact);
  const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;
  if (unzipped > AWS_UNZIPPED_LIMIT_BYTES) {
    violations.push({
      resource,
      rule: 'artifact-size',
      message: `${resource} unzips to ${mb(unzipped)}; AWS refuses over 250 MB`,
    });
  } else if (!exempt && unzipped > UNZIPPED_LIMIT_BYTES) {
    violations.push({
      resource,
      rule: 'artifact-size',
      message: `${resource} unzips to ${mb(unzipped)}; our limit is 5 MB`,
    });
  }
  if (!exempt && artifact.zipBytes > ZIP_LIMIT_BYTES) {
    violations.push({
      resource,
      rule: 'artifact-size',
      message: `${resource}'s zip is ${mb(artifact.zipBytes)}; our limit is 1 MB`,
    });
  }
  if (artifact.entries.some((entry) => entry.name.endsWith('.map'))) {
    violations.push({
      resource,
      rule: 'source-map',
      message: `${resource} carries a source map: it would double the zip (stack traces use function names)`,
    });
  }
  for (const name of packagesIn(artifact.entries)) {
    const allowed = PACKAGE_ALLOW_LIST[name];
    if (allowed && !allowed(artifact)) {
      violations.push({
        resource,
        rule: 'forbidden-package',
        message: `${resource} carries ${name}, which it never calls`,
      });
    }
  }
  return violations;
}
