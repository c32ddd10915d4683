import { beforeAll, describe, expect, it } from '@jest/globals';
import { jobOnBus, sqsRecord } from '@qdn/local-cloud/test-factories';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// The failure recorder writes to DynamoDB; here it points at a closed port so recording fails fast
// (what it writes, and a permanent failure acknowledged once recorded, are covered by
// shared/test/integration/queue-consumer.test.ts against DynamoDB Local).
process.env.FAILURES_TABLE = 'qdn-test-failures';
process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
process.env.AWS_MAX_ATTEMPTS = '1';
process.env.AWS_REGION = 'us-west-2';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const { PermanentError, TransientError } = await import('../../src/errors.ts');
const { jobEventId } = await import('../../src/events.ts');
const { busEvents, queueConsumer } = await import('../../src/queue.ts');

/** A JobCreated (or another detail-type) for a job, as an SQS target receives it from the bus. */
function busRecord(messageId: string, detailType: string, jobId: string): SQSRecord {
  const job = jobOnBus({ jobId, version: 1 });
  const detail = {
    meta: {
      eventId: jobEventId(jobId, 1, 'JobCreated'),
      occurredAt: '2026-11-22T12:00:00.000Z',
      brandId: 'qdn',
      jobId,
      version: 1,
      correlationId: 'c-1',
    },
    data: { job },
  };
  return sqsRecord(
    messageId,
    JSON.stringify({
      version: '0',
      id: `evt-${messageId}`,
      'detail-type': detailType,
      source: 'qdn.jobs',
      account: '000000000000',
      time: '2026-11-22T12:00:00Z',
      region: 'us-west-2',
      resources: [],
      detail,
    }),
    2,
  );
}

const context = {
  awsRequestId: 'r-1',
  functionName: 'sms',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

describe('queueConsumer', () => {
  const seen: string[] = [];
  let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

  beforeAll(() => {
    handler = queueConsumer(
      { consumer: 'sms', parse: busEvents('JobCreated') },
      async function handle(event) {
        const jobId = event.detail.meta.jobId ?? '';
        seen.push(jobId);
        if (jobId === 'qdn_transient') throw new TransientError('Twilio timed out');
        if (jobId === 'qdn_permanent') throw new PermanentError('Unsubscribed recipient', { code: 21610 });
      },
    ) as unknown as typeof handler;
  });

  it('given a batch with good, transient, permanent and unparseable records and no failures table to record them in, then all but the good one come back', async () => {
    // Prepare
    const records = [
      busRecord('m-ok', 'JobCreated', 'qdn_ok'),
      busRecord('m-transient', 'JobCreated', 'qdn_transient'),
      busRecord('m-permanent', 'JobCreated', 'qdn_permanent'),
      busRecord('m-unexpected', 'JobArriving', 'qdn_other'),
      { ...busRecord('m-garbage', 'JobCreated', 'qdn_x'), body: '{not json' },
    ];

    // Act
    const response = await handler({ Records: records }, context);

    // Assess
    // The permanent one too: acknowledged, its unwritten failure record would leave no trace of it.
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'm-garbage',
      'm-permanent',
      'm-transient',
      'm-unexpected',
    ]);
    // Records are handled one after another, in order.
    expect(seen).toEqual(['qdn_ok', 'qdn_transient', 'qdn_permanent']);
  });

  it('given a whole batch that fails, then every record is reported instead of the batch throwing', async () => {
    const response = await handler({ Records: [busRecord('m-t1', 'JobCreated', 'qdn_transient')] }, context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-t1' }] });
  });
});
