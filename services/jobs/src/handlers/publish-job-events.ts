import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { logger } from '@qdn/shared/logging';
import { publishEvents } from '@qdn/shared/publish';
import { sqsClient } from '@qdn/shared/sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventsForJobChange, type JobRecord } from '../domain/job-events.ts';

function jobImage(image: Record<string, unknown> | undefined): JobRecord | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  // The table holds other items too (tracking links, trailer claims, booking counters); only job items
  // become job events. Telemetry has a table of its own, without a stream.
  return item.sk === 'JOB' ? (item as unknown as JobRecord) : undefined;
}

const { PUBLISH_RETRY_QUEUE_URL } = loadConfig({ PUBLISH_RETRY_QUEUE_URL: requiredString() });
const sqs = sqsClient();

/**
 * Publishes one write's events; if the bus keeps refusing them, parks them whole on the retry queue
 * (which outlives the stream's 24 hours and has a DLQ). Only if that fails too does the record fail.
 */
async function publishRecord(record: DynamoDBRecord): Promise<void> {
  const events = eventsForJobChange(jobImage(record.dynamodb?.OldImage), jobImage(record.dynamodb?.NewImage));
  if (events.length === 0) return;
  try {
    await publishEvents(events);
  } catch (error) {
    logger.warn('Publishing failed after retries; parking the events on the retry queue', {
      error: error as Error,
    });
    await sqs.send(
      new SendMessageCommand({ QueueUrl: PUBLISH_RETRY_QUEUE_URL, MessageBody: JSON.stringify({ events }) }),
    );
  }
}

/**
 * Publishes the domain events of each job write, in stream order. On the first failure it reports
 * that record and stops, so Lambda retries from there and a job's events never overtake each other.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async function publishJobEvents(event) {
    for (const record of event.Records) {
      try {
        await publishRecord(record);
      } catch (error) {
        logger.error('Publishing job events failed; the stream will retry from this record', {
          sequenceNumber: record.dynamodb?.SequenceNumber,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
