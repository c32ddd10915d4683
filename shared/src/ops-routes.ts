import * as z from 'zod';
import { ConfigError, loadConfig, requiredString } from './config.ts';
import { dynamoDocumentClient } from './dynamo.ts';
import { NotFoundError } from './errors.ts';
import { httpHandler } from './http.ts';
import { DeadLetterReview } from './ops-dead-letters.ts';
import { EventReplays } from './ops-replay.ts';
import { type OpsConsumer, OpsConsumers } from './ops-review.ts';
import { eventBridgeClient } from './publish.ts';
import type { Role } from './roles.ts';
import { sqsClient } from './sqs.ts';

/** Who may review DLQs, redrive, discard and replay. */
export const OPS_ROLES: readonly Role[] = ['dispatcher', 'admin'];

export const ConsumerParams = z.object({ consumer: z.string().min(1).max(64) });
export const RedriveBody = z
  .object({
    messageIds: z.array(z.string().min(1).max(128)).min(1).max(1_000).optional(),
  })
  .strict()
  .optional();
export const DiscardBody = z
  .object({
    messageId: z.string().min(1).max(128),
    reason: z.string().trim().min(3, 'say why, for the job timeline').max(500),
  })
  .strict();
export const ReplayBody = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    consumer: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/, 'a consumer name such as calendar or sms')
      .optional(),
  })
  .strict();
export const ReplayParams = z.object({ name: z.string().min(1).max(64) });

/**
 * The service's consumers from its environment: OPS_SERVICE (`calendar`) and OPS_CONSUMERS, a JSON
 * object its serverless.yml builds with !Sub from its own queues, e.g.
 * `{"calendar":{"queueUrl":"…","queueArn":"…","dlqUrl":"…","dlqArn":"…","purpose":"…"}}`.
 * Read at cold start; a malformed value fails the function at once.
 */
export function opsConsumersFromEnvironment(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(
    { OPS_SERVICE: requiredString(), OPS_CONSUMERS: requiredString(), FAILURES_TABLE: requiredString() },
    env,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.OPS_CONSUMERS);
  } catch (error) {
    throw new ConfigError(`Configuration error: OPS_CONSUMERS is not JSON (${(error as Error).message})`);
  }
  const consumers = OpsConsumers.safeParse(parsed);
  if (!consumers.success) {
    throw new ConfigError(`Configuration error: OPS_CONSUMERS is invalid: ${consumers.error.message}`);
  }
  return {
    service: config.OPS_SERVICE,
    failuresTable: config.FAILURES_TABLE,
    consumers: Object.entries(consumers.data).map(([name, consumer]): OpsConsumer => ({ name, ...consumer })),
  };
}

function deadLetterReview(): DeadLetterReview {
  const { service, failuresTable, consumers } = opsConsumersFromEnvironment();
  return new DeadLetterReview({
    service,
    consumers,
    failuresTable,
    sqs: sqsClient(),
    documents: dynamoDocumentClient(),
    // SQS's own move task in AWS; the local cloud's SQS (fauxqs, reached through AWS_ENDPOINT_URL_SQS)
    // has none, and loses messages made visible with a 0 s timeout (see DeadLetterReviewOptions).
    useMoveTask: !process.env.AWS_ENDPOINT_URL_SQS,
    releaseVisibilitySeconds: process.env.AWS_ENDPOINT_URL_SQS ? 1 : 0,
  });
}

/** GET /ops/{service}/dlqs — one line per consumer: DLQ depth, oldest message, the consumer's backlog. */
export function listDeadLetterQueuesRoute() {
  const review = deadLetterReview();
  return httpHandler({ roles: OPS_ROLES }, async function listDeadLetterQueues() {
    return { body: await review.summaries() };
  });
}

/** GET /ops/{service}/dlqs/{consumer}/messages — every parked message, decoded, with a suggested action. */
export function listDeadLettersRoute() {
  const review = deadLetterReview();
  return httpHandler(
    { roles: OPS_ROLES, params: ConsumerParams },
    async function listDeadLetters({ params }) {
      return { body: await review.messages(params.consumer) };
    },
  );
}

/** POST /ops/{service}/dlqs/{consumer}/redrive `{ messageIds? }` — back to the consumer's queue. */
export function redriveDeadLettersRoute() {
  const review = deadLetterReview();
  return httpHandler(
    { roles: OPS_ROLES, params: ConsumerParams, body: RedriveBody },
    async function redriveDeadLetters({ params, body, principal }) {
      return { body: await review.redrive(params.consumer, body?.messageIds, principal!.userId) };
    },
  );
}

/** POST /ops/{service}/dlqs/{consumer}/discard `{ messageId, reason }` — gone, with the reason on the job's timeline. */
export function discardDeadLetterRoute() {
  const review = deadLetterReview();
  return httpHandler(
    { roles: OPS_ROLES, params: ConsumerParams, body: DiscardBody },
    async function discardDeadLetter({ params, body, principal }) {
      return {
        body: await review.discard(params.consumer, {
          messageId: body.messageId,
          reason: body.reason,
          actor: principal!.userId,
        }),
      };
    },
  );
}

function eventReplays(): EventReplays {
  const config = loadConfig({
    STAGE: requiredString(),
    EVENT_BUS_NAME: requiredString(),
    EVENT_BUS_ARN: requiredString(),
    EVENT_ARCHIVE_ARN: requiredString(),
    ARCHIVE_RETENTION_DAYS: z.coerce.number().int().positive(),
  });
  return new EventReplays({
    eventBridge: eventBridgeClient(),
    busName: config.EVENT_BUS_NAME,
    busArn: config.EVENT_BUS_ARN,
    archiveArn: config.EVENT_ARCHIVE_ARN,
    retentionDays: config.ARCHIVE_RETENTION_DAYS,
    namePrefix: `qdn-${config.STAGE}-`,
  });
}

/** POST /ops/jobs/replays `{ from, to, consumer? }` — replays the archive's window (jobs owns the bus). */
export function startReplayRoute() {
  const replays = eventReplays();
  return httpHandler({ roles: OPS_ROLES, body: ReplayBody }, async function startReplay({ body, principal }) {
    return { statusCode: 202, body: { replay: await replays.start(body, principal!.userId) } };
  });
}

/** GET /ops/jobs/replays/{name} — state and progress. */
export function describeReplayRoute() {
  const replays = eventReplays();
  const prefix = `qdn-${process.env.STAGE}-`;
  return httpHandler({ roles: OPS_ROLES, params: ReplayParams }, async function describeReplay({ params }) {
    // Only replays started here (the IAM policy covers no others): anything else is the same 404.
    if (!params.name.startsWith(prefix)) throw new NotFoundError(`No replay ${params.name}`);
    return { body: { replay: await replays.describe(params.name) } };
  });
}

/**
 * The four dead-letter routes of a service, for its `src/handlers/ops-dead-letters.ts`:
 * `export const { listDlqs, listMessages, redrive, discard } = deadLetterRoutes();`
 * (GET /ops/<service>/dlqs, GET …/dlqs/{consumer}/messages, POST …/redrive, POST …/discard).
 */
export function deadLetterRoutes() {
  return {
    listDlqs: listDeadLetterQueuesRoute(),
    listMessages: listDeadLettersRoute(),
    redrive: redriveDeadLettersRoute(),
    discard: discardDeadLetterRoute(),
  };
}
