import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JobDirectory, KnownJob } from '../domain/ports.ts';

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
    if (Item?.version === undefined) return undefined;
    return {
      jobId: Item.jobId as string,
      brandId: Item.brandId as string,
      version: Item.version as number,
      status: Item.status as string,
      crewIds: Array.isArray(Item.crewIds) ? (Item.crewIds as string[]) : [],
      date: (Item.date as string | undefined) ?? '',
      ...(Item.endDate ? { endDate: Item.endDate as string } : {}),
      customerPhotos: (Item.customerPhotos as number | undefined) ?? 0,
      ...(typeof Item.trackingLinkId === 'string' ? { trackingLinkId: Item.trackingLinkId } : {}),
    };
  }

  async record(job: Omit<KnownJob, 'customerPhotos' | 'trackingLinkId'>): Promise<boolean> {
    try {
      // An update, not a put: the customer photo counter on the same item must survive.
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId: job.jobId },
          UpdateExpression:
            'SET brandId = :brandId, version = :version, #status = :status, crewIds = :crewIds, #date = :date, endDate = :endDate',
          ConditionExpression: 'attribute_not_exists(version) OR version < :version',
          ExpressionAttributeNames: { '#status': 'status', '#date': 'date' },
          ExpressionAttributeValues: {
            ':brandId': job.brandId,
            ':version': job.version,
            ':status': job.status,
            ':crewIds': job.crewIds,
            ':date': job.date,
            ':endDate': job.endDate ?? job.date,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordTrackingLink(link: { jobId: string; linkId: string; version: number }): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId: link.jobId },
          UpdateExpression: 'SET trackingLinkId = :linkId, trackingLinkVersion = :version',
          ConditionExpression: 'attribute_not_exists(trackingLinkVersion) OR trackingLinkVersion < :version',
          ExpressionAttributeValues: { ':linkId': link.linkId, ':version': link.version },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
      if (error instanceof ConditionalCheckFailedException) return false;
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
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
