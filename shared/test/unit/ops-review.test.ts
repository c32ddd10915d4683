import { describe, expect, it } from '@jest/globals';
import {
  decodeDeadLetter,
  type FailureView,
  failureViewOf,
  replayWindow,
  suggestAction,
} from '../../src/ops-review.ts';
import { opsConsumersFromEnvironment } from '../../src/ops-routes.ts';

const job = {
  jobId: 'job-1',
  brandId: 'qdn',
  version: 3,
  status: 'en_route',
  customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550142' },
};
const meta = {
  eventId: 'job-1:3:JobStatusChanged',
  occurredAt: '2026-11-22T12:00:00.000Z',
  brandId: 'qdn',
  jobId: 'job-1',
  version: 3,
  correlationId: 'c-1',
};
const busEvent = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '0',
    id: 'e-1',
    'detail-type': 'JobStatusChanged',
    source: 'qdn.jobs',
    time: '2026-11-22T12:00:00Z',
    detail: { meta, data: { job, status: 'en_route' } },
    ...extra,
  });

const failure = (overrides: Partial<FailureView> = {}): FailureView => ({
  errorClass: 'SmsSendError',
  errorMessage: 'Twilio: Service unavailable',
  errorCode: '20503',
  attempts: 3,
  transient: true,
  firstFailureAt: '2026-11-22T12:00:01.000Z',
  lastFailureAt: '2026-11-22T12:00:07.000Z',
  ...overrides,
});

describe('decodeDeadLetter', () => {
  it('given a bus event from a rule, then its type, ids, brand and the customer first name from the job snapshot', () => {
    expect(decodeDeadLetter(busEvent())).toEqual({
      eventType: 'JobStatusChanged',
      eventId: 'job-1:3:JobStatusChanged',
      jobId: 'job-1',
      brandId: 'qdn',
      customerFirstName: 'Mark',
      occurredAt: '2026-11-22T12:00:00.000Z',
      replayName: undefined,
    });
  });

  it('given a replayed event, then the replay is named', () => {
    expect(decodeDeadLetter(busEvent({ 'replay-name': 'qdn-local-sms-1' })).replayName).toBe(
      'qdn-local-sms-1',
    );
  });

  it('given an event about a job without a snapshot (SmsSent, PhotoAdded), then the job id from meta or data', () => {
    const body = JSON.stringify({
      'detail-type': 'PhotoAdded',
      detail: { meta: { ...meta, jobId: undefined }, data: { jobId: 'job-9', photoId: 'p-1' } },
    });

    expect(decodeDeadLetter(body)).toMatchObject({
      eventType: 'PhotoAdded',
      jobId: 'job-9',
      customerFirstName: undefined,
    });
  });

  it('given events the jobs publisher parked for publish-retry, then their types and the job', () => {
    const body = JSON.stringify({
      events: [
        { source: 'qdn.jobs', detailType: 'JobStatusChanged', detail: { meta, data: { job } } },
        { source: 'qdn.jobs', detailType: 'JobArriving', detail: { meta, data: { job } } },
      ],
    });

    expect(decodeDeadLetter(body)).toMatchObject({
      eventType: 'JobStatusChanged, JobArriving',
      eventId: undefined,
      jobId: 'job-1',
      customerFirstName: 'Mark',
    });
  });

  it('given a crew message from the SNS topic, then its kind, id and job', () => {
    const body = JSON.stringify({
      messageId: 'job-1:3:crew-7:assigned',
      brandId: 'jada',
      jobId: 'job-1',
      crewId: 'crew-7',
      kind: 'assigned',
      body: 'You are on the charter',
      occurredAt: '2026-11-22T12:00:00.000Z',
    });

    expect(decodeDeadLetter(body)).toMatchObject({
      eventType: 'assigned',
      eventId: 'job-1:3:crew-7:assigned',
      jobId: 'job-1',
      brandId: 'jada',
    });
  });

  it("given Lambda's failure record for a stream batch, then it is named as such", () => {
    expect(decodeDeadLetter(JSON.stringify({ DDBStreamBatchInfo: { shardId: 's' } })).eventType).toBe(
      'DynamoDB stream batch',
    );
  });

  it.each(['', 'not json', '[1,2]', 'null', '{"detail-type": 7}'])(
    'given a body we cannot read (%j), then nothing is decoded and nothing throws',
    (body) => {
      expect(decodeDeadLetter(body)).toMatchObject({ eventType: undefined, jobId: undefined });
    },
  );
});

describe('suggestAction', () => {
  const decoded = decodeDeadLetter(busEvent());

  it('given a transient failure (Twilio 5xx), then redrive', () => {
    expect(suggestAction(failure(), decoded)).toEqual({
      action: 'redrive',
      why: expect.stringContaining('(20503)'),
    });
  });

  it('given a permanent failure (Twilio 21610), then discard', () => {
    expect(suggestAction(failure({ transient: false, errorCode: '21610' }), decoded).action).toBe('discard');
  });

  it.each(['ZodError', 'SyntaxError', 'TypeError', 'ConfigError'])(
    'given %s (a bug or bad configuration, retried so it reaches the DLQ), then fix-then-redrive',
    (errorClass) => {
      expect(suggestAction(failure({ errorClass, errorCode: undefined }), decoded).action).toBe(
        'fix-then-redrive',
      );
    },
  );

  it('given no failure record for an event, then redrive once (the consumer timed out before recording)', () => {
    expect(suggestAction(undefined, decoded).action).toBe('redrive');
  });

  it('given no failure record and a body nobody can read, then fix-then-redrive', () => {
    expect(suggestAction(undefined, decodeDeadLetter('garbage')).action).toBe('fix-then-redrive');
    expect(suggestAction(undefined, decodeDeadLetter('{"DDBStreamBatchInfo":{}}')).action).toBe(
      'fix-then-redrive',
    );
  });
});

describe('failureViewOf', () => {
  it('given a stored failure record, then what the review shows, nulls as absent', () => {
    expect(
      failureViewOf({
        messageId: 'm-1',
        consumer: 'sms',
        errorClass: 'SmsSendError',
        errorMessage: 'Twilio: Service unavailable',
        errorCode: null,
        attempts: 3,
        transient: true,
        firstFailureAt: '2026-11-22T12:00:01.000Z',
        lastFailureAt: '2026-11-22T12:00:07.000Z',
        expiresAt: 1,
      }),
    ).toEqual(failure({ errorCode: undefined }));
    expect(failureViewOf(undefined)).toBeUndefined();
  });
});

describe('replayWindow', () => {
  const now = new Date('2026-11-22T12:00:00.000Z');
  const options = { retentionDays: 30, now };

  it('given yesterday, then that window', () => {
    expect(replayWindow({ from: '2026-11-21T00:00:00Z', to: '2026-11-22T00:00:00Z' }, options)).toEqual({
      from: new Date('2026-11-21T00:00:00Z'),
      to: new Date('2026-11-22T00:00:00Z'),
    });
  });

  it('given an end in the future, then it is cut to now', () => {
    expect(replayWindow({ from: '2026-11-22T11:00:00Z', to: '2026-11-23T00:00:00Z' }, options).to).toEqual(
      now,
    );
  });

  it('given to before from, then 400 on to', () => {
    expect(() => replayWindow({ from: '2026-11-22T00:00:00Z', to: '2026-11-21T00:00:00Z' }, options)).toThrow(
      expect.objectContaining({
        statusCode: 400,
        details: [{ field: 'body.to', message: 'must be after from' }],
      }),
    );
  });

  it("given a start older than the archive's retention, then 400 on from", () => {
    expect(() => replayWindow({ from: '2026-10-22T11:59:00Z', to: '2026-11-01T00:00:00Z' }, options)).toThrow(
      expect.objectContaining({
        statusCode: 400,
        details: [{ field: 'body.from', message: expect.stringContaining('30-day retention') }],
      }),
    );
  });

  it('given a window entirely in the future, then 400', () => {
    expect(() => replayWindow({ from: '2026-11-23T00:00:00Z', to: '2026-11-24T00:00:00Z' }, options)).toThrow(
      expect.objectContaining({ statusCode: 400 }),
    );
  });
});

describe('opsConsumersFromEnvironment', () => {
  const consumer = {
    queueUrl: 'https://sqs/q',
    queueArn: 'arn:q',
    dlqUrl: 'https://sqs/q-dlq',
    dlqArn: 'arn:q-dlq',
    purpose: 'Text the customer',
  };

  it("given the service's OPS_CONSUMERS, then its consumers by name", () => {
    const config = opsConsumersFromEnvironment({
      OPS_SERVICE: 'notifications',
      FAILURES_TABLE: 'failures',
      OPS_CONSUMERS: JSON.stringify({ sms: consumer }),
    });

    expect(config).toEqual({
      service: 'notifications',
      failuresTable: 'failures',
      // Not marked replayable (no rule on the bus declared): a replay is not offered for it.
      consumers: [{ name: 'sms', ...consumer, replayable: false }],
    });
  });

  it.each([
    [{ OPS_SERVICE: 'x', FAILURES_TABLE: 't' }, /OPS_CONSUMERS is not set/],
    [{ OPS_SERVICE: 'x', FAILURES_TABLE: 't', OPS_CONSUMERS: '{' }, /OPS_CONSUMERS is not JSON/],
    [
      { OPS_SERVICE: 'x', FAILURES_TABLE: 't', OPS_CONSUMERS: '{"sms":{"queueUrl":"u"}}' },
      /OPS_CONSUMERS is invalid/,
    ],
  ])('given a broken configuration, then the function fails at cold start naming it', (env, message) => {
    expect(() => opsConsumersFromEnvironment(env)).toThrow(message);
  });
});
