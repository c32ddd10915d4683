import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startTestCloud, type TestCloud } from '../../src/test-harness.ts';

// A fresh local cloud (every worker cold) and a burst of ordinary work, with no fault injected: not a
// single message may end in a dead-letter queue. Before the SQS trigger started the visibility clock
// when the handler starts, worker cold starts (5–29 s on a busy 2-core machine) outlasted the local
// 2 s visibility timeout, messages were received again while their first delivery was still starting
// up, and delivered SMS were dead-lettered: phantom failures in the dispatcher's review.
const JOBS = 50;
const AT_ONCE = 10;
/** What each job texts its customer as it goes scheduled → en route → arrived → complete. */
const TEXTS_PER_JOB = 4;

let harness: TestCloud;

beforeAll(async () => {
  harness = await startTestCloud('phantom-dlq');
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

const phoneOf = (index: number) => `+1760555${String(index).padStart(4, '0')}`;
const textsTo = (phone: string) =>
  harness.cloud.twilio
    .messages()
    .filter((message) => message.direction === 'outbound-api' && message.to === phone);

/**
 * Waits for the job's customer to have `count` texts. Each step waits for the last one's text, as a
 * driver's taps come minutes apart: moved faster, the `sms` consumer would rightly record an older
 * event as stale instead of texting it, and the count would say nothing.
 */
/** Waits for the number's `count`th text; a complete text held for the undo window is sent now. */
const textedTimes = (phone: string, count: number, jobId?: string) =>
  eventually(
    async () => {
      if (jobId) await harness.releaseHeldTexts(jobId);
      return textsTo(phone).length >= count;
    },
    { timeoutMs: 120_000, what: `text ${count} to ${phone}` },
  );

async function jobThroughEveryStatus(index: number): Promise<string> {
  const created = await harness.api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      brandId: 'qdn',
      customer: { name: `Customer ${index}`, phone: phoneOf(index) },
      address: { text: `${100 + index} Soderblom Ave, San Diego, CA`, lat: 32.83, lng: -117.14 },
      serviceType: 'trailer_pickup_and_dump',
      schedule: { date: '2026-12-01', window: 'afternoon' },
      priceCents: 60000,
      crewIds: [],
    },
  });
  expect(created.status).toBe(201);
  const jobId = (created.body as { job: { jobId: string } }).job.jobId;
  await textedTimes(phoneOf(index), 1);
  for (const [step, status] of ['en_route', 'arrived', 'complete'].entries()) {
    // A dispatcher moves them: a driver may move only their own crew's jobs of the day (issue 17).
    const changed = await harness.api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status, ...(status === 'en_route' ? { etaMinutes: 20 } : {}) },
    });
    expect(changed.status).toBe(200);
    await textedTimes(phoneOf(index), step + 2, jobId);
  }
  return jobId;
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await harness.cloud.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('a fresh local cloud under a burst of ordinary work', () => {
  it(`given ${JOBS} jobs moved through every status from a cold start with no fault, then every customer gets each text once and no DLQ holds a message`, async () => {
    const queues = [...harness.cloud.provisioned.queues.values()];
    const deadLetterArns = new Set(queues.map((queue) => queue.deadLetterArn).filter(Boolean));
    const dlqs = queues.filter((queue) => deadLetterArns.has(queue.arn));
    const sources = queues.filter((queue) => queue.deadLetterArn);
    expect(dlqs.map((queue) => queue.name)).toEqual(
      expect.arrayContaining([
        'qdn-local-notifications-sms-dlq',
        'qdn-local-notifications-timeline-dlq',
        'qdn-local-notifications-crew-sms-dlq',
      ]),
    );

    for (let first = 0; first < JOBS; first += AT_ONCE) {
      const batch = Array.from({ length: Math.min(AT_ONCE, JOBS - first) }, (_, offset) => first + offset);
      await Promise.all(batch.map((index) => jobThroughEveryStatus(index)));
    }

    const outbound = () =>
      harness.cloud.twilio.messages().filter((message) => message.direction === 'outbound-api');
    expect(outbound()).toHaveLength(JOBS * TEXTS_PER_JOB);
    // Every queue drained (nothing still in flight that could yet be dead-lettered)…
    await eventually(
      async () => {
        const depths = await Promise.all(sources.map((queue) => depth(queue.url)));
        return depths.every((value) => value === 0);
      },
      { timeoutMs: 120_000, what: 'every consumer queue to drain' },
    );

    const perPhone = new Map<string, number>();
    for (const message of outbound()) perPhone.set(message.to, (perPhone.get(message.to) ?? 0) + 1);
    expect([...perPhone.values()].filter((count) => count !== TEXTS_PER_JOB)).toEqual([]);
    expect(perPhone.size).toBe(JOBS);
    // …and nothing in any DLQ.
    const dlqDepths = Object.fromEntries(
      await Promise.all(dlqs.map(async (queue) => [queue.name, await depth(queue.url)] as const)),
    );
    expect(Object.entries(dlqDepths).filter(([, count]) => count > 0)).toEqual([]);
    const coldStarts = harness.cloud.invocations.filter((entry) => entry.coldStart).length;
    expect(coldStarts).toBeGreaterThan(0);
  }, 420_000);
});
