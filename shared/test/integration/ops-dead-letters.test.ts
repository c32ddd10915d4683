import { PurgeQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import type { DeadLetterListing, DeadLetterQueueSummary, RedriveResult } from '../../src/ops-dead-letters.ts';

// The dispatcher's dead-letter review (/ops/{service}/dlqs…) on the local cloud: real failures made with
// the Twilio fake's fault injection, DLQs filled directly where only volume matters.
let harness: TestCloud;
let cloud: TestCloud['cloud'];

beforeAll(async () => {
  harness = await startTestCloud('ops-dead-letters');
  ({ cloud } = harness);
}, 90_000);

afterAll(async () => {
  await harness?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => harness.api(...args);
let phoneSeq = 400;
const newPhone = () => `+1619555${String(phoneSeq++).padStart(4, '0')}`;

async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Until nothing is in flight that could still retry: a retry, if there were one, has happened. */
const settle = () => cloud.settled();

const queueUrl = (name: string) =>
  [...cloud.provisioned.queues.values()].find((queue) => queue.name === name)!.url;

/**
 * What the queue holds, ready or in flight, as fauxqs keeps it (GetQueueAttributes there only counts a
 * released message again once something receives), and the latest moment an in-flight one reappears.
 */
function held(name: string) {
  const { messages } = cloud.fauxqs.inspectQueue(name)!;
  return {
    count: messages.ready.length + messages.delayed.length + messages.inflight.length,
    hiddenUntil: Math.max(0, ...messages.inflight.map((entry) => entry.visibilityDeadline)),
  };
}

const outbound = (to: string) =>
  cloud.twilio.messages().filter((message) => message.to === to && message.direction === 'outbound-api');

async function createJob(phone: string) {
  const created = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name: 'Mark Soderblom', phone },
      address: { text: '4521 Soderblom Ave, San Diego, CA' },
      serviceType: 'trailer_pickup_and_dump',
      schedule: { date: '2026-12-01', window: 'afternoon' },
      priceCents: 60000,
    },
  });
  expect(created.status).toBe(201);
  return created.body.job as { jobId: string; version: number };
}

async function deadLetters(service: string, consumer: string): Promise<DeadLetterListing> {
  const listed = await api('GET', `/ops/${service}/dlqs/${consumer}/messages`, { role: 'dispatcher' });
  expect(listed.status).toBe(200);
  return listed.body;
}

async function summary(service: string, consumer: string): Promise<DeadLetterQueueSummary> {
  const listed = await api('GET', `/ops/${service}/dlqs`, { role: 'dispatcher' });
  expect(listed.status).toBe(200);
  return (listed.body.consumers as DeadLetterQueueSummary[]).find((line) => line.consumer === consumer)!;
}

describe('SMS failures', () => {
  it('given Twilio fails (20503) past maxReceiveCount, then the DLQ shows the Twilio error and suggests redrive; redrive sends exactly one SMS and empties the DLQ', async () => {
    // Prepare
    const phone = newPhone();
    cloud.twilio.injectFaults({ count: 50, code: 20503 });
    let parked: DeadLetterListing['messages'][number];
    let job: { jobId: string };
    try {
      job = await createJob(phone);
      parked = await until(
        async () => (await deadLetters('notifications', 'sms')).messages.find((m) => m.jobId === job.jobId),
        40_000,
      );
    } finally {
      cloud.twilio.clearFaults();
    }
    const before = await summary('notifications', 'sms');

    // Act
    const redriven = await api('POST', '/ops/notifications/dlqs/sms/redrive', {
      role: 'dispatcher',
      body: { messageIds: [parked.messageId] },
    });
    const sms = await until(() => outbound(phone)[0]);
    const audit = await until(async () => {
      const timeline = await api('GET', `/jobs/${job.jobId}/timeline`, { role: 'dispatcher' });
      return (timeline.body?.entries as Record<string, unknown>[] | undefined)?.find(
        (candidate) => candidate.type === 'DeadLetterRedriven',
      );
    });
    await settle();

    // Assess
    expect(parked).toMatchObject({
      eventType: 'JobCreated',
      jobId: job.jobId,
      customerFirstName: 'Mark',
      purpose: 'Text the customer about their job',
      suggestedAction: 'redrive',
      failure: { errorCode: '20503', transient: true },
    });
    // Retried before it was parked (the last try may still be recording when the listing reads).
    expect(parked.failure!.attempts).toBeGreaterThanOrEqual(2);
    expect(parked.failure?.errorMessage).toMatch(/Twilio/);
    expect(Date.parse(parked.failure!.lastFailureAt!)).toBeGreaterThan(
      Date.parse(parked.failure!.firstFailureAt!),
    );
    expect(before).toMatchObject({
      queue: 'qdn-local-notifications-sms',
      dlq: 'qdn-local-notifications-sms-dlq',
    });
    expect(before.dlqDepth).toBe(1);
    expect(before.oldestMessageAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(redriven.status).toBe(200);
    expect((redriven.body as RedriveResult).moved.map((moved) => moved.messageId)).toEqual([
      parked.messageId,
    ]);
    expect(redriven.body.notFound).toEqual([]);
    // Who sent it again, and when, is on the job's timeline.
    expect(audit).toMatchObject({
      actor: 'local-dispatcher',
      service: 'notifications',
      consumer: 'sms',
      messageId: parked.messageId,
      newMessageId: (redriven.body as RedriveResult).moved[0]!.newMessageId,
      eventType: 'JobCreated',
    });
    expect(sms.body).toMatch(/^Hi Mark/);
    expect(outbound(phone)).toHaveLength(1);
    expect((await summary('notifications', 'sms')).dlqDepth).toBe(0);
    expect(held('qdn-local-notifications-sms-dlq').count).toBe(0);
  }, 60_000);

  it('given the customer opted out at Twilio (21610), then the failure is recorded as permanent and never reaches the DLQ', async () => {
    // Prepare
    const phone = newPhone();
    cloud.twilio.injectFaults({ count: 1, code: 21610 });

    // Act
    const job = await createJob(phone);
    const events = await harness.eventsUntil(job.jobId, (all) =>
      all.some((event) => event['detail-type'] === 'SmsFailed'),
    );
    await settle();
    await settle();

    // Assess
    expect(events.find((event) => event['detail-type'] === 'SmsFailed')?.detail.data).toMatchObject({
      errorCode: '21610',
      permanent: true,
    });
    expect((await deadLetters('notifications', 'sms')).messages.filter((m) => m.jobId === job.jobId)).toEqual(
      [],
    );
    expect(outbound(phone)).toHaveLength(0);
  }, 40_000);

  it('given an event the sms consumer cannot parse, then it is suggested fix-then-redrive; discarded with a reason, it leaves the DLQ and the reason and dispatcher reach the job timeline', async () => {
    // Prepare: a real job (so it has a timeline), and an event about it that breaks the contract.
    const job = await createJob(newPhone());
    await harness.eventsFor(job.jobId, 1);
    const broken = {
      version: '0',
      id: 'broken-1',
      'detail-type': 'JobStatusChanged',
      source: 'qdn.jobs',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-west-2',
      resources: [],
      detail: {
        meta: {
          eventId: `${job.jobId}:99:JobStatusChanged`,
          occurredAt: new Date().toISOString(),
          brandId: 'qdn',
          jobId: job.jobId,
          version: 99,
          correlationId: 'c-broken',
        },
        data: { status: 'en_route' },
      },
    };
    await cloud.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl('qdn-local-notifications-sms'),
        MessageBody: JSON.stringify(broken),
      }),
    );
    const parked = await until(
      async () =>
        (await deadLetters('notifications', 'sms')).messages.find(
          (m) => m.eventId === broken.detail.meta.eventId,
        ),
      30_000,
    );

    // Act
    const reason = 'Contract bug (no job snapshot); the customer was called instead';
    const discarded = await api('POST', '/ops/notifications/dlqs/sms/discard', {
      role: 'dispatcher',
      body: { messageId: parked.messageId, reason },
    });
    const entry = await until(async () => {
      const timeline = await api('GET', `/jobs/${job.jobId}/timeline`, { role: 'dispatcher' });
      return (timeline.body?.entries as Record<string, unknown>[] | undefined)?.find(
        (candidate) => candidate.type === 'DeadLetterDiscarded',
      );
    });
    const again = await api('POST', '/ops/notifications/dlqs/sms/discard', {
      role: 'dispatcher',
      body: { messageId: parked.messageId, reason },
    });

    // Assess
    expect(parked).toMatchObject({
      eventType: 'JobStatusChanged',
      jobId: job.jobId,
      suggestedAction: 'fix-then-redrive',
      failure: { errorClass: 'ZodError', attempts: 3 },
    });
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({ messageId: parked.messageId, jobId: job.jobId });
    expect(entry).toMatchObject({
      reason,
      actor: 'local-dispatcher',
      service: 'notifications',
      consumer: 'sms',
      messageId: parked.messageId,
      eventType: 'JobStatusChanged',
    });
    expect(again.status).toBe(404);
    expect((await deadLetters('notifications', 'sms')).messages.map((m) => m.messageId)).not.toContain(
      parked.messageId,
    );
  }, 60_000);
});

describe('volume', () => {
  it('given 500 messages in a DLQ, when listed, then all 500 come back within 5 s and all 500 stay in the DLQ', async () => {
    // Prepare: a warm function (cold starts are measured apart), then 500 parked photo checks.
    const dlq = 'qdn-local-media-photos-dlq';
    await deadLetters('media', 'photos');
    const sent = new Set<string>();
    for (let batch = 0; batch < 50; batch++) {
      const { Successful = [] } = await cloud.clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl(dlq),
          Entries: Array.from({ length: 10 }, (_, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({
              'detail-type': 'Object Created',
              source: 'aws.s3',
              detail: {
                bucket: { name: 'qdn-local-media-000000000000-us-west-2' },
                object: { key: `photos/job-${batch}/${index}.jpg` },
              },
            }),
          })),
        }),
      );
      for (const ok of Successful) sent.add(ok.MessageId!);
    }

    // Act
    const started = performance.now();
    const listing = await deadLetters('media', 'photos');
    const elapsedMs = performance.now() - started;
    const after = held(dlq);
    const listedAt = Date.now();
    const secondListing = await deadLetters('media', 'photos');

    // Assess
    console.log(`listing 500 dead letters took ${Math.round(elapsedMs)} ms`);
    expect(elapsedMs).toBeLessThan(5_000);
    expect(listing.count).toBe(500);
    expect(listing.truncated).toBe(false);
    expect(new Set(listing.messages.map((message) => message.messageId))).toEqual(sent);
    expect(listing.messages[0]).toMatchObject({
      eventType: 'Object Created',
      suggestedAction: 'redrive',
    });
    expect(listing.messages[0]?.failure).toBeUndefined();
    expect(after.count).toBe(500);
    expect(after.hiddenUntil).toBeLessThanOrEqual(listedAt + 1_000);
    expect(secondListing.count).toBe(500);
    expect((await summary('media', 'photos')).dlqDepth).toBe(500);
    await cloud.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl(dlq) }));
  }, 60_000);
});

describe('bad input', () => {
  it('given an unknown consumer, then every route answers the same 404', async () => {
    const answers = await Promise.all([
      api('GET', '/ops/calendar/dlqs/sms/messages', { role: 'dispatcher' }),
      api('POST', '/ops/calendar/dlqs/nope/redrive', { role: 'dispatcher', body: {} }),
      api('POST', '/ops/calendar/dlqs/nope/discard', {
        role: 'dispatcher',
        body: { messageId: 'x', reason: 'not needed' },
      }),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404]);
    expect(answers[1]!.body).toEqual({ error: 'No consumer nope in calendar' });
  });

  it('given ids that are not in the DLQ, then redrive reports them not found and moves nothing else', async () => {
    // Prepare: two parked job changes in the jobs service's publish-retry DLQ.
    const dlq = 'qdn-local-jobs-publish-retry-dlq';
    for (const jobId of ['job-a', 'job-b']) {
      await cloud.clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl(dlq),
          MessageBody: JSON.stringify({
            events: [{ source: 'qdn.jobs', detailType: 'JobCreated', detail: { meta: { jobId } } }],
          }),
        }),
      );
    }
    const invocationsBefore = cloud.invocations.filter(
      (call) => call.functionKey === 'jobs.publishRetry',
    ).length;

    // Act
    const redriven = await api('POST', '/ops/jobs/dlqs/publish-retry/redrive', {
      role: 'admin',
      body: { messageIds: ['00000000-0000-0000-0000-000000000000'] },
    });
    const listing = await deadLetters('jobs', 'publish-retry');
    await settle();

    // Assess
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({
      moved: [],
      failed: [],
      notFound: ['00000000-0000-0000-0000-000000000000'],
    });
    expect(listing.messages.map((message) => message.jobId).sort()).toEqual(['job-a', 'job-b']);
    expect(held(dlq).count).toBe(2);
    expect(held('qdn-local-jobs-publish-retry').count).toBe(0);
    expect(cloud.invocations.filter((call) => call.functionKey === 'jobs.publishRetry')).toHaveLength(
      invocationsBefore,
    );
    await cloud.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl(dlq) }));
  });

  it('given a discard without a reason, or a caller without the dispatcher or admin role, then nothing happens', async () => {
    const noReason = await api('POST', '/ops/jobs/dlqs/publish-retry/discard', {
      role: 'dispatcher',
      body: { messageId: 'x' },
    });
    const driver = await api('GET', '/ops/notifications/dlqs', { role: 'driver' });
    const anonymous = await api('GET', '/ops/scc-bridge/dlqs');

    expect(noReason.status).toBe(400);
    expect(noReason.body.details).toEqual([{ field: 'body.reason', message: expect.any(String) }]);
    expect(driver.status).toBe(403);
    expect(anonymous.status).toBe(401);
  });

  it('lists every service’s consumers, each scoped to its own queues', async () => {
    const services = {
      jobs: ['publish-retry', 'geocode', 'refunds'],
      notifications: ['sms', 'follow-ups', 'timeline', 'inbound', 'crew-sms', 'notifications-publish-retry'],
      media: ['photos', 'media-jobs', 'booking-photos', 'media-publish-retry'],
      calendar: ['calendar', 'calendar-push', 'crew-status'],
      'scc-bridge': ['crew', 'scc-bridge-publish-retry'],
    };
    for (const [service, consumers] of Object.entries(services)) {
      const listed = await api('GET', `/ops/${service}/dlqs`, { role: 'admin' });
      expect(listed.status).toBe(200);
      expect(listed.body.service).toBe(service);
      expect((listed.body.consumers as DeadLetterQueueSummary[]).map((line) => line.consumer).sort()).toEqual(
        [...consumers].sort(),
      );
      for (const line of listed.body.consumers as DeadLetterQueueSummary[]) {
        expect(line.dlq).toBe(`${line.queue}-dlq`);
        expect(line.queue.startsWith(`qdn-local-${service}-`)).toBe(true);
      }
    }
  });
});
