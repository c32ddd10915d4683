import { join } from 'node:path';
import type { Delivery, FailedDelivery } from './model.ts';
import { type AppendLog, openAppendLog } from './store.ts';

/**
 * Sends events to SQS targets at least once.
 *
 * Every delivery is written to an outbox log before the first attempt (and before PutEvents answers), and
 * marked done after it succeeded or was recorded as failed. A restart — even after `kill -9` — resumes the
 * deliveries not marked done, so an accepted event is never lost; the price is that a delivery that
 * succeeded just before the crash may be sent again (consumers are idempotent on domain keys).
 */

/** How the bus reaches SQS; the local cloud wires it to its SQS emulator. */
export interface SqsDeliverer {
  sqs(queueArn: string, body: string, options: { messageGroupId?: string }): Promise<void>;
}

export interface RetrySettings {
  /** Attempts per delivery, first one included (a target's RetryPolicy can only lower it). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

export interface DeliveryQueue {
  /** Persists the deliveries, then starts them; returns once they are durable (not once delivered). */
  enqueue(deliveries: readonly Delivery[]): void;
  /** Records a delivery that cannot even be attempted (e.g. its InputPath selects nothing). */
  recordFailure(delivery: Delivery, error: string, attempts: number): void;
  failedDeliveries(): FailedDelivery[];
  pendingCount(): number;
  /** Resolves when no delivery is pending (delivered or recorded as failed). */
  whenIdle(): Promise<void>;
  /** Stops retrying; deliveries still pending stay in the outbox and resume at the next start. */
  close(): Promise<void>;
}

interface PendingDelivery {
  id: number;
  delivery: Delivery;
}

type OutboxRecord = { enqueue: PendingDelivery[] } | { done: number[] };

const OUTBOX_FILE = 'outbox.ndjson';
const FAILED_DELIVERIES_FILE = 'failed-deliveries.ndjson';
/** Past this size the outbox is emptied or rewritten, so it only ever holds what is still pending. */
const OUTBOX_COMPACT_BYTES = 1024 * 1024;
const OUTBOX_REWRITE_BYTES = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 2_000;

/**
 * Opens the outbox in `dataDir` (resuming what a previous process left pending) and returns the queue.
 * Retries follow EventBridge's model (exponential backoff, then give up and record), on a local time scale.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
 */
export function createDeliveryQueue(options: {
  dataDir: string;
  deliver: SqsDeliverer;
  retry: RetrySettings;
  now?: () => number;
}): DeliveryQueue {
  const { deliver, retry } = options;
  const now = options.now ?? Date.now;
  const pending = new Map<number, PendingDelivery>();
  const fifoChains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  const sleeping = new Map<NodeJS.Timeout, () => void>();
  const idleWaiters: Array<() => void> = [];
  /** Set by close(): no new attempt or retry starts. */
  let closed = false;
  /** Set once close() has waited for attempts in flight: outcomes can no longer be written. */
  let logsClosed = false;

  const outbox = openAppendLog(join(options.dataDir, OUTBOX_FILE));
  for (const { record } of outbox.contents.lines) {
    const entry = record as OutboxRecord;
    if ('enqueue' in entry) for (const item of entry.enqueue) pending.set(item.id, item);
    else if ('done' in entry) for (const id of entry.done) pending.delete(id);
  }
  const outboxLog: AppendLog = outbox.log;
  let nextId = Math.max(0, ...pending.keys()) + 1;
  // Start from a log that holds only what is still pending.
  outboxLog.rewrite([...pending.values()].map((item) => JSON.stringify({ enqueue: [item] })));

  const failedLog = openAppendLog(join(options.dataDir, FAILED_DELIVERIES_FILE));
  const failed: FailedDelivery[] = failedLog.contents.lines.map((line) => line.record as FailedDelivery);

  const recovered = [...pending.values()];
  if (recovered.length > 0) {
    setImmediate(function resumeRecoveredDeliveries() {
      for (const item of recovered) if (!closed) startDelivery(item);
    });
  }

  function startDelivery(item: PendingDelivery): void {
    const { messageGroupId, queueArn } = item.delivery;
    if (messageGroupId === undefined) {
      track(runDelivery(item));
      return;
    }
    // A FIFO message group is delivered in order: each message waits for the one before it.
    const chainKey = `${queueArn}\u0000${messageGroupId}`;
    const previous = fifoChains.get(chainKey);
    const next = previous ? previous.then(() => runDelivery(item)) : runDelivery(item);
    fifoChains.set(chainKey, next);
    track(next);
    next.finally(function forgetFinishedChain() {
      if (fifoChains.get(chainKey) === next) fifoChains.delete(chainKey);
    });
  }

  function track(promise: Promise<void>): void {
    inFlight.add(promise);
    promise.finally(() => inFlight.delete(promise));
  }

  async function runDelivery(item: PendingDelivery): Promise<void> {
    const { delivery } = item;
    let lastError = '';
    for (let attempt = 1; ; attempt += 1) {
      if (closed) return;
      try {
        await deliver.sqs(delivery.queueArn, delivery.body, messageOptions(delivery));
        markDone(item);
        return;
      } catch (error) {
        lastError = describeError(error);
      }
      if (closed) return;
      const expired = delivery.expiresAt !== undefined && now() >= delivery.expiresAt;
      if (attempt >= delivery.maxAttempts || expired) {
        const reason = expired ? `${lastError} (MaximumEventAgeInSeconds reached)` : lastError;
        recordFailedDelivery(delivery, reason, attempt);
        markDone(item);
        return;
      }
      await sleep(backoffDelay(attempt));
    }
  }

  function backoffDelay(attempt: number): number {
    const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sleeping.delete(timer);
        resolve();
      }, ms);
      sleeping.set(timer, resolve);
    });
  }

  function markDone(item: PendingDelivery): void {
    if (!pending.delete(item.id)) return;
    if (!logsClosed) {
      outboxLog.append(JSON.stringify({ done: [item.id] }));
      compactOutbox();
    }
    if (pending.size === 0) for (const wake of idleWaiters.splice(0)) wake();
  }

  function compactOutbox(): void {
    const size = outboxLog.sizeBytes();
    if (size < OUTBOX_COMPACT_BYTES) return;
    if (pending.size === 0) outboxLog.clear();
    else if (size > OUTBOX_REWRITE_BYTES) {
      outboxLog.rewrite([...pending.values()].map((item) => JSON.stringify({ enqueue: [item] })));
    }
  }

  function recordFailedDelivery(delivery: Delivery, error: string, attempts: number): void {
    const failure: FailedDelivery = {
      eventId: delivery.eventId,
      ruleArn: delivery.ruleArn,
      targetId: delivery.targetId,
      queueArn: delivery.queueArn,
      body: delivery.body,
      ...(delivery.messageGroupId === undefined ? {} : { messageGroupId: delivery.messageGroupId }),
      attempts,
      error,
      acceptedAt: delivery.acceptedAt,
      failedAt: now(),
    };
    failed.push(failure);
    if (!logsClosed) failedLog.log.append(JSON.stringify(failure));
    console.warn(
      `[eventbridge] gave up delivering event ${delivery.eventId} to ${delivery.queueArn} after ${attempts} attempt(s): ${error}`,
    );
  }

  return {
    enqueue: function enqueueDeliveries(deliveries: readonly Delivery[]): void {
      if (deliveries.length === 0) return;
      if (closed) throw new Error('The EventBridge emulator is closed');
      const items = deliveries.map((delivery) => ({ id: nextId++, delivery }));
      outboxLog.append(JSON.stringify({ enqueue: items }));
      for (const item of items) pending.set(item.id, item);
      for (const item of items) startDelivery(item);
    },
    recordFailure: recordFailedDelivery,
    failedDeliveries: function listFailedDeliveries(): FailedDelivery[] {
      return [...failed];
    },
    pendingCount: function countPendingDeliveries(): number {
      return pending.size;
    },
    whenIdle: function whenDeliveriesIdle(): Promise<void> {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close: async function closeDeliveryQueue(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const [timer, wake] of sleeping) {
        clearTimeout(timer);
        wake();
      }
      sleeping.clear();
      // Let attempts already handed to SQS finish, so their outcome is recorded rather than redone.
      const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      logsClosed = true;
      outboxLog.close();
      failedLog.log.close();
      for (const wake of idleWaiters.splice(0)) wake();
    },
  };
}

function messageOptions(delivery: Delivery): { messageGroupId?: string } {
  return delivery.messageGroupId === undefined ? {} : { messageGroupId: delivery.messageGroupId };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
