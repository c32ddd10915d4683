import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { loadConfig, requiredString } from './config.ts';
import { errorCodeOf, isTransient } from './errors.ts';
import { type DetailType, parseBusEvent, type ReceivedEvent } from './events.ts';
import { recordFailure } from './failures.ts';
import { logger } from './logging.ts';
import { countDeadLettered } from './metrics.ts';

/** A received bus event narrowed to the detail-types a consumer subscribes to. */
export type ReceivedEventOf<T extends DetailType> = T extends DetailType ? ReceivedEvent<T> : never;

export interface QueueConsumerOptions<Message> {
  /** The consumer's name, as its queue is named (`sms`, `calendar`, …): it labels failure records. */
  consumer: string;
  /** Turns an SQS message body (already JSON-parsed) into the message the consumer handles. */
  parse: (body: unknown) => Message;
}

export interface QueueMessageContext {
  record: SQSRecord;
  context: Context;
  /** How many times SQS has delivered this message, this time included. */
  attempt: number;
}

/** Parses EventBridge events delivered by a rule to SQS, accepting only the listed detail-types. */
export function busEvents<T extends DetailType>(...detailTypes: T[]): (body: unknown) => ReceivedEventOf<T> {
  return function parseSubscribedEvent(body) {
    const event = parseBusEvent(body);
    if (!detailTypes.includes(event.detailType as T)) {
      throw new TypeError(`Unexpected detail-type ${event.detailType}: the rule and the consumer disagree`);
    }
    return event as ReceivedEventOf<T>;
  };
}

function describeMessage(message: unknown): { eventId?: string; detailType?: string; jobId?: string } {
  const event = message as Partial<ReceivedEvent> | undefined;
  const meta = (event?.detail as { meta?: { eventId?: string; jobId?: string } } | undefined)?.meta;
  // A follow-up (or other non-bus work) names its job in `job`.
  const work = message as { job?: { jobId?: string }; jobId?: string } | undefined;
  return {
    eventId: meta?.eventId,
    detailType: event?.detailType,
    jobId: meta?.jobId ?? work?.job?.jobId ?? work?.jobId,
  };
}

/**
 * The one middy stack for SQS-triggered consumers. Each record is parsed and validated, then handled
 * on its own (in order, never Promise.all over the batch); only the records that failed go back to
 * SQS (ReportBatchItemFailures).
 *
 * - The handler throws a TransientError, a network error, a 429 or a 5xx → the record is retried by
 *   SQS with the queue's visibility timeout, then moved to the DLQ after maxReceiveCount.
 * - The handler throws a PermanentError (or another non-retryable 4xx) → the consumer has recorded the
 *   outcome (e.g. SmsFailed); the record is acknowledged once its failure record is written (if that
 *   write fails, it is retried like a transient one: acknowledged, the record was its only trace).
 * - A record that doesn't parse is retried too, so it reaches the DLQ and can be redriven once the
 *   contract is fixed: nothing is dropped silently.
 *
 * Every failure that goes back to SQS is written to the service's failures table (FAILURES_TABLE).
 *
 * @example
 * export const handler = queueConsumer(
 *   { consumer: 'sms', parse: busEvents('JobStatusChanged') },
 *   async (event) => sendStatusSms(event.detail),
 * );
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function queueConsumer<Message>(
  options: QueueConsumerOptions<Message>,
  handle: (message: Message, context: QueueMessageContext) => Promise<void>,
) {
  const { FAILURES_TABLE, MAX_RECEIVE_COUNT } = loadConfig({
    FAILURES_TABLE: requiredString(),
    // The queue's maxReceiveCount (every function's environment): the delivery after which SQS gives
    // the message to the DLQ. Unset (a test's own queue), nothing is counted.
    MAX_RECEIVE_COUNT: z.coerce.number().int().positive().optional(),
  });
  const processor = new BatchProcessor(EventType.SQS);

  async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
    const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
    let message: Message | undefined;
    try {
      message = options.parse(JSON.parse(record.body));
      const { eventId, jobId } = describeMessage(message);
      logger.appendKeys({ messageId: record.messageId, eventId, jobId, attempt });
      await handle(message, { record, context, attempt });
    } catch (error) {
      const transient = message === undefined || isTransient(error);
      const recorded = await recordFailure(FAILURES_TABLE, {
        messageId: record.messageId,
        consumer: options.consumer,
        errorClass: (error as Error).name ?? 'Error',
        errorMessage: (error as Error).message ?? String(error),
        errorCode: errorCodeOf(error),
        attempts: attempt,
        transient,
        ...describeMessage(message),
        failedAt: new Date().toISOString(),
      });
      if (transient) {
        // The last delivery: SQS moves the message to the DLQ next. Counted per consumer for the dashboard.
        if (MAX_RECEIVE_COUNT !== undefined && attempt >= MAX_RECEIVE_COUNT)
          countDeadLettered(options.consumer);
        logger.warn('Message failed; SQS will retry it', { error: error as Error });
        throw error;
      }
      // Acknowledged, a permanent failure's record is its only trace (a 4xx from the calendar or SCC, a
      // dispatcher's text for a job gone): if it could not be written, SQS delivers the message again
      // rather than let it vanish.
      if (!recorded) {
        logger.warn(
          'Message failed permanently but its failure record could not be written; SQS will retry it',
          {
            error: error as Error,
          },
        );
        throw error;
      }
      logger.info('Message failed permanently; outcome recorded, message acknowledged', {
        error: error as Error,
      });
    } finally {
      logger.removeKeys(['messageId', 'eventId', 'jobId', 'attempt']);
    }
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async function consumeQueueBatch(event, context) {
      return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
        context,
        processInParallel: false,
        throwOnFullBatchFailure: false,
      });
    });
}
