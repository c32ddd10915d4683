import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { LinkViewCount, LinkViews } from '../domain/ports.ts';

/** Kept a while after the last open: long enough for any job's questions, not forever. */
const KEEP_DAYS_AFTER_LAST_OPEN = 400;

const storedCount = storedRecord(
  'link view count',
  recordFields<LinkViewCount>()({ count: z.number(), firstOpenedAt: z.string(), lastOpenedAt: z.string() }),
  { key: ['pk'] },
);

/**
 * Tracking-link opens in the service's counters table (the one table a GET route may write), one item
 * per link id: `link-views#<linkId>`, counted with one UpdateItem. Nothing else is kept: no token, no
 * address, no person.
 */
export class DynamoLinkViews implements LinkViews {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async recordOpen(linkId: string, now: Date): Promise<void> {
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: `link-views#${linkId}` },
        UpdateExpression:
          'ADD #count :one SET firstOpenedAt = if_not_exists(firstOpenedAt, :now), lastOpenedAt = :now, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':now': now.toISOString(),
          ':expiresAt': Math.floor(now.getTime() / 1000) + KEEP_DAYS_AFTER_LAST_OPEN * 86_400,
        },
      }),
    );
  }

  async of(linkId: string): Promise<LinkViewCount | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { pk: `link-views#${linkId}` } }),
    );
    return Item ? storedCount(Item) : undefined;
  }
}
