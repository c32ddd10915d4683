import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, recordIfNewer } from '@qdn/shared/dynamo';
import type { PushClaim, PushLedger } from '../domain/ports.ts';

// JOB#<jobId> / PUSH in the calendar table: the highest version pushed (pushedVersion) and the lease of
// the push in flight (leaseToken, leaseVersion, leaseUntil in epoch ms). Kept without expiry: a replay
// or redrive months later still finds the version already pushed.
const ledgerKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'PUSH' });

/** The push ledger in the calendar table, with conditional writes only. */
export class DynamoPushLedger implements PushLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<PushClaim> {
    const leaseToken = randomUUID();
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ledgerKey(jobId),
          UpdateExpression:
            'SET jobId = :jobId, leaseToken = :token, leaseVersion = :version, leaseUntil = :until',
          ConditionExpression:
            '(attribute_not_exists(pushedVersion) OR pushedVersion < :version) AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: {
            ':jobId': jobId,
            ':token': leaseToken,
            ':version': version,
            ':until': now.getTime() + leaseMs,
            ':now': now.getTime(),
          },
        }),
      );
      return { outcome: 'claimed', leaseToken };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: ledgerKey(jobId), ConsistentRead: true }),
    );
    return Number(Item?.pushedVersion ?? -1) >= version ? { outcome: 'done' } : { outcome: 'busy' };
  }

  async complete(jobId: string, version: number, leaseToken: string, at: Date): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ledgerKey(jobId),
          UpdateExpression:
            'SET pushedVersion = :version, pushedAt = :at REMOVE leaseToken, leaseVersion, leaseUntil',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':version': version, ':at': at.toISOString(), ':token': leaseToken },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      // The lease ran out while the request was under way and another attempt holds it now. The push
      // did land, so record it unless a higher version is already recorded; leave their lease alone.
      await recordIfNewer(this.#client, {
        table: this.#table,
        key: ledgerKey(jobId),
        versionAttribute: 'pushedVersion',
        version,
        fields: { pushedAt: at.toISOString() },
      });
    }
  }

  async release(jobId: string, leaseToken: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: ledgerKey(jobId),
          UpdateExpression: 'REMOVE leaseToken, leaseVersion, leaseUntil',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': leaseToken },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }
}
