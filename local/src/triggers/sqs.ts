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
  invoke: (event: SQSEvent) => Promise<unknown>;
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
 * How long a received batch stays invisible while its attempt is under way (waiting for a worker's
 * cold start, then the handler up to its timeout). In AWS a stage's visibility timeout is at least the
 * function's timeout (the infrastructure checks insist), so a message is never received again while
 * its handler runs. The local stage keeps a 2 s visibility timeout so that retries and DLQs take
 * seconds, but a worker's cold start takes 1–30 s on a busy 2-core machine and a handler may run up to
 * its 10 s timeout: counted from the receive, those let a message be received again mid-attempt and,
 * after maxReceiveCount, dead-lettered although it was delivered — a phantom dead letter. So the local
 * poller holds a batch for the attempt (this long at most; the function's own timeout ends it sooner),
 * and the queue's visibility timeout — the retry delay — starts when the attempt ends. A local cloud
 * killed mid-attempt gets the batch back this long after.
 */
export const ATTEMPT_HOLD_SECONDS = 120;

/**
 * The event source mapping for one SQS-triggered function: long-polls the queue, gathers batches
 * (batch size and window), invokes the function, and deletes what succeeded. What failed stays
 * invisible for the queue's visibility timeout and is then received again; the queue's own redrive
 * policy moves it to the DLQ after maxReceiveCount, as in AWS. One local difference: the visibility
 * timeout is counted from the end of the attempt, not from the receive (see ATTEMPT_HOLD_SECONDS), so
 * the local runtime's own slowness never dead-letters a message.
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

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: Math.max(ATTEMPT_HOLD_SECONDS, this.#options.queue.visibilityTimeout),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return Messages;
  }

  async #gather(): Promise<Message[]> {
    const { batchSize, batchWindowSeconds } = this.#options;
    // A 20 s long poll, as Lambda's pollers do: fauxqs answers as soon as a message arrives, and each
    // idle queue costs one request per 20 s instead of one a second (a started test cloud's idle CPU:
    // 70 ms/s against 110 with 1 s polls). stop() aborts the poll.
    const batch = await this.#receive(batchSize, 20);
    if (batch.length === 0 || batchWindowSeconds <= 0) return batch;
    const until = Date.now() + batchWindowSeconds * 1000;
    while (batch.length < batchSize && Date.now() < until && this.#running) {
      const more = await this.#receive(batchSize - batch.length, 0);
      if (more.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      batch.push(...more);
    }
    return batch;
  }

  async #poll(): Promise<void> {
    while (this.#running) {
      try {
        const messages = await this.#gather();
        if (messages.length === 0) continue;
        const event: SQSEvent = {
          Records: messages.map((message) => toRecord(message, this.#options.queue)),
        };
        let succeeded: Message[] = [];
        try {
          const result = await this.#options.invoke(event);
          succeeded = succeededMessages(messages, result, this.#options.reportBatchItemFailures);
        } catch {
          // The function failed: every message of the batch is retried after the visibility timeout.
        }
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
        const failed = messages.filter((message) => !succeeded.includes(message));
        if (failed.length > 0) await this.#retryAfterVisibilityTimeout(failed);
      } catch (error) {
        if (!this.#running) return;
        this.#options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** The attempt has ended: failed messages come back after the queue's own visibility timeout. */
  async #retryAfterVisibilityTimeout(messages: Message[]): Promise<void> {
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
        new Error(`${Failed.length} failed message(s) kept their hold: ${Failed[0]?.Message ?? ''}`),
      );
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }
}
