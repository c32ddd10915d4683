import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './dynamo.ts';
import { logger } from './logging.ts';

/**
 * Why a queue message failed, kept per SQS message id (the id survives the move to the DLQ) so the
 * dispatcher's DLQ review can say what went wrong without anyone reading logs.
 */
export interface FailureRecord {
  messageId: string;
  consumer: string;
  errorClass: string;
  errorMessage: string;
  errorCode?: string | undefined;
  /** SQS ApproximateReceiveCount when it failed: how many times it has been tried. */
  attempts: number;
  transient: boolean;
  eventId?: string | undefined;
  detailType?: string | undefined;
  jobId?: string | undefined;
  failedAt: string;
}

const DAY_SECONDS = 24 * 60 * 60;

function ttlDays(): number {
  const configured = Number(process.env.FAILURE_RECORD_TTL_DAYS);
  // Outlive the DLQs' 14-day retention, so a message in a DLQ always still has its record.
  return Number.isFinite(configured) && configured > 14 ? configured : 45;
}

/**
 * Upserts the failure record: first failure time is kept, the rest reflects the latest attempt.
 * Recording must never hide the original error, so a failure to record is logged, not thrown; the
 * answer says whether the record was written (for a permanent failure it is the only trace left).
 */
export async function recordFailure(tableName: string, failure: FailureRecord): Promise<boolean> {
  const expiresAt = Math.floor(Date.parse(failure.failedAt) / 1000) + ttlDays() * DAY_SECONDS;
  try {
    await dynamoDocumentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: { messageId: failure.messageId },
        UpdateExpression:
          'SET consumer = :consumer, errorClass = :errorClass, errorMessage = :errorMessage, errorCode = :errorCode, ' +
          'attempts = :attempts, transient = :transient, eventId = :eventId, detailType = :detailType, jobId = :jobId, ' +
          'firstFailureAt = if_not_exists(firstFailureAt, :failedAt), lastFailureAt = :failedAt, expiresAt = :expiresAt',
        ExpressionAttributeValues: {
          ':consumer': failure.consumer,
          ':errorClass': failure.errorClass,
          ':errorMessage': failure.errorMessage.slice(0, 2_000),
          ':errorCode': failure.errorCode ?? null,
          ':attempts': failure.attempts,
          ':transient': failure.transient,
          ':eventId': failure.eventId ?? null,
          ':detailType': failure.detailType ?? null,
          ':jobId': failure.jobId ?? null,
          ':failedAt': failure.failedAt,
          ':expiresAt': expiresAt,
        },
      }),
    );
    return true;
  } catch (error) {
    logger.error('Could not record a queue failure', { messageId: failure.messageId, error: error as Error });
    return false;
  }
}
