import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import { logger, publishEvents } from '@qdn/shared';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { eventsForJobChange, type JobRecord } from '../domain/job-events.ts';

function jobImage(image: Record<string, unknown> | undefined): JobRecord | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  // The table holds other items too (tracking links, telemetry); only job items become job events.
  return item.sk === 'JOB' ? (item as unknown as JobRecord) : undefined;
}

async function publishRecord(record: DynamoDBRecord): Promise<void> {
  const events = eventsForJobChange(jobImage(record.dynamodb?.OldImage), jobImage(record.dynamodb?.NewImage));
  if (events.length > 0) await publishEvents(events);
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
