import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { PlaceLabels } from '../domain/ports.ts';

const storedLabel = storedRecord(
  'place label',
  recordFields<{ label?: string }>()({ label: z.string().optional() }),
  { key: ['pk'] },
);

/**
 * What the place index answered for each booking photo, in the service's counters table (the one table
 * a GET route may write): `place-label#<photoId>`, with the address when one was near enough, expiring
 * with the draft (DRAFT_PHOTO_DAYS). Nothing else: no position, no draft id.
 */
export class DynamoPlaceLabels implements PlaceLabels {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async get(photoId: string): Promise<{ label?: string } | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { pk: `place-label#${photoId}` } }),
    );
    return Item ? storedLabel(Item) : undefined;
  }

  async remember(photoId: string, found: { label?: string }, until: Date): Promise<void> {
    const expiresAt = Math.floor(until.getTime() / 1000);
    await this.#db.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: { pk: `place-label#${photoId}` },
        UpdateExpression: found.label
          ? 'SET expiresAt = :expiresAt, label = :label'
          : 'SET expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':expiresAt': expiresAt,
          ...(found.label ? { ':label': found.label } : {}),
        },
      }),
    );
  }
}
