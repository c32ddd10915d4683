import { logger } from '@qdn/shared';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

// Placeholder until the jobs issue: the stream publisher that turns job writes into domain events.
// It logs what changed so the stream wiring can be packaged and exercised.
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    logger.info('Job change', { eventName: record.eventName, keys: record.dynamodb?.Keys });
  }
  return { batchItemFailures: [] };
}
