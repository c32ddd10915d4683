import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, recordIfNewer } from '@qdn/shared/dynamo';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { JobDirectory, KnownJob } from '../domain/ports.ts';

/** A job as the directory holds it; the counter and the link are written apart from the job's fields. */
const storedJob = storedRecord(
  'known job',
  recordFields<KnownJob>()({
    jobId: z.string(),
    brandId: z.string(),
    version: z.number(),
    status: z.string(),
    crewIds: z.array(z.string()).default([]),
    date: z.string().default(''),
    endDate: z.string().optional(),
    customerPhotos: z.number().default(0),
    trackingLinkId: z.string().optional(),
  }),
  { key: ['jobId'] },
);

/** The media service's own table of jobs (`jobId`), fed by job events; never the jobs service's table. */
export class DynamoJobDirectory implements JobDirectory {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async get(jobId: string): Promise<KnownJob | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { jobId }, ConsistentRead: true }),
    );
    // A rotation's link can arrive before the job's first event: until then the job is not known.
    return Item?.version === undefined ? undefined : storedJob(Item);
  }

  async record(job: Omit<KnownJob, 'customerPhotos' | 'trackingLinkId'>): Promise<boolean> {
    // An update, not a put: the customer photo counter and the tracking link on the same item survive.
    const { written } = await recordIfNewer(this.#client, {
      table: this.#table,
      key: { jobId: job.jobId },
      version: job.version,
      fields: {
        brandId: job.brandId,
        status: job.status,
        crewIds: job.crewIds,
        date: job.date,
        endDate: job.endDate ?? job.date,
      },
    });
    return written;
  }

  async recordTrackingLink(link: { jobId: string; linkId: string; version: number }): Promise<boolean> {
    const { written } = await recordIfNewer(this.#client, {
      table: this.#table,
      key: { jobId: link.jobId },
      versionAttribute: 'trackingLinkVersion',
      version: link.version,
      fields: { trackingLinkId: link.linkId },
    });
    return written;
  }

  async takeCustomerSlot(jobId: string, limit: number): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId },
          UpdateExpression: 'SET customerPhotos = if_not_exists(customerPhotos, :zero) + :one',
          ConditionExpression:
            'attribute_exists(version) AND (attribute_not_exists(customerPhotos) OR customerPhotos < :limit)',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async releaseCustomerSlot(jobId: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId },
          UpdateExpression: 'SET customerPhotos = customerPhotos - :one',
          ConditionExpression: 'customerPhotos > :zero',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
}
