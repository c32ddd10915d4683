import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure } from './dynamo.ts';
import type { RateLimit, RateLimitDecision, RateLimits } from './rate-limit.ts';

/**
 * Per-client limits kept in a service's counters table (`<service>-<stage>-counters`, key `pk`, TTL on
 * `expiresAt`): one item per limit, client and window, counted with one conditional UpdateItem, so the
 * count holds across cold starts and concurrent instances. Only this table is written by GET routes.
 */
export class RateLimiter implements RateLimits {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.#db = db;
    this.#table = table;
  }

  /** Takes one unit for `client` (an address, a phone number, a link hash…); refused once the window is full. */
  async take(rule: RateLimit, client: string, now: Date): Promise<RateLimitDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
    const windowEnd = windowStart + rule.windowSeconds;
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `${rule.name}#${client}#${windowStart}` },
          UpdateExpression: 'ADD used :one SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': rule.limit, ':expiresAt': windowEnd + 60 },
        }),
      );
      return { allowed: true };
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
      }
      throw error;
    }
  }
}
