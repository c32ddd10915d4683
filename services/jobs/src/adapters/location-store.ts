import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '@qdn/shared/dynamo';
import { untilProcessed } from '@qdn/shared/retry';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { LocationLog, StoredLocationPoint } from '../domain/job-locations.ts';

// The telemetry table: one item per point.
//   jobId / pointKey = <recordedAt ISO>#<lat>,<lng>
// The sort key starts with the time, so a job's points come back in time order from one Query, and
// ends with the position, so two fixes in the same millisecond are both kept while a phone resending
// the same point overwrites it instead of storing it twice.
const pointKey = (point: StoredLocationPoint) => `${point.recordedAt}#${point.lat},${point.lng}`;

const BATCH_LIMIT = 25;
const MAX_ATTEMPTS = 5;

/** A point from its item: the record without the table's key (jobId, pointKey), or a StoredRecordError. */
const storedPoint = storedRecord(
  'location point',
  recordFields<StoredLocationPoint>()({
    lat: z.number(),
    lng: z.number(),
    accuracy: z.number().optional(),
    speed: z.number().optional(),
    heading: z.number().optional(),
    recordedAt: z.string(),
    receivedAt: z.string(),
    recordedBy: z.string(),
    expiresAt: z.number(),
  }),
  { key: ['jobId', 'pointKey'] },
);

/** Location points through the DynamoDB document client. */
export class DynamoLocationLog implements LocationLog {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async record(jobId: string, points: readonly StoredLocationPoint[]): Promise<void> {
    // BatchWriteItem refuses a batch that names one key twice, so duplicates are dropped first.
    const items = new Map(points.map((point) => [pointKey(point), point]));
    const requests = [...items].map(([key, point]) => ({
      PutRequest: { Item: { jobId, pointKey: key, ...point } },
    }));
    for (let start = 0; start < requests.length; start += BATCH_LIMIT) {
      // What DynamoDB leaves unprocessed (throttling) is written again after a backoff (untilProcessed).
      await untilProcessed(
        requests.slice(start, start + BATCH_LIMIT),
        async (pending) => {
          const { UnprocessedItems } = await this.#client.send(
            new BatchWriteCommand({ RequestItems: { [this.#table]: pending } }),
          );
          return (UnprocessedItems?.[this.#table] ?? []) as typeof pending;
        },
        { what: 'location points', maxAttempts: MAX_ATTEMPTS },
      );
    }
  }

  async list(jobId: string, from: string, limit: number): Promise<StoredLocationPoint[]> {
    const items = await queryAll(
      this.#client,
      {
        TableName: this.#table,
        KeyConditionExpression: 'jobId = :jobId AND pointKey >= :from',
        ExpressionAttributeValues: { ':jobId': jobId, ':from': from },
        ScanIndexForward: false,
      },
      { limit },
    );
    return items.map(storedPoint);
  }

  async latest(jobId: string): Promise<StoredLocationPoint | undefined> {
    const { Items } = await this.#client.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': jobId },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return Items?.[0] ? storedPoint(Items[0]) : undefined;
  }
}
