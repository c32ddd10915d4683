/** Where the emulator pretends to live: every ARN it issues carries these. */
export interface AwsLocation {
  region: string;
  accountId: string;
}

export const DEFAULT_EVENT_BUS_NAME = 'default';

/** @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus.html */
export function eventBusArn(location: AwsLocation, busName: string): string {
  return `arn:aws:events:${location.region}:${location.accountId}:event-bus/${busName}`;
}

/**
 * Rules on the default bus have no bus segment in their ARN; rules on custom buses do.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html#amazoneventbridge-resources-for-iam-policies
 */
export function ruleArn(location: AwsLocation, busName: string, ruleName: string): string {
  const busSegment = busName === DEFAULT_EVENT_BUS_NAME ? '' : `${busName}/`;
  return `arn:aws:events:${location.region}:${location.accountId}:rule/${busSegment}${ruleName}`;
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreateArchive.html */
export function archiveArn(location: AwsLocation, archiveName: string): string {
  return `arn:aws:events:${location.region}:${location.accountId}:archive/${archiveName}`;
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html */
export function replayArn(location: AwsLocation, replayName: string): string {
  return `arn:aws:events:${location.region}:${location.accountId}:replay/${replayName}`;
}

/**
 * Most operations accept a bus by name or by ARN (`EventBusNameOrArn`); the bus name is what identifies it
 * here. Returns undefined for an ARN that is not an event-bus ARN.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html#eventbridge-PutRule-request-EventBusName
 */
export function eventBusNameFromNameOrArn(nameOrArn: string | undefined): string | undefined {
  if (nameOrArn === undefined || nameOrArn === '') return DEFAULT_EVENT_BUS_NAME;
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1];
}

/**
 * The archive name from an archive ARN, or undefined when the ARN is not one.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_StartReplay.html#eventbridge-StartReplay-request-EventSourceArn
 */
export function archiveNameFromArn(arn: string): string | undefined {
  return /^arn:[^:]+:events:[^:]*:[^:]*:archive\/(.+)$/.exec(arn)?.[1];
}

/**
 * SQS queue ARNs (`arn:aws:sqs:region:account:name`) are the only targets the local bus delivers to.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
 */
export function isSqsQueueArn(arn: string): boolean {
  return /^arn:[^:]+:sqs:[^:]*:[^:]*:[^:/]+$/.test(arn);
}
