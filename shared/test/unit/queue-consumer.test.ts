import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// The failure recorder writes to DynamoDB; here it points at a closed port so recording fails fast
// and is swallowed (what it writes is covered by the integration tests against DynamoDB Local).
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

function busRecord(messageId: string, detailType: string, jobId: string, version = 1): SQSRecord {
  const job = {
    jobId,
    brandId: 'qdn',
    version,
    status: 'scheduled',
    serviceType: 'junk_removal',
    customer: { name: 'Ana Ruiz', firstName: 'Ana', phone: '+16195550150' },
    address: { text: '1 Harbor Dr' },
    schedule: { date: '2026-12-02', window: 'morning' },
    crewIds: [],
  };
  const detail = {
    meta: {
      eventId: jobEventId(jobId, version, 'JobCreated'),
      occurredAt: '2026-11-22T12:00:00.000Z',
      brandId: 'qdn',
      jobId,
      version,
      correlationId: 'c-1',
    },
    data: { job },
  };
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: JSON.stringify({
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
    attributes: {
      ApproximateReceiveCount: '2',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-west-2:000000000000:qdn-test-sms',
    awsRegion: 'us-west-2',
  };
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

  it('given a batch with good, transient, permanent and unparseable records, then only the ones to retry come back', async () => {
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
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'm-garbage',
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
