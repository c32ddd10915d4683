import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, itemOfConditionFailure } from './dynamo.ts';
import type { RateLimit, RateLimitDecision, RateLimits } from './rate-limit.ts';

/** A window's counter: how many took, and who, when takers are named. */
interface Counter {
  used: number;
  takers?: Set<string>;
}

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
  async take(rule: RateLimit, client: string, now: Date, taker?: string): Promise<RateLimitDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
    const windowEnd = windowStart + rule.windowSeconds;
    const room = '(attribute_not_exists(used) OR used < :limit)';
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `${rule.name}#${client}#${windowStart}` },
          // A taker's id joins the window's set of takers in the same write that counts it.
          UpdateExpression: `ADD used :one${taker ? ', takers :taker' : ''} SET expiresAt = if_not_exists(expiresAt, :expiresAt)`,
          ConditionExpression: taker ? `${room} AND NOT contains(takers, :takerId)` : room,
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': rule.limit,
            ':expiresAt': windowEnd + 60,
            ...(taker ? { ':taker': new Set([taker]), ':takerId': taker } : {}),
          },
          ReturnValuesOnConditionCheckFailure: taker ? 'ALL_OLD' : undefined,
        }),
      );
      return { allowed: true };
    } catch (error) {
      if (isConditionalCheckFailure(error)) {
        // Refused because this taker already took in this window: it was charged then.
        if (taker && itemOfConditionFailure<Counter>(error)?.takers?.has(taker)) return { allowed: true };
        return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
      }
      throw error;
    }
  }
}
