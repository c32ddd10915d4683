import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { REFUSAL_CODES } from '@qdn/shared/booking-photos';
import { isConditionalCheckFailure, queryAll } from '@qdn/shared/dynamo';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import { DRAFT_PHOTO_DAYS, isDraftJobId } from '../domain/booking-photos.ts';
import {
  PHOTO_TYPES,
  type PhotoLocation,
  type PhotoRecord,
  type PhotoRefusal,
  type StoredPhotoFacts,
} from '../domain/photo.ts';
import type { PhotoRepository } from '../domain/ports.ts';

const DAY_SECONDS = 24 * 60 * 60;
// A pending record lives as long as its upload may sit in the bucket's inbox (the lifecycle rule), so a
// message redriven from the DLQ within its 14 days still finds both; a rejection is kept for review.
const PENDING_DAYS = 15;
const REJECTED_DAYS = 45;

function expiresAt(from: string, days: number): number {
  return Math.floor(Date.parse(from) / 1000) + days * DAY_SECONDS;
}

/** A photo record from a photos-table item as the stream carries it (every item there is one). */
export function photoOf(item: Record<string, unknown> | undefined): PhotoRecord | undefined {
  return item ? fromItem(item) : undefined;
}

/**
 * A photo from its item: the record without its TTL (expiresAt), or a StoredRecordError. Optional facts
 * the checks didn't find are stored as null (markStored sets every fact), read as absent.
 */
const fromItem = storedRecord(
  'photo',
  recordFields<PhotoRecord>()({
    jobId: z.string(),
    photoId: z.string(),
    brandId: z.string(),
    state: z.enum(['pending', 'stored', 'rejected']),
    contentType: z.enum(Object.keys(PHOTO_TYPES) as [keyof typeof PHOTO_TYPES]),
    declaredBytes: z.number(),
    from: z.enum(['staff', 'customer']),
    uploadedBy: z.string(),
    requestedAt: z.string(),
    customerVisible: z.boolean(),
    bytes: z.number().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    takenAt: z.string().optional(),
    location: recordFields<PhotoLocation>()({ lat: z.number(), lng: z.number() }).optional(),
    customerCopy: z.boolean().optional(),
    storedAt: z.string().optional(),
    rejectedAt: z.string().optional(),
    rejectionReason: z.string().optional(),
    rejectionCode: z.enum(REFUSAL_CODES).optional(),
    draftRef: z.string().optional(),
    movedTo: z.string().optional(),
  }),
  { key: ['jobId', 'photoId'], nullIsAbsent: true },
);

/** Photo records by job (`jobId`, `photoId`): one query lists a job's gallery. */
export class DynamoPhotoRepository implements PhotoRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async createPending(photo: PhotoRecord): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...photo, expiresAt: expiresAt(photo.requestedAt, PENDING_DAYS) },
        ConditionExpression: 'attribute_not_exists(photoId)',
      }),
    );
  }

  async addStored(photo: PhotoRecord, fromDraft: { jobId: string; photoId: string }): Promise<boolean> {
    try {
      // The job's photo and the draft's mark in one transaction: the draft's photo reaches a job once,
      // and a deletion of the job's copy (which frees its key) does not let it in again.
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#table,
                Item: photo,
                ConditionExpression: 'attribute_not_exists(photoId)',
              },
            },
            {
              Update: {
                TableName: this.#table,
                Key: { jobId: fromDraft.jobId, photoId: fromDraft.photoId },
                UpdateExpression: 'SET movedTo = :jobId',
                ConditionExpression: '#state = :stored AND attribute_not_exists(movedTo)',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':jobId': photo.jobId, ':stored': 'stored' },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async get(jobId: string, photoId: string): Promise<PhotoRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: { jobId, photoId }, ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async listByJob(jobId: string): Promise<PhotoRecord[]> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'jobId = :jobId',
      ExpressionAttributeValues: { ':jobId': jobId },
      // A booking's claim reads its draft right after a check may have stored a photo (booking-photos.ts).
      ConsistentRead: true,
    });
    return items.map(fromItem);
  }

  async markStored(
    jobId: string,
    photoId: string,
    facts: StoredPhotoFacts,
  ): Promise<PhotoRecord | undefined> {
    // A job's photo is kept; a booking draft's expires unless a booking copies it first (DRAFT_PHOTO_DAYS).
    const draft = isDraftJobId(jobId);
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId, photoId },
          UpdateExpression:
            'SET #state = :stored, bytes = :bytes, width = :width, height = :height, takenAt = :takenAt, ' +
            '#location = :location, customerCopy = :customerCopy, storedAt = :storedAt' +
            (draft ? ', expiresAt = :expiresAt' : ' REMOVE expiresAt'),
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state', '#location': 'location' },
          ExpressionAttributeValues: {
            ':stored': 'stored',
            ':pending': 'pending',
            ':bytes': facts.bytes,
            ':width': facts.width ?? null,
            ':height': facts.height ?? null,
            ':takenAt': facts.takenAt ?? null,
            ':location': facts.location ?? null,
            ':customerCopy': facts.customerCopy,
            ':storedAt': facts.storedAt,
            ...(draft ? { ':expiresAt': expiresAt(facts.storedAt, DRAFT_PHOTO_DAYS) } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async markRejected(jobId: string, photoId: string, refusal: PhotoRefusal, at: string): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId, photoId },
          UpdateExpression:
            'SET #state = :rejected, rejectionReason = :reason, rejectionCode = :code, rejectedAt = :at, expiresAt = :expiresAt',
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':rejected': 'rejected',
            ':pending': 'pending',
            ':reason': refusal.reason,
            ':code': refusal.code,
            ':at': at,
            ':expiresAt': expiresAt(at, REJECTED_DAYS),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async setCustomerVisible(
    jobId: string,
    photoId: string,
    visible: boolean,
  ): Promise<PhotoRecord | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { jobId, photoId },
          UpdateExpression: 'SET customerVisible = :visible',
          ConditionExpression: '#state = :stored',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':visible': visible, ':stored': 'stored' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? fromItem(Attributes) : undefined;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return undefined;
      throw error;
    }
  }

  async delete(jobId: string, photoId: string): Promise<PhotoRecord | undefined> {
    const { Attributes } = await this.#client.send(
      new DeleteCommand({ TableName: this.#table, Key: { jobId, photoId }, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? fromItem(Attributes) : undefined;
  }
}
