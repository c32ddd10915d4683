import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, isConditionalCheckFailure } from './dynamo.ts';
import { NotFoundError } from './errors.ts';
import { logger } from './logging.ts';
import {
  type DecodedDeadLetter,
  decodeDeadLetter,
  type FailureView,
  failureViewOf,
  type OpsConsumer,
  type Suggestion,
  suggestAction,
} from './ops-review.ts';
import { publishEvents } from './publish.ts';

/**
 * How long a peeked message stays hidden if the function dies before making it visible again. Longer
 * than a peek takes (so one peek never receives a message twice), short enough that nothing is hidden
 * for long.
 */
const PEEK_VISIBILITY_SECONDS = 30;
/** Time a peek may take: a listing answers within 5 s however deep the DLQ (what's left is `truncated`). */
const PEEK_BUDGET_MS = 3_500;
/** ReceiveMessage calls in flight at once while peeking (each returns at most 10 messages). */
const PARALLEL_RECEIVES = 4;
/** Most messages one listing, redrive or discard looks at. */
export const MAX_REVIEWED_MESSAGES = 1_000;
/** SendMessageBatch: at most 10 entries and 256 KiB per call. */
const SEND_BATCH_BYTES = 256 * 1024;

const chunk = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, index * size + size),
  );
const queueNameOf = (url: string) => url.split('/').pop() ?? url;

export interface DeadLetterQueueSummary {
  consumer: string;
  purpose: string;
  /** A replay of the bus archive can target it (POST /ops/jobs/replays { consumer }). */
  replayable: boolean;
  queue: string;
  dlq: string;
  /** Messages waiting in the DLQ. */
  dlqDepth: number;
  /** DLQ messages SQS counts that this look could not see: someone else is looking at or moving them. */
  dlqInFlight: number;
  /** When the oldest message in the DLQ was first sent to the consumer's queue. */
  oldestMessageSentAt: string | undefined;
  oldestMessageAgeSeconds: number | undefined;
  /** Messages waiting in the consumer's own queue (a backlog there means it is slow or failing). */
  sourceQueueDepth: number;
  sourceQueueInFlight: number;
}

export interface DeadLetterMessage extends DecodedDeadLetter {
  messageId: string;
  /** When the message was first sent to the consumer's queue. */
  sentAt: string | undefined;
  /** What the consumer was trying to do. */
  purpose: string;
  failure: FailureView | undefined;
  suggestedAction: Suggestion['action'];
  why: string;
}

export interface DeadLetterListing {
  service: string;
  consumer: string;
  dlq: string;
  count: number;
  /** More messages are parked than one listing shows (MAX_REVIEWED_MESSAGES, or the time budget). */
  truncated: boolean;
  messages: DeadLetterMessage[];
}

export interface RedriveResult {
  service: string;
  consumer: string;
  /** Messages sent back to the consumer's queue (and removed from the DLQ). */
  moved: { messageId: string; newMessageId: string | undefined }[];
  /** Requested ids that are not in the DLQ: nothing was done for them. */
  notFound: string[];
  /** Messages that could not be sent back; they stay in the DLQ. */
  failed: { messageId: string; error: string }[];
  /** When every message was asked for in AWS: SQS moves them in the background (StartMessageMoveTask). */
  moveTask?: { taskHandle: string; approximateNumberOfMessages: number };
}

export interface DiscardResult {
  service: string;
  consumer: string;
  messageId: string;
  jobId: string | undefined;
  eventType: string | undefined;
}

interface Peek {
  messages: Message[];
  /** Every receipt handle received, to make them visible again. */
  receipts: Map<string, string>;
  truncated: boolean;
}

function toAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
      },
    ]),
  );
}

function sendBatches(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size =
      Buffer.byteLength(entry.MessageBody ?? '') + JSON.stringify(entry.MessageAttributes ?? {}).length;
    if (current.length === 10 || (current.length > 0 && bytes + size > SEND_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export interface DeadLetterReviewOptions {
  /** The service's name as it appears in `/ops/{service}/…` (`jobs`, `calendar`, …). */
  service: string;
  consumers: OpsConsumer[];
  failuresTable: string;
  sqs: SQSClient;
  documents: DynamoDBDocumentClient;
  /**
   * Redrive everything with SQS's own StartMessageMoveTask (AWS). Emulators without it (fauxqs) get the
   * receive → send → delete loop, which explicit ids always use.
   */
  useMoveTask: boolean;
  /**
   * The visibility timeout that "makes a peeked message visible again": 0 in AWS. fauxqs 2.4.1 loses a
   * message changed to 0 when it persists to disk (its SQLite update sets a NOT NULL column to null after
   * the message left the in-flight set), so the local cloud uses 1 s.
   */
  releaseVisibilitySeconds?: number;
  now?: () => Date;
}

/**
 * A service's dead-letter queues, as a dispatcher reviews them: depth per consumer, each parked message
 * decoded with its failure record and a suggested action, redrive back to the consumer's queue, and
 * discard with a reason that reaches the job's timeline.
 *
 * Reading a message from SQS hides it, so every read here is a *peek*: receive with a short visibility
 * timeout, then make it visible again at once (ChangeMessageVisibility 0), whether the work succeeded
 * or not. Nothing is lost, and nothing is hidden for longer than PEEK_VISIBILITY_SECONDS even if the
 * function dies half-way. Depths come from the peek too: SQS's counts are approximate (and fauxqs only
 * counts a released message once something receives again).
 *
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export class DeadLetterReview {
  readonly #options: DeadLetterReviewOptions;
  readonly #consumers: Map<string, OpsConsumer>;
  readonly #releaseSeconds: number;

  constructor(options: DeadLetterReviewOptions) {
    this.#options = options;
    this.#releaseSeconds = options.releaseVisibilitySeconds ?? 0;
    this.#consumers = new Map(options.consumers.map((consumer) => [consumer.name, consumer]));
  }

  get service(): string {
    return this.#options.service;
  }

  /** The consumer, or the same 404 for any name this service doesn't have. */
  consumer(name: string): OpsConsumer {
    const consumer = this.#consumers.get(name);
    if (!consumer) throw new NotFoundError(`No consumer ${name} in ${this.#options.service}`);
    return consumer;
  }

  async #depth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes = {} } = await this.#options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  async #receive(queueUrl: string, receivers: number, waitSeconds: number): Promise<Message[]> {
    const answers = await Promise.all(
      Array.from({ length: receivers }, () =>
        this.#options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ['SentTimestamp'],
            MessageAttributeNames: ['All'],
          }),
        ),
      ),
    );
    return answers.flatMap((answer) => answer.Messages ?? []);
  }

  /**
   * Receives every message (up to `max`, within PEEK_BUDGET_MS), keeping each hidden until released.
   * Short polls in parallel while messages keep coming; when one comes back empty, one long poll makes
   * sure: SQS's short polls sample only some servers, and messages another look just released (or is
   * still holding) come back within it.
   */
  async #peek(queueUrl: string, enough?: (found: Map<string, Message>) => boolean): Promise<Peek> {
    const max = MAX_REVIEWED_MESSAGES;
    const deadline = Date.now() + PEEK_BUDGET_MS;
    const hint = await this.#depth(queueUrl);
    const found = new Map<string, Message>();
    const receipts = new Map<string, string>();
    let exhausted = hint.visible + hint.inFlight === 0;
    try {
      while (!exhausted && found.size < max && Date.now() < deadline && !enough?.(found)) {
        const expected = Math.max(1, hint.visible - found.size);
        let received = await this.#receive(
          queueUrl,
          Math.min(PARALLEL_RECEIVES, Math.ceil(expected / 10)),
          0,
        );
        if (received.length === 0 && found.size < hint.visible + hint.inFlight) {
          received = await this.#receive(queueUrl, 1, this.#releaseSeconds + 1);
        }
        for (const message of received) {
          receipts.set(message.ReceiptHandle!, message.MessageId!);
          found.set(message.MessageId!, message);
        }
        exhausted = received.length === 0;
      }
    } catch (error) {
      // What was received so far goes back at once, not after PEEK_VISIBILITY_SECONDS.
      await this.#release(queueUrl, { messages: [], receipts, truncated: true });
      throw error;
    }
    const messages = [...found.values()].sort(
      (a, b) => Number(a.Attributes?.SentTimestamp ?? 0) - Number(b.Attributes?.SentTimestamp ?? 0),
    );
    return { messages: messages.slice(0, max), receipts, truncated: !exhausted && !enough?.(found) };
  }

  /** Makes peeked messages visible again (all but those deleted); a handle that no longer works is ignored. */
  async #release(queueUrl: string, peek: Peek, deleted: Set<string> = new Set()): Promise<void> {
    const handles = [...peek.receipts].filter(([, messageId]) => !deleted.has(messageId));
    await Promise.all(
      chunk(handles, 10).map(async (batch) => {
        try {
          const { Failed = [] } = await this.#options.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map(([handle], index) => ({
                Id: String(index),
                ReceiptHandle: handle,
                VisibilityTimeout: this.#releaseSeconds,
              })),
            }),
          );
          if (Failed.length > 0) logger.warn('Some peeked messages could not be made visible', { Failed });
        } catch (error) {
          // They become visible on their own after PEEK_VISIBILITY_SECONDS.
          logger.warn('Could not make peeked messages visible', { error: error as Error });
        }
      }),
    );
  }

  /** Runs `work` over a peek of the DLQ, always releasing what it didn't delete. */
  async #withPeek<T>(
    queueUrl: string,
    work: (peek: Peek, deleted: Set<string>) => Promise<T>,
    enough?: (found: Map<string, Message>) => boolean,
  ): Promise<T> {
    const peek = await this.#peek(queueUrl, enough);
    const deleted = new Set<string>();
    try {
      return await work(peek, deleted);
    } finally {
      await this.#release(queueUrl, peek, deleted);
    }
  }

  async #delete(queueUrl: string, messages: Message[], deleted: Set<string>): Promise<void> {
    await Promise.all(
      chunk(messages, 10).map(async (batch) => {
        const { Successful = [], Failed = [] } = await this.#options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle!,
            })),
          }),
        );
        for (const ok of Successful) deleted.add(batch[Number(ok.Id)]!.MessageId!);
        if (Failed.length > 0) logger.warn('Some redriven messages stay in the DLQ as well', { Failed });
      }),
    );
  }

  async #failureRecords(messageIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetAll(
      this.#options.documents,
      this.#options.failuresTable,
      messageIds.map((messageId) => ({ messageId })),
      { what: 'failure records', maxAttempts: 4 },
    );
    return new Map(items.map((item) => [String(item.messageId), item]));
  }

  /** GET /ops/{service}/dlqs: every consumer's DLQ depth, oldest message and own backlog. */
  async summaries(): Promise<{ service: string; consumers: DeadLetterQueueSummary[] }> {
    const now = (this.#options.now ?? (() => new Date()))();
    const consumers = await Promise.all(
      [...this.#consumers.values()].map(async (consumer): Promise<DeadLetterQueueSummary> => {
        const [dlq, source] = await Promise.all([
          this.#depth(consumer.dlqUrl),
          this.#depth(consumer.queueUrl),
        ]);
        let oldest: number | undefined;
        let depth = 0;
        if (dlq.visible + dlq.inFlight > 0) {
          // SQS has no "oldest message" attribute (only a CloudWatch metric): peek and look.
          [oldest, depth] = await this.#withPeek(consumer.dlqUrl, async (peek) => [
            peek.messages.length > 0 ? Number(peek.messages[0]!.Attributes?.SentTimestamp) : undefined,
            peek.truncated ? Math.max(dlq.visible, peek.messages.length) : peek.messages.length,
          ]);
        }
        return {
          consumer: consumer.name,
          purpose: consumer.purpose,
          replayable: consumer.replayable,
          queue: queueNameOf(consumer.queueUrl),
          dlq: queueNameOf(consumer.dlqUrl),
          dlqDepth: depth,
          dlqInFlight: Math.max(0, dlq.visible + dlq.inFlight - depth),
          oldestMessageSentAt: oldest ? new Date(oldest).toISOString() : undefined,
          oldestMessageAgeSeconds: oldest
            ? Math.max(0, Math.round((now.getTime() - oldest) / 1000))
            : undefined,
          sourceQueueDepth: source.visible,
          sourceQueueInFlight: source.inFlight,
        };
      }),
    );
    return { service: this.#options.service, consumers };
  }

  /** GET /ops/{service}/dlqs/{consumer}/messages: every parked message, decoded, oldest first. */
  async messages(consumerName: string): Promise<DeadLetterListing> {
    const consumer = this.consumer(consumerName);
    return this.#withPeek(consumer.dlqUrl, async (peek) => {
      const records = await this.#failureRecords(peek.messages.map((message) => message.MessageId!));
      const messages = peek.messages.map((message): DeadLetterMessage => {
        const decoded = decodeDeadLetter(message.Body ?? '');
        const record = records.get(message.MessageId!);
        const failure = failureViewOf(record);
        const suggestion = suggestAction(failure, decoded);
        const sent = Number(message.Attributes?.SentTimestamp);
        return {
          messageId: message.MessageId!,
          sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined,
          ...decoded,
          // The consumer may have read ids the body alone doesn't show (e.g. a job id it looked up).
          jobId: decoded.jobId ?? (typeof record?.jobId === 'string' ? record.jobId : undefined),
          eventType:
            decoded.eventType ?? (typeof record?.detailType === 'string' ? record.detailType : undefined),
          purpose: consumer.purpose,
          failure,
          suggestedAction: suggestion.action,
          why: suggestion.why,
        };
      });
      return {
        service: this.#options.service,
        consumer: consumer.name,
        dlq: queueNameOf(consumer.dlqUrl),
        count: messages.length,
        truncated: peek.truncated,
        messages,
      };
    });
  }

  /**
   * POST /ops/{service}/dlqs/{consumer}/redrive: sends the chosen messages (or all) back to the
   * consumer's queue with their body and attributes, announces each (DeadLetterRedriven: who, which
   * job), then deletes them from the DLQ. Send before delete:
   * a crash in between leaves a copy in both, which the consumer's idempotency absorbs; the other order
   * could lose it.
   */
  async redrive(
    consumerName: string,
    messageIds: string[] | undefined,
    actor: string,
  ): Promise<RedriveResult> {
    const consumer = this.consumer(consumerName);
    const base = { service: this.#options.service, consumer: consumer.name };
    if (!messageIds && this.#options.useMoveTask) {
      const { visible } = await this.#depth(consumer.dlqUrl);
      const { TaskHandle } = await this.#options.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: consumer.dlqArn, DestinationArn: consumer.queueArn }),
      );
      // SQS moves them in the background, unseen by us: the audit is who asked, for which DLQ.
      logger.info('Redrive of a whole DLQ started', {
        consumer: consumer.name,
        actor,
        taskHandle: TaskHandle,
      });
      return {
        ...base,
        moved: [],
        notFound: [],
        failed: [],
        moveTask: { taskHandle: TaskHandle ?? '', approximateNumberOfMessages: visible },
      };
    }
    const wanted = messageIds ? new Set(messageIds) : undefined;
    // With ids, the peek stops as soon as it has them all: the rest of a deep DLQ is not touched.
    const allWanted = wanted && ((found: Map<string, Message>) => [...wanted].every((id) => found.has(id)));
    return this.#withPeek(
      consumer.dlqUrl,
      async (peek, deleted) => {
        const chosen = peek.messages.filter((message) => !wanted || wanted.has(message.MessageId!));
        const present = new Set(chosen.map((message) => message.MessageId!));
        const result: RedriveResult = {
          ...base,
          moved: [],
          notFound: messageIds ? [...new Set(messageIds)].filter((id) => !present.has(id)) : [],
          failed: [],
        };
        const entries = chosen.map(
          (message, index): SendMessageBatchRequestEntry => ({
            Id: String(index),
            MessageBody: message.Body ?? '',
            MessageAttributes: toAttributes(message.MessageAttributes),
          }),
        );
        const sent: Message[] = [];
        for (const batch of sendBatches(entries)) {
          const { Successful = [], Failed = [] } = await this.#options.sqs.send(
            new SendMessageBatchCommand({ QueueUrl: consumer.queueUrl, Entries: batch }),
          );
          for (const ok of Successful) {
            const message = chosen[Number(ok.Id)]!;
            sent.push(message);
            result.moved.push({ messageId: message.MessageId!, newMessageId: ok.MessageId });
          }
          for (const failure of Failed) {
            result.failed.push({
              messageId: chosen[Number(failure.Id)]!.MessageId!,
              error: failure.Message ?? failure.Code ?? 'send failed',
            });
          }
        }
        // Audited before the parked copies go: a redrive is never silent (who, when, which job).
        await this.#announceRedrives(consumer.name, sent, result.moved, actor);
        await this.#delete(consumer.dlqUrl, sent, deleted);
        logger.info('Redrove dead letters', {
          actor,
          consumer: consumer.name,
          moved: result.moved.length,
          notFound: result.notFound.length,
          failed: result.failed.length,
        });
        return result;
      },
      allWanted,
    );
  }

  /** DeadLetterRedriven per message sent back, for the job's timeline and the archive. */
  async #announceRedrives(
    consumer: string,
    sent: Message[],
    moved: RedriveResult['moved'],
    actor: string,
  ): Promise<void> {
    if (sent.length === 0) return;
    const now = (this.#options.now ?? (() => new Date()))().toISOString();
    const newIds = new Map(moved.map((entry) => [entry.messageId, entry.newMessageId]));
    await publishEvents(
      sent.map((message) => {
        const decoded = decodeDeadLetter(message.Body ?? '');
        const newMessageId = newIds.get(message.MessageId!);
        return {
          source: 'qdn.ops' as const,
          detailType: 'DeadLetterRedriven' as const,
          detail: {
            meta: {
              eventId: `${this.#options.service}:${consumer}:${message.MessageId}:DeadLetterRedriven`,
              occurredAt: now,
              brandId: decoded.brandId ?? 'unknown',
              ...(decoded.jobId ? { jobId: decoded.jobId } : {}),
              actor,
              correlationId: decoded.eventId ?? message.MessageId!,
            },
            data: {
              service: this.#options.service,
              consumer,
              messageId: message.MessageId!,
              ...(newMessageId ? { newMessageId } : {}),
              ...(decoded.eventType ? { eventType: decoded.eventType } : {}),
              ...(decoded.eventId ? { eventId: decoded.eventId } : {}),
            },
          },
        };
      }),
    );
  }

  /**
   * POST /ops/{service}/dlqs/{consumer}/discard: removes one message for good. The reason and who
   * discarded it go on the bus as DeadLetterDiscarded (the job's timeline records it) before the
   * message is deleted, so a discard is never silent; the failure record keeps them too.
   */
  async discard(
    consumerName: string,
    request: { messageId: string; reason: string; actor: string },
  ): Promise<DiscardResult> {
    const consumer = this.consumer(consumerName);
    return this.#withPeek(
      consumer.dlqUrl,
      async (peek, deleted) => {
        const message = peek.messages.find((candidate) => candidate.MessageId === request.messageId);
        if (!message) throw new NotFoundError(`No message ${request.messageId} in the ${consumer.name} DLQ`);
        const decoded = decodeDeadLetter(message.Body ?? '');
        const now = (this.#options.now ?? (() => new Date()))().toISOString();
        await publishEvents([
          {
            source: 'qdn.ops',
            detailType: 'DeadLetterDiscarded',
            detail: {
              meta: {
                // One discard of one message is one event, however often the request is retried.
                eventId: `${this.#options.service}:${consumer.name}:${request.messageId}:DeadLetterDiscarded`,
                occurredAt: now,
                brandId: decoded.brandId ?? 'unknown',
                ...(decoded.jobId ? { jobId: decoded.jobId } : {}),
                actor: request.actor,
                correlationId: decoded.eventId ?? request.messageId,
              },
              data: {
                service: this.#options.service,
                consumer: consumer.name,
                messageId: request.messageId,
                reason: request.reason,
                ...(decoded.eventType ? { eventType: decoded.eventType } : {}),
                ...(decoded.eventId ? { eventId: decoded.eventId } : {}),
              },
            },
          },
        ]);
        await this.#delete(consumer.dlqUrl, [message], deleted);
        if (!deleted.has(request.messageId))
          throw new Error(`Message ${request.messageId} could not be deleted`);
        await this.#options.documents
          .send(
            new UpdateCommand({
              TableName: this.#options.failuresTable,
              Key: { messageId: request.messageId },
              UpdateExpression: 'SET discardedAt = :at, discardedBy = :by, discardReason = :reason',
              ConditionExpression: 'attribute_exists(messageId)',
              ExpressionAttributeValues: { ':at': now, ':by': request.actor, ':reason': request.reason },
            }),
          )
          .catch((error: Error) => {
            // No failure record (or it expired): the event above is the record. Any other problem here
            // must not turn a completed discard into an error.
            if (!isConditionalCheckFailure(error)) {
              logger.warn('Could not mark the failure record discarded', { error });
            }
          });
        logger.info('Discarded a dead letter', { consumer: consumer.name, messageId: request.messageId });
        return {
          service: this.#options.service,
          consumer: consumer.name,
          messageId: request.messageId,
          jobId: decoded.jobId,
          eventType: decoded.eventType,
        };
      },
      (found) => found.has(request.messageId),
    );
  }
}
