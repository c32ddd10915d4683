import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure } from '@qdn/shared/dynamo';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import { DRAFT_CLAIM_DAYS } from '../domain/booking-photos.ts';
import type { DraftClaim, DraftClaims } from '../domain/ports.ts';

const DAY_SECONDS = 24 * 60 * 60;

const fromItem = storedRecord(
  'photo draft claim',
  recordFields<DraftClaim>()({
    draftRef: z.string(),
    jobId: z.string(),
    brandId: z.string(),
    claimedAt: z.string(),
  }),
  { key: ['draftRef'] },
);

/** Booking drafts and the job each went to (`draftRef` → job), one item a draft, written once. */
export class DynamoDraftClaims implements DraftClaims {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async claim(claim: DraftClaim): Promise<DraftClaim> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            ...claim,
            expiresAt: Math.floor(Date.parse(claim.claimedAt) / 1000) + DRAFT_CLAIM_DAYS * DAY_SECONDS,
          },
          // The first job to name the draft keeps it; the same job again (a redelivery) finds its own claim.
          ConditionExpression: 'attribute_not_exists(draftRef)',
        }),
      );
      return claim;
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const held = await this.get(claim.draftRef);
      if (!held) throw error;
      return held;
    }
  }

  async get(draftRef: string): Promise<DraftClaim | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { draftRef }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }
}
