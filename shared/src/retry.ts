import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Delay before retry number `attempt` (1-based): exponential with full jitter, so many callers
 * retrying at once spread out instead of arriving together.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs = 5_000, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export function retryBaseDelayMs(): number {
  const configured = Number(process.env.RETRY_BASE_DELAY_MS);
  return Number.isFinite(configured) && configured >= 0 ? configured : 200;
}

export { sleep };
