import { GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeArchiveCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LOCAL_SECRETS } from '@qdn/local-cloud';
import {
  type CapturedEvent,
  eventually,
  startTestCloud,
  TEST_DRIVER_CREW_ID,
  type TestCloud,
  todayIn,
} from '@qdn/local-cloud/test-harness';
import twilio from 'twilio';

// Notifications on the local cloud, through the fake Twilio: job changes made with the jobs API, SMS
// read back from the fake's outbox, inbound SMS and status callbacks signed as Twilio signs them.
let harness: TestCloud;
let cloud: TestCloud['cloud'];

beforeAll(async () => {
  harness = await startTestCloud('notifications');
  ({ cloud } = harness);
}, 90_000);

afterAll(async () => {
  await harness?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => harness.api(...args);
let phoneSeq = 200;
/** A fresh customer number per test, so opt-outs and "first text" never leak between tests. */
const newPhone = () => `+1619555${String(phoneSeq++).padStart(4, '0')}`;

const until = <T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000) =>
  eventually(probe, { timeoutMs });

const outbound = (to: string) =>
  cloud.twilio.messages().filter((message) => message.to === to && message.direction === 'outbound-api');

/** Waits until nothing is in flight that could still retry, so that a retry (if any) has happened. */
const settle = () => cloud.settled();

async function createJob(phone: string, overrides: Record<string, unknown> = {}) {
  const created = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name: 'Mark Soderblom', phone },
      address: { text: '4521 Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
      serviceType: 'trailer_pickup_and_dump',
      schedule: { date: '2026-12-01', window: 'afternoon' },
      priceCents: 60000,
      crewIds: [],
      ...overrides,
    },
  });
  expect(created.status).toBe(201);
  return created.body as { job: { jobId: string; version: number }; trackingUrl: string };
}

async function changeStatus(jobId: string, status: string, extra: Record<string, unknown> = {}) {
  const changed = await api('POST', `/jobs/${jobId}/status`, {
    role: 'dispatcher',
    body: { status, ...extra },
  });
  expect(changed.status).toBe(200);
  return changed.body.job as { version: number };
}

/** The notifications service's own events about a job, from the test capture. */
const notificationEvents = (jobId: string, type: string, count: number) =>
  harness.eventsUntil(
    jobId,
    (events) => events.filter((event) => event['detail-type'] === type).length >= count,
  );

async function timeline(jobId: string) {
  const response = await api('GET', `/jobs/${jobId}/timeline`, { role: 'dispatcher' });
  return response.body?.entries as Array<Record<string, unknown>> | undefined;
}

/** Puts a captured bus event on the bus again, as a redelivery, redrive or replay would. */
async function redeliver(event: CapturedEvent & { source?: string }) {
  const result = await cloud.clients.eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'qdn-local',
          Source: event.source ?? 'qdn.jobs',
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
        },
      ],
    }),
  );
  expect(result.FailedEntryCount).toBe(0);
}

function signedForm(url: string, params: Record<string, string>) {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(LOCAL_SECRETS.twilioAuthToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  };
}

describe('outbound SMS on job changes', () => {
  it('given a scheduled job, when it goes en route, then exactly one SMS in the brand voice with the tracking link', async () => {
    const phone = newPhone();
    const { job, trackingUrl } = await createJob(phone);
    const booked = await until(() => outbound(phone)[0]);
    // The phone is recorded as texted after the send; only then does the next text drop the opt-out line.
    await settle();

    await changeStatus(job.jobId, 'en_route', { etaMinutes: 25 });
    const onTheWay = await until(() => outbound(phone)[1]);
    await settle();

    expect(booked.body).toMatch(/^Hi Mark, your .+ is booked for Tue, Dec 1 between 12 pm and 5 pm\./);
    expect(booked.body).toContain(trackingUrl);
    expect(booked.body).toMatch(/- QuickDumpNow Reply STOP to opt out\.$/);
    expect(booked.messagingServiceSid).toBe('MG00000000000000000000000000000001');
    expect(booked.statusCallback).toBe(`${cloud.apiUrl}/twilio/status?jobId=${job.jobId}`);
    expect(onTheWay.body).toBe(
      `Hi Mark, we're on the way - about 25 min. Track: ${trackingUrl} - QuickDumpNow`,
    );
    expect(outbound(phone)).toHaveLength(2);
  });

  it('given a charter booked online, when the dispatcher confirms it, then one SMS carrying the guest page (/g/), which opens the charter; nothing while it was a request', async () => {
    // Prepare: a Queen of San Diego charter from the booking page, ten days ahead.
    const phone = newPhone();
    const date = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const booked = await api('POST', '/bookings', {
      body: {
        brandId: 'queen-of-san-diego',
        name: 'Dana Whitfield',
        phone,
        serviceType: 'charter',
        preferredDate: date,
        charter: { departureTime: '17:00', durationMinutes: 180, guestCount: 25, occasion: 'Wedding' },
        smsConsent: true,
      },
    });
    expect(booked.status).toBe(201);
    await settle();
    expect(outbound(phone)).toEqual([]);

    // Act
    await changeStatus(booked.body.jobId, 'scheduled');
    const confirmed = await until(() => outbound(phone)[0]);
    await settle();

    // Assess
    const guestPage = new RegExp(`${cloud.siteUrl}/g/([A-Za-z0-9_-]{32}) `).exec(confirmed.body);
    expect(confirmed.body).toMatch(
      /^Hi Dana, your charter aboard Queen of San Diego is set for \w+, \w+ \d+ at 5 pm, meet at Dock B, Harbor Island West Marina\. Details: /,
    );
    expect(confirmed.body).not.toContain('/track/');
    expect(guestPage).not.toBeNull();
    const view = await api('GET', `/track/${guestPage![1]}`);
    expect(view.status).toBe(200);
    expect(view.body.job).toMatchObject({
      status: 'scheduled',
      charter: { meetingPoint: 'Dock B, Harbor Island West Marina', guestCount: 25 },
    });
    expect(outbound(phone)).toHaveLength(1);
  });

  it('given the same event delivered 3 times, then one SMS, and its idempotency record outlives the bus archive', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    const created = (
      await harness.eventsUntil(job.jobId, (events) => events.some((e) => e['detail-type'] === 'JobCreated'))
    ).find((event) => event['detail-type'] === 'JobCreated');

    await redeliver(created!);
    await redeliver(created!);
    await settle();

    expect(outbound(phone)).toHaveLength(1);
    const archive = await cloud.clients.eventBridge.send(
      new DescribeArchiveCommand({ ArchiveName: 'qdn-local-all' }),
    );
    const { Item } = await cloud.clients.dynamodb.send(
      new GetItemCommand({
        TableName: 'qdn-notifications-local-messages',
        Key: { pk: { S: `SEND#job:${job.jobId}:1:scheduled` }, sk: { S: 'SEND' } },
      }),
    );
    const lifetimeDays = (Number(Item?.expiresAt?.N) - Date.now() / 1000) / 86_400;
    expect(archive.RetentionDays).toBeGreaterThan(0);
    expect(lifetimeDays).toBeGreaterThan(archive.RetentionDays!);
  });

  it('given Twilio answers 429 twice, when the job goes en route, then one SMS', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);

    cloud.twilio.injectFaults({ count: 2, code: 20429 });
    await changeStatus(job.jobId, 'en_route');
    await until(() => outbound(phone)[1]);
    await settle();

    expect(outbound(phone)).toHaveLength(2);
    expect(cloud.twilio.pendingFaults()).toHaveLength(0);
  });

  it('given a Twilio outage, then the timeline shows each failed attempt and when Twilio really took the text', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.idle();

    // Twilio answers 503 four times: three inside the gateway's backoff, then once more after SQS redelivers
    cloud.twilio.injectFaults({ count: 4, status: 503, code: 20503 });
    await changeStatus(job.jobId, 'en_route');
    const onTheWay = await until(() => outbound(phone)[1]);

    const entry = await until(async () =>
      (await timeline(job.jobId))?.find(
        (found) => found.type === 'SmsSent' && found.messageSid === onTheWay.sid,
      ),
    );
    const attempts = entry.failedAttempts as Array<{ at: string; errorCode?: string; next: string }>;
    expect(attempts.map((attempt) => [attempt.errorCode, attempt.next])).toEqual([
      ['20503', 'retried'],
      ['20503', 'retried'],
      ['20503', 'retry-later'],
      ['20503', 'retried'],
    ]);
    // The entry is dated when Twilio took the text, after the first try and every failed one
    expect(Date.parse(String(entry.at))).toBeGreaterThan(Date.parse(String(entry.firstAttemptAt)));
    expect(Date.parse(String(entry.at))).toBeGreaterThanOrEqual(Date.parse(attempts.at(-1)!.at));
    expect(Date.parse(onTheWay.dateCreated)).toBeLessThanOrEqual(Date.parse(String(entry.at)));
  });

  it('given Twilio accepts but the answer never comes, then the SMS is found in Twilio, not sent twice', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);

    cloud.twilio.injectFaults({ count: 1, kind: 'timeout-after-accept' });
    await changeStatus(job.jobId, 'en_route');
    const [sent] = await notificationEvents(job.jobId, 'SmsSent', 2).then((events) =>
      events.filter(
        (event) => event['detail-type'] === 'SmsSent' && event.detail.data.template === 'on_the_way',
      ),
    );
    await settle();

    expect(outbound(phone)).toHaveLength(2);
    expect(sent?.detail.data.messageSid).toBe(outbound(phone)[1]?.sid);
  });

  it('given the number is unsubscribed at Twilio (21610), then no retry, the number is suppressed, and the next change is SmsSuppressed', async () => {
    const phone = newPhone();
    cloud.twilio.injectFaults({ count: 1, code: 21610 });
    const { job } = await createJob(phone);
    const failed = await notificationEvents(job.jobId, 'SmsFailed', 1);
    const requestsAfterFailure = cloud.twilio
      .requests()
      .filter((request) => request.method === 'POST').length;

    await changeStatus(job.jobId, 'en_route');
    const events = await notificationEvents(job.jobId, 'SmsSuppressed', 1);
    await settle();

    expect(failed.find((event) => event['detail-type'] === 'SmsFailed')?.detail.data).toMatchObject({
      errorCode: '21610',
      permanent: true,
    });
    expect(outbound(phone)).toHaveLength(0);
    expect(cloud.twilio.requests().filter((request) => request.method === 'POST').length).toBe(
      requestsAfterFailure,
    );
    expect(events.find((event) => event['detail-type'] === 'SmsSuppressed')?.detail.data).toMatchObject({
      reason: 'opted-out',
      template: 'on_the_way',
    });
  });

  it('given a late event older than what the consumer has seen, then SmsSuppressed (stale) and no SMS', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    // At a driver's pace: each text out before the next change (changes made faster than the consumer
    // runs are themselves a case of stale events, and would be suppressed as such).
    await until(() => outbound(phone)[0]);
    await changeStatus(job.jobId, 'en_route');
    await until(() => outbound(phone)[1]);
    await changeStatus(job.jobId, 'arrived');
    await until(() => outbound(phone)[2]);
    const complete = await changeStatus(job.jobId, 'complete');
    await until(async () => {
      await harness.releaseHeldTexts(job.jobId);
      return outbound(phone)[3];
    });
    const events = await harness.eventsUntil(job.jobId, (all) =>
      all.some((event) => event['detail-type'] === 'SmsSent' && event.detail.data.template === 'complete'),
    );
    const enRoute = events.find(
      (event) => event['detail-type'] === 'JobStatusChanged' && event.detail.data.status === 'en_route',
    )!;
    const sentBefore = outbound(phone).length;

    // An "on the way" for a version between "arrived" and "complete", arriving after "complete".
    const late = structuredClone(enRoute);
    const version = complete.version - 1;
    late.detail.meta = {
      ...late.detail.meta,
      version,
      eventId: `${job.jobId}:${version}:late`,
    } as typeof late.detail.meta;
    (late.detail.data.job as { version: number }).version = version;
    await redeliver(late);
    const suppressed = await notificationEvents(job.jobId, 'SmsSuppressed', 1);
    await settle();

    expect(
      suppressed
        .filter((event) => event['detail-type'] === 'SmsSuppressed')
        .map((event) => event.detail.data),
    ).toEqual([expect.objectContaining({ reason: 'stale', template: 'on_the_way' })]);
    expect(outbound(phone)).toHaveLength(sentBefore);
  });

  it('given Twilio fails with 5xx on every try, then the event lands in the DLQ with a failure record naming the Twilio error', async () => {
    const phone = newPhone();
    cloud.twilio.injectFaults({ count: 50, code: 20503 });
    try {
      await deadLetterWithRecord(phone);
    } finally {
      cloud.twilio.clearFaults();
    }
  }, 60_000);
});

async function deadLetterWithRecord(phone: string) {
  {
    const { job } = await createJob(phone);
    const dlqUrl = [...cloud.provisioned.queues.values()].find(
      (queue) => queue.name === 'qdn-local-notifications-sms-dlq',
    )!.url;
    const dead = await until(async () => {
      const { Messages = [] } = await cloud.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      );
      return Messages.find((message) => message.Body?.includes(job.jobId));
    }, 30_000);

    const { Items = [] } = await cloud.clients.dynamodb.send(
      new ScanCommand({ TableName: 'qdn-notifications-local-failures' }),
    );
    const record = Items.find((item) => item.messageId?.S === dead.MessageId);
    expect(record?.consumer?.S).toBe('sms');
    expect(record?.errorCode?.S).toBe('20503');
    expect(record?.errorMessage?.S).toMatch(/Twilio/);
    expect(outbound(phone)).toHaveLength(0);
  }
}

describe('inbound SMS', () => {
  it('given STOP then START, then sends are suppressed in between and resume after', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);

    await cloud.twilio.sendInbound({ from: phone, body: '  stop ' });
    await notificationEvents(job.jobId, 'SmsReceived', 1);
    await changeStatus(job.jobId, 'en_route');
    await notificationEvents(job.jobId, 'SmsSuppressed', 1);
    await cloud.twilio.sendInbound({ from: phone, body: 'Start' });
    await notificationEvents(job.jobId, 'SmsReceived', 2);
    await changeStatus(job.jobId, 'arrived');
    const arrived = await until(() => outbound(phone).find((message) => message.body.includes('arrived')));

    expect(outbound(phone)).toHaveLength(2);
    expect(arrived.body).toMatch(/^Hi Mark, we've arrived/);
  });

  /** An inbound SMS put on the inbound queue as the webhook put it at `receivedAt` (a redrive from the DLQ). */
  async function redrivenInbound(from: string, body: string, receivedAt: Date) {
    const queue = [...cloud.provisioned.queues.values()].find(
      (candidate) => candidate.name === 'qdn-local-notifications-inbound',
    )!;
    const messageSid = `SM${Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}`;
    await cloud.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify({
          messageSid,
          from,
          to: '+15005550006',
          body,
          mediaUrls: [],
          receivedAt: receivedAt.toISOString(),
        }),
      }),
    );
  }

  it('given "please stop texting me", when a YES from an hour before is redriven after it, then the number stays opted out', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.sendInbound({ from: phone, body: 'please stop texting me' });
    await until(() => outbound(phone).find((message) => message.body.includes('Reply START')));

    await redrivenInbound(phone, 'YES', new Date(Date.now() - 3_600_000));
    await notificationEvents(job.jobId, 'SmsReceived', 2);
    await changeStatus(job.jobId, 'en_route');
    const suppressed = await notificationEvents(job.jobId, 'SmsSuppressed', 1);

    expect(suppressed.find((event) => event['detail-type'] === 'SmsSuppressed')?.detail).toMatchObject({
      data: { template: 'on_the_way', reason: 'opted-out' },
    });
    await settle();
    expect(outbound(phone)).toHaveLength(2);
  });

  it('given START, when a STOP from an hour before is redriven after it, then the customer is still texted', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.sendInbound({ from: phone, body: 'START' });
    await notificationEvents(job.jobId, 'SmsReceived', 1);

    await redrivenInbound(phone, 'STOP', new Date(Date.now() - 3_600_000));
    await notificationEvents(job.jobId, 'SmsReceived', 2);
    await changeStatus(job.jobId, 'en_route');
    const onTheWay = await until(() =>
      outbound(phone).find((message) => message.body.includes('on the way')),
    );

    expect(onTheWay.body).toMatch(/^Hi Mark, we're on the way/);
  });

  it.each(['REVOKE', 'optout.'])(
    'given %j (one of Twilio’s stop words), then later texts are suppressed and nothing is relayed',
    async (word) => {
      const phone = newPhone();
      const { job } = await createJob(phone);
      await until(() => outbound(phone)[0]);

      await cloud.twilio.sendInbound({ from: phone, body: word });
      await notificationEvents(job.jobId, 'SmsReceived', 1);
      await changeStatus(job.jobId, 'en_route');
      await notificationEvents(job.jobId, 'SmsSuppressed', 1);

      expect(outbound(phone)).toHaveLength(1);
      expect(outbound('+16195550101').some((message) => message.body.includes(word))).toBe(false);
    },
  );

  it('given INFO from a number that opted out in words (Twilio still texts it), then the help reply reaches it', async () => {
    // (After a STOP keyword Twilio itself blocks our texts and answers HELP with its own reply.)
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);

    await cloud.twilio.sendInbound({ from: phone, body: 'Remove me from your list' });
    await until(() => outbound(phone).find((message) => message.body.includes('Reply START')));
    await notificationEvents(job.jobId, 'SmsReceived', 1);
    await cloud.twilio.sendInbound({ from: phone, body: 'Info' });
    const help = await until(() =>
      outbound(phone).find((message) => message.body.includes('our team will get back to you')),
    );

    expect(help.body).toBe(
      'QuickDumpNow: reply to this number and our team will get back to you. Msg&data rates may apply. Reply STOP to opt out.',
    );
  });

  it('given "please stop texting me", then the number is opted out, told so once, and the team sees the reply flagged; "can you stop at the gate" opts out nobody', async () => {
    const phone = newPhone();
    const other = newPhone();
    const { job } = await createJob(phone);
    const { job: otherJob } = await createJob(other);
    await until(() => outbound(phone)[0] && outbound(other)[0]);

    await cloud.twilio.sendInbound({ from: phone, body: 'Please stop texting me' });
    await cloud.twilio.sendInbound({ from: other, body: 'Can you stop at the gate?' });
    const confirmation = await until(() => outbound(phone).find((message) => message.body.includes('START')));
    const flagged = await until(() =>
      outbound('+16195550101').find((message) => message.body.includes('Please stop texting me')),
    );
    await until(() =>
      outbound('+16195550101').find((message) => message.body.includes('Can you stop at the gate?')),
    );
    await changeStatus(job.jobId, 'en_route');
    await changeStatus(otherJob.jobId, 'en_route');
    await notificationEvents(job.jobId, 'SmsSuppressed', 1);
    await until(() => outbound(other).find((message) => message.body.includes('on the way')));
    const received = (await notificationEvents(job.jobId, 'SmsReceived', 1)).find(
      (event) => event['detail-type'] === 'SmsReceived',
    );

    expect(confirmation.body).toBe(
      "QuickDumpNow: you won't get more texts from us. Reply START to get them again.",
    );
    expect(outbound(phone)).toHaveLength(2);
    expect(flagged.body).toMatch(/\[Opted out: this reply was read as asking us to stop texting\./);
    expect(received?.detail).toMatchObject({ data: { revokedConsent: true } });
    expect(
      outbound('+16195550101').find((message) => message.body.includes('Can you stop at the gate?'))?.body,
    ).not.toMatch(/Opted out/);
  });

  it('given a reply misread as an opt-out, when a dispatcher undoes it, then the customer is texted again, the timeline names who undid it, and only staff can; a STOP cannot be undone', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.sendInbound({ from: phone, body: 'Remove me from your list' });
    await until(() => outbound(phone).find((message) => message.body.includes('Reply START')));
    const [reply] = (await notificationEvents(job.jobId, 'SmsReceived', 1)).filter(
      (event) => event['detail-type'] === 'SmsReceived',
    );
    const messageSid = String(reply?.detail.data.messageSid);
    expect(reply?.detail.data.revokedConsent).toBe(true);
    const path = `/jobs/${job.jobId}/messages/${messageSid}/restore-consent`;

    const byDriver = await api('POST', path, { role: 'driver' });
    const unknown = await api('POST', `/jobs/${job.jobId}/messages/SMnotarealmessage/restore-consent`, {
      role: 'dispatcher',
    });
    await until(async () => (await timeline(job.jobId))?.find((entry) => entry.messageSid === messageSid));
    const undone = await api('POST', path, { role: 'dispatcher' });
    const again = await api('POST', path, { role: 'dispatcher' });
    await changeStatus(job.jobId, 'en_route');
    const onTheWay = await until(() =>
      outbound(phone).find((message) => message.body.includes('on the way')),
    );
    const restoredEntry = await until(async () =>
      (await timeline(job.jobId))?.find((entry) => entry.type === 'SmsConsentRestored'),
    );

    expect(byDriver.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(undone.status).toBe(200);
    expect(undone.body).toEqual({ restored: true, phone });
    expect(again.body).toEqual({ restored: false, phone, reason: 'not-opted-out' });
    expect(onTheWay.body).toMatch(/^Hi Mark, we're on the way/);
    expect(restoredEntry).toMatchObject({ messageSid, phone, actor: expect.any(String) });

    // STOP is Twilio's as well: only the customer lifts it, by texting START.
    const stopped = newPhone();
    const { job: stoppedJob } = await createJob(stopped);
    await until(() => outbound(stopped)[0]);
    await cloud.twilio.sendInbound({ from: stopped, body: 'please stop texting me' });
    const [misread] = (await notificationEvents(stoppedJob.jobId, 'SmsReceived', 1)).filter(
      (event) => event['detail-type'] === 'SmsReceived',
    );
    await cloud.twilio.sendInbound({ from: stopped, body: 'STOP' });
    await notificationEvents(stoppedJob.jobId, 'SmsReceived', 2);
    await until(async () =>
      (await timeline(stoppedJob.jobId))?.find(
        (entry) => entry.messageSid === misread?.detail.data.messageSid,
      ),
    );
    const refused = await api(
      'POST',
      `/jobs/${stoppedJob.jobId}/messages/${String(misread?.detail.data.messageSid)}/restore-consent`,
      { role: 'dispatcher' },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/texted STOP/);
  });

  it('given a customer reply, then it is relayed to the backup team with job context, and a team #ref reply reaches the customer', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await changeStatus(job.jobId, 'en_route');
    await until(() => outbound(phone)[1]);

    const inbound = await cloud.twilio.sendInbound({ from: phone, body: 'Gate is open, park on the left' });
    const relays = await until(() => {
      const found = ['+16195550101', '+16195550102'].map((number) => outbound(number).at(-1));
      return found.every((message) => message?.body.includes('Gate is open')) ? found : undefined;
    });
    const ref = job.jobId.slice(-6);
    await cloud.twilio.sendInbound({
      from: '+16195550101',
      body: `#${ref.toLowerCase()} Thanks, see you soon`,
    });
    const reply = await until(() =>
      outbound(phone).find((message) => message.body.startsWith('Thanks, see you')),
    );

    expect(inbound.status).toBe(200);
    expect(inbound.contentType).toMatch(/text\/xml/);
    expect(relays[0]?.body).toBe(
      `QuickDumpNow reply from Mark (job ${job.jobId}, en route, 4521 Soderblom Ave): Gate is open, park on the left - answer with #${ref} and your text`,
    );
    expect(reply.body).toBe('Thanks, see you soon - QuickDumpNow');
    // The team's own text is never relayed back to the team.
    expect(
      outbound('+16195550102').filter((message) => message.body.includes('Thanks, see you')),
    ).toHaveLength(0);
  });

  it("given an anonymous booking under a customer's number, then their next text is still about their real job", async () => {
    // Prepare: Mark's confirmed job, then someone books far ahead with Mark's number.
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    const farAhead = new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10);
    const booked = await api('POST', '/bookings', {
      body: {
        name: 'Fake Person',
        phone,
        address: { text: '1 Decoy Rd, San Diego' },
        serviceType: 'trailer_pickup_and_dump',
        preferredDate: farAhead,
        window: 'morning',
        smsConsent: true,
      },
    });
    expect(booked.status).toBe(201);
    await until(async () => {
      const { Item } = await cloud.clients.dynamodb.send(
        new GetItemCommand({
          TableName: 'qdn-notifications-local-messages',
          Key: { pk: { S: `JOB#${booked.body.jobId}` }, sk: { S: 'JOB' } },
        }),
      );
      return Item;
    });

    // Act
    await cloud.twilio.sendInbound({ from: phone, body: 'Can you come an hour later?' });

    // Assess
    const relay = await until(() =>
      outbound('+16195550101').find((message) => message.body.includes('Can you come an hour later?')),
    );
    expect(relay.body).toContain(`(job ${job.jobId}, scheduled`);
    expect(relay.body).not.toContain(booked.body.jobId);
    expect(relay.body).not.toContain('Decoy');
  });

  it('given an unknown sender, then the message is still relayed, marked unknown', async () => {
    const stranger = newPhone();
    await cloud.twilio.sendInbound({ from: stranger, body: 'Do you take mattresses?' });
    const relay = await until(() =>
      outbound('+16195550101').find((message) => message.body.includes('Do you take mattresses?')),
    );
    expect(relay.body).toBe(`QuickDumpNow reply from unknown sender ${stranger}: Do you take mattresses?`);
  });

  it('given a bad or missing signature, then 403 and no trace', async () => {
    const phone = newPhone();
    const url = `${cloud.apiUrl}/twilio/inbound`;
    const params = {
      MessageSid: `SM${'b'.repeat(32)}`,
      From: phone,
      To: '+15005550006',
      Body: 'forged',
      NumMedia: '0',
    };
    const forged = signedForm(url, params);
    forged.headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature('wrong-token', url, params);
    const unsigned = signedForm(url, params);
    delete (unsigned.headers as Record<string, string>)['x-twilio-signature'];
    const tampered = signedForm(url, params);
    tampered.body = new URLSearchParams({ ...params, Body: 'tampered' }).toString();

    const answers = await Promise.all([forged, unsigned, tampered].map((init) => fetch(url, init)));
    await settle();

    expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403]);
    expect(cloud.twilio.messages().filter((message) => message.body.includes('forged'))).toHaveLength(0);
    const { Items = [] } = await cloud.clients.dynamodb.send(
      new ScanCommand({ TableName: 'qdn-notifications-local-messages' }),
    );
    expect(JSON.stringify(Items)).not.toContain('b'.repeat(32));
  });

  it('given a signed webhook with parameters Twilio added later, then it is accepted', async () => {
    const url = `${cloud.apiUrl}/twilio/inbound`;
    const params = {
      MessageSid: `SM${'c'.repeat(32)}`,
      From: newPhone(),
      To: '+15005550006',
      Body: 'hello',
      NumMedia: '0',
      SomeFutureParameter: 'x',
    };
    const answer = await fetch(url, signedForm(url, params));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('<Response>');
  });
});

describe('delivery status and the timeline', () => {
  it('given status callbacks out of order, then the final status is delivered and the timeline lists everything in order', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    const [booked] = [await until(() => outbound(phone)[0])];
    await changeStatus(job.jobId, 'en_route');
    await until(() => outbound(phone)[1]);
    await cloud.twilio.idle();

    const url = `${cloud.apiUrl}/twilio/status?jobId=${job.jobId}`;
    const late = {
      MessageSid: booked.sid,
      MessageStatus: 'sent',
      AccountSid: LOCAL_SECRETS.twilioAccountSid,
    };
    expect((await fetch(url, signedForm(url, late))).status).toBe(200);
    const badSignature = signedForm(url, { ...late, MessageStatus: 'failed' });
    badSignature.headers['x-twilio-signature'] = 'AAAA';
    expect((await fetch(url, badSignature)).status).toBe(403);

    const entries = await until(async () => {
      const found = await timeline(job.jobId);
      return found && found.filter((entry) => entry.type === 'SmsSent').length === 2 ? found : undefined;
    });
    const types = entries.map((entry) => entry.type);
    expect(types.indexOf('JobCreated')).toBeLessThan(types.indexOf('JobStatusChanged'));
    expect(entries.find((entry) => entry.messageSid === booked.sid)).toMatchObject({
      type: 'SmsSent',
      direction: 'outbound',
      status: 'delivered',
      template: 'scheduled',
    });
    const ats = entries.map((entry) => String(entry.at));
    expect([...ats].sort()).toEqual(ats);
  });

  it('given "on the way" held at Twilio past its validity period, then it is dropped, not sent late, and the timeline says it expired', async () => {
    // Given a booked job, and Twilio unable to hand the next text on before its validity runs out
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.idle();
    cloud.twilio.injectFaults({ count: 1, kind: 'delivery', outcome: 'failed', errorCode: 30036 });

    // When the truck leaves
    await changeStatus(job.jobId, 'en_route');
    const onTheWay = await until(() => outbound(phone)[1]);

    // Then the text asked Twilio to drop it after 15 minutes (the booking text has no such limit)…
    expect(outbound(phone).map((message) => message.validityPeriod)).toEqual([null, 900]);
    // …and the timeline shows it failed with Twilio's "validity period expired"
    const entry = await until(async () =>
      (await timeline(job.jobId))?.find(
        (found) => found.messageSid === onTheWay.sid && found.status === 'failed',
      ),
    );
    expect(entry).toMatchObject({ template: 'on_the_way', errorCode: '30036' });
  });

  it('given a signed status callback replayed, then it is stored once, with an expiry (issue 17 item 8)', async () => {
    // Given a text that went out, and one signed "delivered" callback for it
    const phone = newPhone();
    const { job } = await createJob(phone);
    const booked = await until(() => outbound(phone)[0]);
    await cloud.twilio.idle();
    const url = `${cloud.apiUrl}/twilio/status?jobId=${job.jobId}`;
    const params = {
      MessageSid: booked.sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      AccountSid: LOCAL_SECRETS.twilioAccountSid,
    };

    // When someone replays it three times (a fresh idempotency header each time: that header is unsigned)
    const answers = [];
    for (const token of ['replay-1', 'replay-2', 'replay-3']) {
      const init = signedForm(url, params);
      answers.push(
        await fetch(url, { ...init, headers: { ...init.headers, 'i-twilio-idempotency-token': token } }),
      );
    }

    // Then each is acknowledged, and only one record of that callback exists, set to expire
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const { Items = [] } = await cloud.clients.dynamodb.send(
      new QueryCommand({
        TableName: 'qdn-notifications-local-messages',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `SID#${booked.sid}` } },
      }),
    );
    const undelivered = Items.filter((item) => item.raw?.M?.MessageStatus?.S === 'undelivered');
    expect(undelivered).toHaveLength(1);
    expect(Number(undelivered[0]!.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('given a dispatcher text and a customer reply, then the customer sees only their own thread with the tracking grant', async () => {
    const phone = newPhone();
    const { job, trackingUrl } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await settle(); // the phone is recorded as texted after the send (so no opt-out line below)
    const sent = await api('POST', `/jobs/${job.jobId}/messages`, {
      role: 'dispatcher',
      body: { body: 'Can we come 30 min early?' },
    });
    await cloud.twilio.sendInbound({ from: phone, body: 'Sure' });
    const token = trackingUrl.split('/').pop()!;
    const view = (await fetch(`${cloud.apiUrl}/track/${token}`).then((response) => response.json())) as {
      grant: { grant: string };
    };
    const other = await createJob(newPhone());
    const otherToken = other.trackingUrl.split('/').pop()!;
    const otherView = (await fetch(`${cloud.apiUrl}/track/${otherToken}`).then((response) =>
      response.json(),
    )) as {
      grant: { grant: string };
    };

    const thread = await until(async () => {
      const response = await fetch(`${cloud.apiUrl}/track/jobs/${job.jobId}/messages`, {
        headers: { authorization: `Bearer ${view.grant.grant}` },
      });
      const body = (await response.json()) as { messages?: Array<{ direction: string; body: string }> };
      return body.messages?.length === 3 ? body.messages : undefined;
    });
    const wrongGrant = await fetch(`${cloud.apiUrl}/track/jobs/${job.jobId}/messages`, {
      headers: { authorization: `Bearer ${otherView.grant.grant}` },
    });
    const noGrant = await fetch(`${cloud.apiUrl}/track/jobs/${job.jobId}/messages`);

    expect(sent.status).toBe(202);
    expect(sent.body.messageSid).toMatch(/^SM/);
    expect(
      thread.map((message: { direction: string; body: string }) => [message.direction, message.body]),
    ).toEqual([
      ['outbound', expect.stringContaining('is booked for')],
      ['outbound', 'Can we come 30 min early? - QuickDumpNow'],
      ['inbound', 'Sure'],
    ]);
    expect(JSON.stringify(thread)).not.toContain('QuickDumpNow reply from');
    expect([wrongGrant.status, noGrant.status]).toEqual([401, 401]);
    expect(await wrongGrant.text()).toBe(await noGrant.text());
  });

  it('given bad input to the dispatcher route, then clear 4xx and nothing sent', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    const [empty, unknownJob, driver] = await Promise.all([
      api('POST', `/jobs/${job.jobId}/messages`, { role: 'dispatcher', body: { body: '   ' } }),
      api('POST', '/jobs/qdn_UNKNOWN/messages', { role: 'dispatcher', body: { body: 'hi' } }),
      api('POST', `/jobs/${job.jobId}/messages`, { role: 'driver', body: { body: 'hi' } }),
    ]);
    expect(empty.status).toBe(400);
    expect(empty.body.details).toEqual([expect.objectContaining({ field: 'body.body' })]);
    expect(unknownJob.status).toBe(404);
    expect(driver.status).toBe(403);
    expect(outbound(phone)).toHaveLength(1);
  });
});

describe('the undo window of a final status', () => {
  const heldText = (jobId: string) =>
    until(() =>
      cloud.scheduler
        .pending()
        .find(
          (schedule) => schedule.input?.includes('"kind":"status-text"') && schedule.input.includes(jobId),
        ),
    );

  it('given a driver who mis-taps complete and undoes it inside the window, then the customer hears of neither, the timeline says why, and completing later texts once', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone, {
      crewIds: [TEST_DRIVER_CREW_ID],
      schedule: { date: todayIn(), window: 'afternoon' },
    });
    await until(() => outbound(phone)[0]);
    await changeStatus(job.jobId, 'en_route');
    await until(() => outbound(phone)[1]);
    await changeStatus(job.jobId, 'arrived');
    await until(() => outbound(phone)[2]);

    const misTap = await api('POST', `/jobs/${job.jobId}/status`, {
      role: 'driver',
      body: { status: 'complete' },
    });
    expect(misTap.status).toBe(200);
    expect(Date.parse(misTap.body.job.undoUntil) - Date.now()).toBeGreaterThan(30_000);
    await heldText(job.jobId);
    const undone = await api('POST', `/jobs/${job.jobId}/status`, {
      role: 'driver',
      body: { status: 'arrived' },
    });
    expect(undone.status).toBe(200);
    expect(undone.body.job).toMatchObject({ status: 'arrived' });
    expect(undone.body.job.statusHistory.at(-1)).toMatchObject({
      status: 'arrived',
      correction: true,
      undo: true,
    });
    expect(undone.body.job.undoUntil).toBeUndefined();

    // The window is a minute; the test shortens it once the undo has reached the sms consumer.
    await settle();
    await harness.releaseHeldTexts(job.jobId);
    const withheld = await until(async () =>
      (await timeline(job.jobId))?.find(
        (entry) => entry.type === 'SmsSuppressed' && entry.template === 'complete',
      ),
    );
    expect(withheld).toMatchObject({ reason: 'undone' });
    await settle();
    expect(outbound(phone)).toHaveLength(3);

    await api('POST', `/jobs/${job.jobId}/status`, { role: 'driver', body: { status: 'complete' } });
    await heldText(job.jobId);
    await harness.releaseHeldTexts(job.jobId);
    await until(() => outbound(phone)[3]);
    await settle();
    expect(outbound(phone).map((message) => message.body)).toEqual([
      expect.stringContaining('is booked'),
      expect.stringContaining('on the way'),
      expect.stringContaining("we've arrived"),
      expect.stringContaining('is complete'),
    ]);
  });

  it('given a cancellation undone inside the window, then the job goes back to the status it ended, and to no other', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    for (const status of ['en_route', 'arrived']) await changeStatus(job.jobId, status);
    const cancelled = await changeStatus(job.jobId, 'cancelled', { reason: 'customer called off' });
    expect(cancelled).toMatchObject({ status: 'cancelled' });

    // Inside the window a cancellation goes back to the status it ended, without a reason.
    const back = await api('POST', `/jobs/${job.jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'arrived' },
    });
    expect(back.status).toBe(200);
    expect(back.body.job.statusHistory.at(-1)).toMatchObject({ status: 'arrived', undo: true });
    const wrongStep = await api('POST', `/jobs/${job.jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'scheduled' },
    });
    expect(wrongStep.status).toBe(409);
  });
});

describe('a driver reading timelines', () => {
  it("given a job the driver is not on today, when they read its timeline, then the unknown job's 404; their own job's reads", async () => {
    const own = await createJob(newPhone(), {
      crewIds: [TEST_DRIVER_CREW_ID],
      schedule: { date: todayIn(), window: 'afternoon' },
    });
    const others = await createJob(newPhone(), {
      crewIds: ['crew_someone_else'],
      schedule: { date: todayIn(), window: 'afternoon' },
    });
    const past = await createJob(newPhone(), { crewIds: [TEST_DRIVER_CREW_ID] });
    for (const { job } of [own, others, past]) {
      await until(async () => ((await timeline(job.jobId))?.length ?? 0) > 0);
    }
    const unknown = await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ/timeline', { role: 'driver' });

    expect(unknown.status).toBe(404);
    // The projection learns the crew from the same events as the timeline: allow it a moment.
    await until(
      async () => (await api('GET', `/jobs/${own.job.jobId}/timeline`, { role: 'driver' })).status === 200,
    );
    expect(await api('GET', `/jobs/${others.job.jobId}/timeline`, { role: 'driver' })).toEqual(unknown);
    expect(await api('GET', `/jobs/${past.job.jobId}/timeline`, { role: 'driver' })).toEqual(unknown);
  });
});

describe('crew messages from scc-bridge', () => {
  it('given the same crew message published twice on the crew-notifications topic, then one SMS from the brand and a timeline entry', async () => {
    const crewPhone = newPhone();
    const { job } = await createJob(newPhone());
    const message = {
      messageId: `${job.jobId}:1:crew-7:assigned`,
      brandId: 'jada',
      jobId: job.jobId,
      crewId: 'crew-7',
      to: crewPhone,
      kind: 'assigned',
      version: 1,
      body: 'JADA: you are on the Dec 1 charter. Details: http://localhost/crew/abc - JADA',
      occurredAt: new Date().toISOString(),
    };
    const topicArn = 'arn:aws:sns:us-west-2:000000000000:qdn-local-crew-notifications';
    for (let copy = 0; copy < 2; copy++) {
      await cloud.clients.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(message),
          MessageAttributes: {
            crewId: { DataType: 'String', StringValue: 'crew-7' },
            channel: { DataType: 'String', StringValue: 'sms' },
          },
        }),
      );
    }
    const sms = await until(() => outbound(crewPhone)[0]);
    const entries = await until(async () => {
      const found = await timeline(job.jobId);
      return found?.some((entry) => entry.type === 'SmsSent' && entry.audience === 'crew')
        ? found
        : undefined;
    });
    await settle();

    expect(outbound(crewPhone)).toHaveLength(1);
    expect(sms.body).toBe(message.body);
    expect(sms.from).toBe('+16195550110');
    expect(entries.find((entry) => entry.audience === 'crew')).toMatchObject({ template: 'crew_assigned' });
  });
});

describe('opt-out words, opt-in words and revocations in plain words', () => {
  /** What the admins' export says of a number's opt-out (its source), once everything in flight is handled. */
  const optOutOf = async (phone: string) => {
    const exported = await api('GET', `/consent/${encodeURIComponent(phone)}`, { role: 'admin' });
    expect(exported.status).toBe(200);
    return (exported.body.optOut as { source: string } | undefined)?.source;
  };

  it('given each of Twilio’s stop words (any case, spaces and punctuation around), then the number is opted out; each opt-in word undoes it', async () => {
    const stopWords = [' stop', 'Unsubscribe', 'END.', 'quit!', 'STOPALL', ' revoke ', 'OptOut', 'cancel'];
    const optInWords = ['START', 'unstop', 'Yes!'];
    const stopped = stopWords.map((word) => ({ word, phone: newPhone() }));
    const restarted = optInWords.map((word) => ({ word, phone: newPhone() }));

    for (const { word, phone } of stopped) await cloud.twilio.sendInbound({ from: phone, body: word });
    for (const { phone } of restarted) await cloud.twilio.sendInbound({ from: phone, body: 'STOP' });
    await settle();
    for (const { word, phone } of restarted) await cloud.twilio.sendInbound({ from: phone, body: word });
    await settle();

    for (const { word, phone } of stopped) expect([word, await optOutOf(phone)]).toEqual([word, 'keyword']);
    for (const { word, phone } of restarted) expect([word, await optOutOf(phone)]).toEqual([word, undefined]);
  });

  it('given HELP to a Messaging Service whose Advanced Opt-Out answers it, then the customer gets Twilio’s one reply, not a second of ours; without it, ours', async () => {
    const handled = newPhone();
    const plain = newPhone();

    await cloud.twilio.sendInbound({ from: handled, body: 'HELP', advancedOptOut: true });
    await cloud.twilio.sendInbound({ from: plain, body: 'help' });
    await until(() => outbound(plain)[0]);
    await settle();

    const repliesTo = (phone: string) =>
      cloud.twilio.messages().filter((message) => message.to === phone && message.direction !== 'inbound');
    expect(repliesTo(handled).map((message) => message.direction)).toEqual(['outbound-reply']);
    expect(repliesTo(plain).map((message) => message.direction)).toEqual(['outbound-api']);
  });

  it('given five ways of saying "stop texting me", then each number is opted out; five replies that only sound like it opt out nobody', async () => {
    const revocations = [
      'please stop texting me',
      "Don't text this number anymore",
      'remove me from your list',
      'No me manden más mensajes por favor',
      'Unsubscribe me, thanks',
    ].map((body) => ({ body, phone: newPhone() }));
    const nearMisses = [
      'stop by at 3',
      'can you stop at the gate',
      "don't text me before 8, call instead",
      'please remove the old couch too',
      'Can the crew end at 5?',
    ].map((body) => ({ body, phone: newPhone() }));

    for (const { body, phone } of [...revocations, ...nearMisses]) {
      await cloud.twilio.sendInbound({ from: phone, body });
    }
    await settle();

    for (const { body, phone } of revocations) expect([body, await optOutOf(phone)]).toEqual([body, 'reply']);
    for (const { body, phone } of nearMisses)
      expect([body, await optOutOf(phone)]).toEqual([body, undefined]);
  });
});

describe('consent on record', () => {
  it('given a job created with "no consent" from the dispatcher, then every customer text is refused and recorded, and the admins’ export says why', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone, { smsConsent: { how: 'none' } });
    await notificationEvents(job.jobId, 'SmsSuppressed', 1);
    await changeStatus(job.jobId, 'en_route');
    await notificationEvents(job.jobId, 'SmsSuppressed', 2);
    const texted = await api('POST', `/jobs/${job.jobId}/messages`, {
      role: 'dispatcher',
      body: { body: 'Running 10 min late' },
    });
    const entries = await until(async () => {
      const found = await timeline(job.jobId);
      return found?.filter((entry) => entry.type === 'SmsSuppressed').length === 3 ? found : undefined;
    });
    const exported = await api('GET', `/consent/${encodeURIComponent(phone)}`, { role: 'admin' });
    const asDispatcher = await api('GET', `/consent/${encodeURIComponent(phone)}`, { role: 'dispatcher' });

    expect(outbound(phone)).toEqual([]);
    expect(texted.status).toBe(409);
    expect(texted.body.error).toMatch(/No consent to texts is on record/);
    expect(entries.filter((entry) => entry.type === 'SmsSuppressed').map((entry) => entry.reason)).toEqual([
      'no-consent',
      'no-consent',
      'no-consent',
    ]);
    expect(entries.find((entry) => entry.type === 'JobCreated')?.smsConsent).toBe('none');
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({ phone, textable: false, consents: [], restorations: [] });
    expect(asDispatcher.status).toBe(403);
  });

  it('given a web booking with the box ticked, then its exact words are on record for the number and shown on the timeline', async () => {
    const phone = newPhone();
    const brand = await api('GET', '/brands/qdn');
    const booked = await api('POST', '/bookings', {
      body: {
        brandId: 'qdn',
        name: 'Ana Ruiz',
        phone,
        address: { text: '1200 Garnet Ave, San Diego, CA' },
        serviceType: 'junk_removal',
        preferredDate: '2027-02-10',
        window: 'morning',
        smsConsent: true,
      },
    });
    expect(booked.status).toBe(201);
    const exported = await until(async () => {
      const found = await api('GET', `/consent/${phone.replace('+1', '')}`, { role: 'admin' });
      return found.body?.consents?.length ? found : undefined;
    });
    const entries = await until(async () => {
      const found = await timeline(booked.body.jobId);
      return found?.some((entry) => entry.type === 'JobCreated') ? found : undefined;
    });

    expect(exported.body.consents).toEqual([
      {
        brandId: 'qdn',
        source: 'web-booking',
        statement: brand.body.smsConsentWording,
        at: expect.any(String),
        by: 'customer',
        jobId: booked.body.jobId,
      },
    ]);
    expect(brand.body.smsConsentWording).toMatch(
      /^Text me about this booking from QuickDumpNow: .*Reply STOP to opt out/,
    );
    expect(entries.find((entry) => entry.type === 'JobCreated')?.smsConsent).toMatchObject({
      source: 'web-booking',
      statement: brand.body.smsConsentWording,
    });
  });

  it('given a bad number to the export, then 400 with the field; a number never seen, 200 with nothing on record', async () => {
    const bad = await api('GET', '/consent/not-a-number', { role: 'admin' });
    const unseen = await api('GET', '/consent/%2B16195550999', { role: 'admin' });

    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('phone');
    expect(unseen.body).toEqual({ phone: '+16195550999', textable: false, consents: [], restorations: [] });
  });
});

describe('follow-ups in their time (the local scheduler’s clock moves, not the test)', () => {
  const followUpSchedules = (jobId: string) =>
    cloud.scheduler.pending().filter((schedule) => JSON.stringify(schedule).includes(jobId));
  /**
   * Moves the scheduler's clock to `instant`, or (when an earlier test already moved it past, since the
   * clock never goes back) fires what is due now.
   */
  const reach = async (instant: Date) => {
    if (cloud.scheduler.now() < instant) await cloud.scheduler.advanceTo(instant);
    else await cloud.scheduler.fireDue();
  };
  /**
   * Waits for the job's review-request entry on its timeline. A review planned after the clock was moved
   * ahead is due within a second or two and the scheduler fires it by itself; one still waiting has the
   * clock brought to it.
   */
  const reviewEntry = (jobId: string) =>
    until(async () => {
      const waiting = followUpSchedules(jobId).find((schedule) =>
        schedule.input?.includes('"review-request"'),
      );
      if (waiting) await reach(new Date(waiting.at));
      const found = await timeline(jobId);
      return found?.find(
        (entry) => String(entry.type).startsWith('Sms') && entry.template === 'review_request',
      );
    });
  const localHour = (instant: Date) =>
    Number(
      instant.toLocaleString('en-US', { timeZone: 'America/Los_Angeles', hour: '2-digit', hour12: false }),
    );

  it('given a completed job, then a review request waits its two hours inside 8 am–9 pm, goes out once with the brand’s link, and the same customer is not asked again within 90 days', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    for (const status of ['en_route', 'arrived', 'complete']) await changeStatus(job.jobId, status);
    const completedAt = Date.now();
    const review = await until(() =>
      followUpSchedules(job.jobId).find((schedule) => schedule.input?.includes('"kind":"review-request"')),
    );
    const dueAt = new Date(review.at);
    await until(async () => {
      await harness.releaseHeldTexts(job.jobId);
      return outbound(phone).find((message) => message.body.includes('is complete'));
    });
    const before = outbound(phone).length;

    await reach(new Date(dueAt.getTime() - 60_000));
    await settle();
    expect(outbound(phone)).toHaveLength(before);
    await reach(dueAt);
    const request = await until(() => outbound(phone).find((message) => message.body.includes('review')));

    expect(dueAt.getTime()).toBeGreaterThanOrEqual(completedAt + 2 * 3_600_000 - 5_000);
    expect(localHour(dueAt)).toBeGreaterThanOrEqual(8);
    expect(localHour(dueAt)).toBeLessThan(21);
    expect(request.body).toContain('https://g.page/r/quickdumpnow-local/review');

    // A second job for the same customer, completed: recorded as recently asked, not sent.
    const second = await createJob(phone);
    for (const status of ['en_route', 'arrived', 'complete']) await changeStatus(second.job.jobId, status);
    const withheld = await reviewEntry(second.job.jobId);
    await settle();
    expect(withheld).toMatchObject({
      type: 'SmsSuppressed',
      template: 'review_request',
      reason: 'recently-asked',
    });
    expect(outbound(phone).filter((message) => message.body.includes('review'))).toHaveLength(1);
  });

  it('given a customer who complained in a reply, then no review request, and the timeline says why', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone);
    await until(() => outbound(phone)[0]);
    await cloud.twilio.sendInbound({ from: phone, body: 'Your driver scratched my car and left a mess' });
    // The reply is on the job's timeline (what the review request reads) before the job completes.
    await until(async () => (await timeline(job.jobId))?.some((entry) => entry.type === 'SmsReceived'));
    for (const status of ['en_route', 'arrived', 'complete']) await changeStatus(job.jobId, status);

    const withheld = await reviewEntry(job.jobId);

    expect(withheld).toMatchObject({ type: 'SmsSuppressed', reason: 'complained' });
    expect(outbound(phone).some((message) => message.body.includes('review'))).toBe(false);
  });

  it('given a job completed at 8 pm the evening before the spring-forward change, then its review request waits the night and goes at 8 am daylight time', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone, { schedule: { date: '2027-03-13', window: 'afternoon' } });
    const created = (await harness.eventsUntil(job.jobId, (events) => events.length > 0)).find(
      (event) => event['detail-type'] === 'JobCreated',
    )!;
    // The completion as the jobs service would publish it at 20:00 PST on Sat 13 Mar 2027.
    const completedAt = '2027-03-14T04:00:00.000Z';
    const onBus = { ...(created.detail.data.job as Record<string, unknown>), version: 2, status: 'complete' };
    await redeliver({
      ...created,
      'detail-type': 'JobStatusChanged',
      detail: {
        meta: {
          ...(created.detail.meta as Record<string, unknown>),
          eventId: `${job.jobId}:2:JobStatusChanged`,
          occurredAt: completedAt,
          version: 2,
        },
        data: { job: onBus, previousStatus: 'scheduled', status: 'complete' },
      } as CapturedEvent['detail'],
    });
    const review = await until(() =>
      followUpSchedules(job.jobId).find((schedule) => schedule.input?.includes('"kind":"review-request"')),
    );
    await until(async () => {
      await harness.releaseHeldTexts(job.jobId);
      return outbound(phone).find((message) => message.body.includes('is complete'));
    });
    const before = outbound(phone).length;

    // 22:00 PST (two hours on) is quiet: 8 am on Sunday, the first day of daylight time, is 15:00 UTC.
    expect(new Date(review.at).toISOString()).toBe('2027-03-14T15:00:00.000Z');
    await cloud.scheduler.advanceTo(new Date('2027-03-14T14:59:00Z'));
    await settle();
    expect(outbound(phone)).toHaveLength(before);
    await cloud.scheduler.advanceTo(new Date('2027-03-14T15:00:30Z'));
    const request = await until(() => outbound(phone).find((message) => message.body.includes('review')));
    expect(request.body).toContain('https://g.page/r/quickdumpnow-local/review');
  });

  it('given a job on the Monday after the spring-forward change, then the reminder waits for 5 pm daylight time on Sunday and goes out once', async () => {
    const phone = newPhone();
    // Daylight time starts at 2 am on Sun 14 Mar 2027: 17:00 PDT that day is 00:00 UTC on the 15th.
    const { job } = await createJob(phone, { schedule: { date: '2027-03-15', window: 'morning' } });
    const [reminder] = await until(() => {
      const found = followUpSchedules(job.jobId);
      return found.length > 0 ? found : undefined;
    });
    await until(() => outbound(phone).find((message) => message.body.includes('is booked')));
    const before = outbound(phone).length;

    await cloud.scheduler.advanceTo(new Date('2027-03-14T23:58:00Z'));
    await settle();
    expect(outbound(phone)).toHaveLength(before);
    await cloud.scheduler.advanceTo(new Date('2027-03-15T00:00:30Z'));
    const sent = await until(() => outbound(phone).find((message) => message.body.includes('a reminder')));
    await settle();

    expect(new Date(reminder!.at).toISOString()).toBe('2027-03-15T00:00:00.000Z');
    expect(sent.body).toMatch(/your trailer pickup & dump is tomorrow, Mon, Mar 15 between 8 am and 12 pm/i);
    expect(sent.body).toContain('Please have ready:');
    expect(outbound(phone).filter((message) => message.body.includes('a reminder'))).toHaveLength(1);
  });

  it('given a follow-up that falls due at night (a redrive at midnight before the fall-back change), then it waits for 8 am standard time', async () => {
    const phone = newPhone();
    const { job } = await createJob(phone, { schedule: { date: '2027-11-08', window: 'morning' } });
    const onBus = (await harness.eventsUntil(job.jobId, (events) => events.length > 0)).find(
      (event) => event['detail-type'] === 'JobCreated',
    )!.detail.data.job;
    const followUpsQueue = [...cloud.provisioned.queues.values()].find(
      (queue) => queue.name === 'qdn-local-notifications-follow-ups',
    )!;
    // Sat 6 Nov 2027, 23:30 PDT; clocks go back at 2 am on Sunday 7 November.
    const night = '2027-11-07T06:30:00.000Z';
    await cloud.scheduler.advanceTo(new Date(night));
    await cloud.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: followUpsQueue.url,
        // The reminder's own key: when its planned schedule fires later, it finds the text already sent.
        MessageBody: JSON.stringify({
          kind: 'reminder',
          key: `reminder:${job.jobId}:2027-11-08`,
          job: onBus,
          dueAt: night,
        }),
      }),
    );
    const moved = await until(() =>
      followUpSchedules(job.jobId).find((schedule) =>
        schedule.input?.includes('"dueAt":"2027-11-07T16:00:00.000Z"'),
      ),
    );
    await until(() => outbound(phone).find((message) => message.body.includes('is booked')));
    const before = outbound(phone).length;

    expect(new Date(moved.at).toISOString()).toBe('2027-11-07T16:00:00.000Z');
    expect(outbound(phone)).toHaveLength(before);
    await cloud.scheduler.advanceTo(new Date('2027-11-07T16:00:30Z'));
    const sent = await until(() => outbound(phone).find((message) => message.body.includes('a reminder')));
    expect(sent.body).toContain('is tomorrow, Mon, Nov 8');
  });
});
