import type { DetailType, EventSource } from './events.ts';

/**
 * A consumer, declared once (each service's `src/consumers.ts`). From the declaration come its rule (or
 * subscription), queue, dead-letter queue (14 days), redrive policy, the queue policy that admits only
 * that rule or topic, the DLQ alarm to the ops topic, the function and its trigger (ReportBatchItemFailures),
 * the function's IAM statements, the ops review's registration (OPS_CONSUMERS) and — for bus consumers —
 * the detail-types its handler accepts (`busEvents(...consumer.detailTypes)`). The infrastructure is made
 * from it by scripts/osls-plugin/consumers.ts when osls reads the service's serverless.yml.
 */
export interface ConsumerDeclaration {
  /**
   * Unique across services: the rule is `qdn-<stage>-<name>` (what a replay targets), the queue
   * `qdn-<stage>-<service>-<name>`, the ops routes `/ops/<service>/dlqs/<name>`, the function `camelCase(name)`.
   */
  name: string;
  /** What it does, in a dispatcher's words (the ops review shows it). */
  purpose: string;
  /** What a message in its DLQ means for the business (the alarm's description). */
  whenDeadLettered: string;
  /** serverless handler path, relative to the service (`src/handlers/send-sms.handler`). */
  handler: string;
  /** Where its messages come from. */
  from: ConsumerSource;
  /** SQS trigger: records per batch (default 10), a number or a `${param:…}`. */
  batchSize?: number | string;
  /** Concurrent batches (default `${param:sqsMaxConcurrency}`; Lambda's minimum is 2). */
  maxConcurrency?: number | string;
  /** The function's memory (MB) and timeout (s), when not the common ones (the photo checks need more). */
  memorySize?: number;
  timeout?: number;
  /** Names in the service's `custom.grants`: what the handler's code path calls besides its failure records. */
  grants: readonly string[];
  /** The function's environment: a key of the service's `custom` (default: none besides the common one). */
  environment?: string;
}

export type ConsumerSource =
  /** A rule on the qdn bus: one source (or every `qdn.` source), and the detail-types taken. */
  | {
      bus: {
        source: EventSource | 'qdn.*';
        detailTypes?: readonly DetailType[];
        /** A content filter on `detail` (EventBridge pattern syntax), e.g. charters only. */
        detail?: Record<string, unknown>;
        description: string;
      };
    }
  /** A rule on another bus with a pattern of its own (S3's Object Created on the default bus). */
  | { rule: { eventBusName: string; pattern: Record<string, unknown>; description: string } }
  /** An SNS topic another stack exports (`qdn-<stage>-<exportSuffix>`): a raw-delivery subscription. */
  | { topic: { exportSuffix: string } }
  /** Only this service's own functions send to the queue (SendMessage); no rule, no queue policy. */
  | { sentBy: string }
  /**
   * EventBridge Scheduler one-time schedules (@qdn/shared/scheduler) send to the queue when work falls
   * due: the service's schedule group and the role Scheduler assumes to send (sqs:SendMessage on this
   * queue only, trusted by scheduler.amazonaws.com for this account) come with it, as
   * `<Id>ScheduleGroup` and `<Id>SchedulerRole`. `scheduledBy` names the service's functions that plant
   * schedules (they get CreateSchedule on the group and PassRole on the role through `custom.grants`).
   */
  | { schedules: { description: string } };

/**
 * Declares a consumer, keeping the literal detail-types so the handler's `busEvents(...detailTypes)`
 * types each event it receives.
 */
export function defineConsumer<const T extends ConsumerDeclaration>(declaration: T): T {
  return declaration;
}

/**
 * The publish-retry consumer of a service whose events come from its table's stream (@qdn/shared/outbox):
 * events the stream publisher could not put on the bus wait on its queue, whole, and are published again
 * (`republisher`); they outlive the stream's 24-hour retention and can be redriven from the DLQ, where
 * the stream's own failures land too (its on-failure destination). Its environment is the service's
 * `custom.publishRetryEnvironment` (the failures table).
 *
 * @example
 * export const publishRetry = definePublishRetry({ name: 'publish-retry', events: 'job changes', handler: 'src/handlers/republish-job-events.handler' });
 */
export function definePublishRetry<const Name extends string>(options: {
  name: Name;
  /** What the events are, in a dispatcher's words (`job changes`, `SMS outcomes`). */
  events: string;
  handler: string;
}) {
  const what = options.events.charAt(0).toUpperCase() + options.events.slice(1);
  return defineConsumer({
    name: options.name,
    purpose: `Publish ${options.events} the bus refused the first time`,
    whenDeadLettered: `${what} could not be published to the bus`,
    handler: options.handler,
    from: { sentBy: 'publisher' },
    environment: 'publishRetryEnvironment',
    grants: ['publishToBus'],
  });
}

/** The detail-types a bus consumer's rule takes (its handler accepts these and no other). */
export function acceptedDetailTypes<T extends DetailType>(declaration: {
  from: { bus: { detailTypes?: readonly T[] } };
}): T[] {
  return [...(declaration.from.bus.detailTypes ?? [])];
}
