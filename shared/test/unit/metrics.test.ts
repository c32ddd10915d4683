import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { sqsRecord } from '@qdn/local-cloud/test-factories';
import type { Context } from 'aws-lambda';

// The metrics are EMF lines on stdout (CloudWatch Logs turns them into metrics): read back from there.
process.env.POWERTOOLS_METRICS_NAMESPACE = 'qdn';
process.env.POWERTOOLS_SERVICE_NAME = 'notifications';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.FAILURES_TABLE = 'qdn-test-failures';
process.env.MAX_RECEIVE_COUNT = '3';
// The failure recorder's DynamoDB is a closed port: recording fails fast and is swallowed.
process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
process.env.AWS_MAX_ATTEMPTS = '1';
process.env.AWS_REGION = 'us-west-2';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';

const { countSms, recordFanOutLatency } = await import('../../src/metrics.ts');
const { TransientError } = await import('../../src/errors.ts');
const { queueConsumer } = await import('../../src/queue.ts');

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

let lines: string[] = [];
beforeAll(() => {
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterAll(() => {
  (process.stdout.write as unknown as { mockRestore(): void }).mockRestore();
});

function emitted(): Emf[] {
  const found = lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
  lines = [];
  return found;
}

describe('business metrics (EMF)', () => {
  it('counts an SMS outcome per brand, one EMF line in the qdn namespace with the service and brand', () => {
    countSms('sent', 'qdn');
    countSms('suppressed', 'jada');
    const [sent, suppressed] = emitted();
    expect(sent!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'qdn',
      Dimensions: [expect.arrayContaining(['service', 'brand'])],
      Metrics: [{ Name: 'SmsSent', Unit: 'Count' }],
    });
    expect(sent).toMatchObject({ service: 'notifications', brand: 'qdn', SmsSent: 1 });
    expect(suppressed).toMatchObject({ brand: 'jada', SmsSuppressed: 1 });
  });

  it("records the fan-out latency from the event's occurredAt, and no negative one (clock skew)", () => {
    recordFanOutLatency('qdn', '2026-12-04T12:00:00.000Z', new Date('2026-12-04T12:00:01.250Z'));
    recordFanOutLatency('qdn', '2026-12-04T12:00:02.000Z', new Date('2026-12-04T12:00:01.000Z'));
    const [latency, ...rest] = emitted();
    expect(latency).toMatchObject({ brand: 'qdn', FanOutLatency: 1250 });
    expect(latency!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'FanOutLatency', Unit: 'Milliseconds' },
    ]);
    expect(rest).toEqual([]);
  });

  it('counts a message its consumer gives up on (its last delivery, maxReceiveCount 3), not earlier failures', async () => {
    const handler = queueConsumer({ consumer: 'sms', parse: (body) => body }, async () => {
      throw new TransientError('Twilio is down');
    });
    emitted();
    await handler({ Records: [sqsRecord('m-2', '{}', 2), sqsRecord('m-3', '{}', 3)] }, {
      getRemainingTimeInMillis: () => 10_000,
      functionName: 'test',
    } as Context);
    const metrics = emitted();
    expect(metrics).toHaveLength(1);
    expect(metrics[0]).toMatchObject({ consumer: 'sms', DeadLettered: 1 });
  });
});
