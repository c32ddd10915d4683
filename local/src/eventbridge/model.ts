/**
 * The records the emulator persists. Field names follow the EventBridge API where a field is echoed back
 * verbatim (targets are stored exactly as PutTargets received them); times are epoch milliseconds.
 */

/**
 * An event as EventBridge hands it to targets.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  /** Only on events sent by a replay; EventBridge puts it right after `region`. */
  'replay-name'?: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventBusRecord {
  name: string;
  description?: string;
  kmsKeyIdentifier?: string;
  deadLetterConfig?: unknown;
  logConfig?: unknown;
  tags?: unknown;
  creationTime: number;
  lastModifiedTime: number;
}

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** A rule target, stored as the API shape (`Id`, `Arn`, `Input`, `SqsParameters`, ...). */
export interface TargetRecord {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  SqsParameters?: { MessageGroupId?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  [other: string]: unknown;
}

export interface RuleRecord {
  name: string;
  eventBusName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  tags?: unknown;
  createdBy: string;
  targets: TargetRecord[];
}

export interface ArchiveRecord {
  name: string;
  eventBusName: string;
  eventSourceArn: string;
  description?: string;
  eventPattern?: string;
  retentionDays: number;
  kmsKeyIdentifier?: string;
  creationTime: number;
  /** File name (inside the archives folder) of this archive's append-only event log. */
  logFile: string;
}

export type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface ReplayRecord {
  name: string;
  description?: string;
  archiveName: string;
  eventSourceArn: string;
  destination: { Arn: string; FilterArns?: string[] };
  eventStartTime: number;
  eventEndTime: number;
  state: ReplayState;
  stateReason?: string;
  replayStartTime: number;
  replayEndTime?: number;
  eventLastReplayedTime?: number;
  /** Number of archive log lines already replayed: where a replay resumes after a restart. */
  cursor: number;
}

/** Everything but archived events and pending deliveries: small, rewritten whole on each change. */
export interface ControlPlaneState {
  version: 1;
  eventBuses: EventBusRecord[];
  rules: RuleRecord[];
  archives: ArchiveRecord[];
  replays: ReplayRecord[];
}

/** One attempt-to-be of sending an event to one SQS target. */
export interface Delivery {
  eventId: string;
  ruleArn: string;
  targetId: string;
  queueArn: string;
  body: string;
  messageGroupId?: string;
  /** How many times to try before recording the delivery as failed. */
  maxAttempts: number;
  /** From the target's RetryPolicy.MaximumEventAgeInSeconds: no retry after this time. */
  expiresAt?: number;
  acceptedAt: number;
}

/** A delivery that gave up, kept so tests and people can see what was lost and why. */
export interface FailedDelivery {
  eventId: string;
  ruleArn: string;
  targetId: string;
  queueArn: string;
  body: string;
  messageGroupId?: string;
  attempts: number;
  error: string;
  acceptedAt: number;
  failedAt: number;
}
