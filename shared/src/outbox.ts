import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { loadConfig, requiredString } from './config.ts';
import { type DomainEvent, detailSchemaOf, EVENT_CATALOG, type EventSource } from './events.ts';
import { logger } from './logging.ts';
import { publishEvents } from './publish.ts';
import { queueConsumer } from './queue.ts';
import { sqsClient } from './sqs.ts';

/*
 * The one outbox (issue 21): a service's events are derived from its table's committed writes, so a
 * state change and its event cannot diverge and no write exists only to remember "published". The
 * writer does nothing extra; the table's stream (NEW_AND_OLD_IMAGES) runs `streamPublisher`, which
 * turns each write's old/new item into events with the service's pure `eventsOf`, publishes them in
 * stream order, and parks them on the service's publish-retry queue (declared with `sentBy:
 * 'publisher'`, handled by `republisher`) when the bus keeps refusing them.
 *
 * Why derived from the images rather than outbox items written in the same TransactWriteItems: it
 * costs no extra item, no transaction (a transaction is two WCUs per item and fails on any contention)
 * and no TTL clean-up; every event we publish is a function of the item that changed.
 */

/** A DynamoDB item, unmarshalled. */
export type StoredItem = Record<string, unknown>;

/** One committed write: the item before (absent for an insert) and after (absent for a delete). */
export interface ItemChange {
  before: StoredItem | undefined;
  after: StoredItem | undefined;
}

export interface StreamPublisherOptions {
  /**
   * The events one write stands for ([] for items that are not events: most of them). A function of the
   * change; async only to read configuration the events name (the brand catalog), never to write.
   */
  eventsOf: (change: ItemChange) => DomainEvent[] | Promise<DomainEvent[]>;
}

function itemOf(image: unknown): StoredItem | undefined {
  return image ? (unmarshall(image as Record<string, AttributeValue>) as StoredItem) : undefined;
}

/**
 * The table-stream publisher: publishes the events of each write in stream order. If the bus keeps
 * refusing a write's events (after publishEvents' own retries), they are parked whole on the retry
 * queue (PUBLISH_RETRY_QUEUE_URL), which outlives the stream's 24 hours and has a DLQ. Only if parking
 * fails too does the record fail: it is reported (ReportBatchItemFailures) and the batch stops there, so
 * Lambda retries from it and the events of one item never overtake each other.
 *
 * @example
 * // services/jobs/src/handlers/publish-job-events.ts
 * export const handler = streamPublisher({ eventsOf: ({ before, after }) => eventsForJobChange(job(before), job(after)) });
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html
 */
export function streamPublisher(options: StreamPublisherOptions) {
  const { PUBLISH_RETRY_QUEUE_URL } = loadConfig({ PUBLISH_RETRY_QUEUE_URL: requiredString() });
  const sqs = sqsClient();

  async function publishRecord(record: DynamoDBRecord): Promise<void> {
    const events = await options.eventsOf({
      before: itemOf(record.dynamodb?.OldImage),
      after: itemOf(record.dynamodb?.NewImage),
    });
    if (events.length === 0) return;
    try {
      await publishEvents(events);
    } catch (error) {
      logger.warn('Publishing failed after retries; parking the events on the retry queue', {
        error: error as Error,
      });
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: PUBLISH_RETRY_QUEUE_URL,
          MessageBody: JSON.stringify({ events }),
        }),
      );
    }
  }

  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async function publishTableEvents(event) {
      for (const record of event.Records) {
        try {
          await publishRecord(record);
        } catch (error) {
          logger.error('Publishing events failed; the stream will retry from this record', {
            sequenceNumber: record.dynamodb?.SequenceNumber,
            error: error as Error,
          });
          return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
        }
      }
      return { batchItemFailures: [] };
    });
}

/**
 * What the publisher parks on the retry queue: the events of one write, whole, of one source, each
 * detail valid for its detail-type. The publisher parks whatever the bus refused, an event its own
 * schema refuses too (publishEvents validates before sending); checked here, such a message fails to
 * parse and so is retried into the DLQ with its reason, to be fixed and redriven, where failing in
 * publishEvents would count as a permanent failure and acknowledge the events away.
 */
export function parkedEventsSchema(source: EventSource) {
  const detailTypes = Object.keys(EVENT_CATALOG[source]) as [string, ...string[]];
  const parkedEvent = z
    .object({ source: z.literal(source), detailType: z.enum(detailTypes), detail: z.unknown() })
    .superRefine((event, context) => {
      const checked = detailSchemaOf(event.detailType)!.safeParse(event.detail);
      for (const issue of checked.error?.issues ?? [])
        context.addIssue({ code: 'custom', message: issue.message, path: ['detail', ...issue.path] });
    });
  return z.object({ events: z.array(parkedEvent).min(1) });
}

/**
 * The publish-retry consumer: publishes events the stream publisher parked; a failure goes back to the
 * queue (retries, then the DLQ with its reason). Events are validated against their schemas again by
 * publishEvents.
 */
export function republisher(options: { consumer: string; source: EventSource }) {
  const schema = parkedEventsSchema(options.source);
  return queueConsumer(
    { consumer: options.consumer, parse: (body) => schema.parse(body) },
    async function republish(message) {
      await publishEvents(message.events as DomainEvent[]);
    },
  );
}
