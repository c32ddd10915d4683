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

/**
 * Sends a batch (BatchGetItem, BatchWriteItem) until DynamoDB has processed all of it: each call returns
 * what it left unprocessed (throttling), which is sent again after the backoff above (exponential, full
 * jitter). Throws naming how many were left after `maxAttempts` calls. The one loop for both batch calls.
 */
export async function untilProcessed<T>(
  items: readonly T[],
  send: (pending: T[]) => Promise<T[]>,
  options: { what: string; maxAttempts?: number; maxDelayMs?: number },
): Promise<void> {
  let pending = [...items];
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > maxAttempts)
      throw new Error(
        `DynamoDB left ${pending.length} ${options.what} unprocessed after ${maxAttempts} tries`,
      );
    if (attempt > 1)
      await sleep(backoffDelayMs(attempt - 1, retryBaseDelayMs(), options.maxDelayMs ?? 1_000));
    pending = await send(pending);
  }
}

/** How long, and on which clock, `claimWhenFree` waits for a claim another delivery holds. */
export interface ClaimWait {
  /** Stop asking after this long and return the busy answer: the caller retries later through SQS. */
  ceilingMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Asks for a claim again while another delivery holds it — usually a copy of this very message that SQS
 * redelivered while the first run was still going — backing off (100 ms, 200 ms … up to 1 s between
 * looks) until `ceilingMs` has passed. Returns the first answer that isn't busy (often "already done"),
 * or the last busy one. One rule for every consumer with a lease (SMS sends, charter syncs, calendar pushes).
 */
export async function claimWhenFree<T>(
  claim: () => Promise<T>,
  isBusy: (answer: T) => boolean,
  wait: ClaimWait,
): Promise<T> {
  const now = wait.now ?? Date.now;
  const pause = wait.sleep ?? sleep;
  const giveUpAt = now() + wait.ceilingMs;
  for (let look = 1; ; look++) {
    const answer = await claim();
    if (!isBusy(answer) || now() >= giveUpAt) return answer;
    await pause(Math.min(1_000, 50 * 2 ** look));
  }
}
