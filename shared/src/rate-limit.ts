// Pure: domain code names limits and takes from them; rate-limiter.ts keeps the counts in DynamoDB.
import { TooManyRequestsError } from './errors.ts';

/**
 * How often one client may do one thing: at most `limit` times per fixed window of `windowSeconds`.
 * `name` is what the client does (`track-lookup`, `booking-phone`…), part of the counter's key.
 */
export interface RateLimit {
  name: string;
  limit: number;
  windowSeconds: number;
}

/** The outcome of taking one unit from a limit; `retryAfterSeconds` is when the window ends. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** What domain code takes limits from (RateLimiter in the services; a fake in unit tests). */
export interface RateLimits {
  /**
   * Takes one unit of `rule` for `client` in the window `now` falls in. Given a `taker` (what is charged,
   * e.g. an inbound message's id), a second take by the same taker in that window is allowed without
   * being charged again: a message retried after a crash between its take and its effect pays once.
   */
  take(rule: RateLimit, client: string, now: Date, taker?: string): Promise<RateLimitDecision>;
}

/** Takes one unit or throws the 429 (with `Retry-After`) every route answers a full limit with. */
export async function enforceRateLimit(
  limits: RateLimits,
  rule: RateLimit,
  client: string,
  now: Date,
  message?: string,
): Promise<void> {
  const decision = await limits.take(rule, client, now);
  if (!decision.allowed) throw new TooManyRequestsError(message, decision.retryAfterSeconds);
}
