import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from '../cloudformation.ts';
import type { QueueInfo } from '../provision.ts';

export interface SqsTriggerOptions {
  queue: QueueInfo;
  batchSize: number;
  /** Seconds to gather a fuller batch (maximumBatchingWindow). */
  batchWindowSeconds: number;
  /** Concurrent batches (ScalingConfig.MaximumConcurrency). */
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
  /** Runs the function; calls `onStart` when its handler starts (after any cold start). */
  invoke: (event: SQSEvent, hooks: { onStart: () => void }) => Promise<unknown>;
  /**
   * Whether the function has an idle, started environment, so a batch received now starts its handler
   * at once: then the batch is received with the queue's own visibility timeout and no extra call is
   * needed. Without it (or when false) a batch is received with the start-up hold.
   */
  canStartAtOnce?: () => boolean;
  onError?: (error: unknown) => void;
}

function toRecord(message: Message, queue: QueueInfo): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.MessageDeduplicationId
        ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
        : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
          ...(value.BinaryValue !== undefined
            ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
            : {}),
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ) as SQSRecord['messageAttributes'],
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: LOCAL_REGION,
  };
}

/** Which messages of a batch succeeded, per Lambda's rules for SQS partial batch responses. */
export function succeededMessages(
  messages: Message[],
  result: unknown,
  reportBatchItemFailures: boolean,
): Message[] {
  if (!reportBatchItemFailures) return messages;
  if (result === null || result === undefined || typeof result !== 'object') return messages;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return messages;
  if (!Array.isArray(failures)) return [];
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown })?.itemIdentifier;
    // An empty or unknown identifier fails the whole batch, as Lambda treats it.
    if (typeof id !== 'string' || !messages.some((message) => message.MessageId === id)) return [];
    failed.add(id);
  }
  return messages.filter((message) => !failed.has(message.MessageId!));
}

/**
 * How long a received batch stays invisible before its handler starts. Locally a worker's cold start
 * (a worker thread importing the handler and its SDKs) takes 1–30 s on a busy 2-core machine, while
 * the local stage's visibility timeout is 2 s so that retries and DLQs happen in seconds: if the clock
 * ran from the receive, a slow cold start would let the message reappear, be received again by
 * another poller and, after maxReceiveCount, be dead-lettered although it was delivered — a phantom
 * dead letter. So a batch is received with this hold, and the queue's own visibility timeout starts
 * when the handler starts (ChangeMessageVisibility). A local cloud killed while holding a batch gets
 * it back this long after.
 */
export const STARTUP_HOLD_SECONDS = 120;

/**
 * The event source mapping for one SQS-triggered function: long-polls the queue, gathers batches
 * (batch size and window), invokes the function, and deletes what succeeded. What failed stays
 * invisible until the queue's visibility timeout ends and is then received again; the queue's own
 * redrive policy moves it to the DLQ after maxReceiveCount, exactly as in AWS. One local difference:
 * the visibility timeout is counted from the moment the handler starts, not from the receive (see
 * STARTUP_HOLD_SECONDS), so the local runtime's own slowness never dead-letters a message.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 */
export class SqsTrigger {
  readonly #options: SqsTriggerOptions;
  readonly #sqs: SQSClient;
  #running = false;
  readonly #loops: Promise<void>[] = [];
  readonly #abort = new AbortController();

  constructor(sqs: SQSClient, options: SqsTriggerOptions) {
    this.#sqs = sqs;
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (let index = 0; index < Math.max(1, this.#options.maxConcurrency); index++)
      this.#loops.push(this.#poll());
  }

  async #receive(max: number, waitSeconds: number, held: boolean): Promise<Message[]> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: held
          ? Math.max(STARTUP_HOLD_SECONDS, this.#options.queue.visibilityTimeout)
          : this.#options.queue.visibilityTimeout,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return Messages;
  }

  async #gather(held: boolean): Promise<{ messages: Message[]; receivedAt: number }> {
    const { batchSize, batchWindowSeconds } = this.#options;
    const batch = await this.#receive(batchSize, 1, held);
    const receivedAt = performance.now();
    if (batch.length === 0 || batchWindowSeconds <= 0) return { messages: batch, receivedAt };
    const until = Date.now() + batchWindowSeconds * 1000;
    while (batch.length < batchSize && Date.now() < until && this.#running) {
      const more = await this.#receive(batchSize - batch.length, 0, held);
      if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      batch.push(...more);
    }
    return { messages: batch, receivedAt };
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      try {
        // Held unless a started environment is idle (then the handler starts within milliseconds).
        const held = !(this.#options.canStartAtOnce?.() ?? false);
        const { messages, receivedAt } = await this.#gather(held);
        if (messages.length === 0) continue;
        const event: SQSEvent = {
          Records: messages.map((message) => toRecord(message, this.#options.queue)),
        };
        let succeeded: Message[] = [];
        let clockStarted: Promise<void> | undefined;
        try {
          const result = await this.#options.invoke(event, {
            onStart: () => {
              // A batch received with the queue's own timeout restarts its clock only if the handler
              // could not start at once after all (the idle environment was taken meanwhile).
              const waitedMs = performance.now() - receivedAt;
              if (held || waitedMs > this.#options.queue.visibilityTimeout * 250) {
                clockStarted = this.#startVisibilityClock(messages);
              }
            },
          });
          succeeded = succeededMessages(messages, result, this.#options.reportBatchItemFailures);
        } catch {
          // The function failed: every message of the batch stays and is retried after the visibility timeout.
        }
        await clockStarted;
        if (succeeded.length > 0) {
          await this.#sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.#options.queue.url,
              Entries: succeeded.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle!,
              })),
            }),
          );
        }
      } catch (error) {
        if (!this.#running) return;
        this.#options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** From now on the batch is invisible for the queue's own visibility timeout (not the start-up hold). */
  async #startVisibilityClock(messages: Message[]): Promise<void> {
    try {
      const { Failed = [] } = await this.#sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#options.queue.url,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: this.#options.queue.visibilityTimeout,
          })),
        }),
      );
      if (Failed.length > 0) {
        this.#options.onError?.(
          new Error(`visibility clock not started for ${Failed.length} message(s): ${Failed[0]?.Message}`),
        );
      }
    } catch (error) {
      if (this.#running) this.#options.onError?.(error);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }
}
