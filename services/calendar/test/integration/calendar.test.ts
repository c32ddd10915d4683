import { randomBytes } from 'node:crypto';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import ical, { type VEvent } from 'node-ical';

// The calendar service on the local cloud: jobs made with the jobs API (or, for exact replays and
// out-of-order deliveries, job events put on the bus directly), feeds read as a phone reads them and
// parsed back with node-ical (an independent iCalendar parser), pushes read from the calendar fake.
let harness: TestCloud;
let cloud: TestCloud['cloud'];

beforeAll(async () => {
  harness = await startTestCloud('calendar', { capture: ['qdn.jobs'] });
  ({ cloud } = harness);
}, 90_000);

afterAll(async () => {
  await harness?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => harness.api(...args);
/** A suffix that keeps crew, trailer and job ids of one test apart from every other. */
const unique = () => randomBytes(4).toString('hex');

const until = <T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000) =>
  eventually(probe, { timeoutMs });

async function issueKey(calendarId: string): Promise<{ feedKey: string; url: string }> {
  const issued = await api('POST', `/calendars/${calendarId}/feed-key`, { role: 'admin' });
  expect(issued.status).toBe(201);
  return issued.body;
}

/** A feed as a phone fetches it: no JWT, the key in the URL. */
async function fetchFeed(url: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await fetch(url);
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get('content-type'),
  };
}

/** The feed's events as node-ical reads them, by UID. */
async function feedEvents(url: string): Promise<Map<string, VEvent>> {
  const { status, text } = await fetchFeed(url);
  expect(status).toBe(200);
  const events = new Map<string, VEvent>();
  for (const component of Object.values(ical.sync.parseICS(text))) {
    if (component?.type === 'VEVENT') events.set(component.uid, component);
  }
  return events;
}

const uidOf = (jobId: string) => `${jobId}@calendar.qdn-dispatch`;

/** Waits until the feed has the job's event and `done` holds for it. */
function eventInFeed(url: string, jobId: string, done: (event: VEvent) => boolean = () => true) {
  return until(async () => {
    const event = (await feedEvents(url)).get(uidOf(jobId));
    return event && done(event) ? event : undefined;
  });
}

async function createJob(body: Record<string, unknown>) {
  const created = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name: 'Mark Soderblom', phone: '(619) 555-0142' },
      address: { text: '4521 Soderblom Ave, San Diego, CA' },
      serviceType: 'trailer_pickup_and_dump',
      priceCents: 61234,
      paymentMethod: 'zelle',
      notes: 'gate code 4321',
      ...body,
    },
  });
  expect(created.status).toBe(201);
  return created.body.job as { jobId: string; version: number };
}

// ---- Job events put on the bus directly (the shape the jobs publisher sends) ----------------------
const busJob = (jobId: string, version: number, overrides: Record<string, unknown> = {}) => ({
  jobId,
  brandId: 'qdn',
  version,
  status: 'scheduled',
  serviceType: 'junk_removal',
  customer: { name: 'Lee Chen', firstName: 'Lee', phone: '+16195550190' },
  address: { text: '77 Pine St, San Diego, CA' },
  schedule: { date: '2027-10-05', window: 'afternoon' },
  crewIds: [],
  priceCents: 45000,
  ...overrides,
});

function jobEvent(detailType: string, job: ReturnType<typeof busJob>, data: Record<string, unknown> = {}) {
  return {
    EventBusName: 'qdn-local',
    Source: 'qdn.jobs',
    DetailType: detailType,
    Detail: JSON.stringify({
      meta: {
        eventId: `${job.jobId}:${job.version}:${detailType}`,
        occurredAt: new Date().toISOString(),
        brandId: job.brandId,
        jobId: job.jobId,
        version: job.version,
        actor: 'test',
        correlationId: `test-${job.jobId}`,
      },
      data: { job, ...data },
    }),
  };
}

async function putOnBus(...entries: ReturnType<typeof jobEvent>[]) {
  const result = await cloud.clients.eventBridge.send(new PutEventsCommand({ Entries: entries }));
  expect(result.FailedEntryCount).toBe(0);
}

const newJobId = () => `qdn_01TEST${unique().toUpperCase()}${'0'.repeat(12)}`;

/** How many records carrying this event id a function has been handed (each delivery counts). */
const deliveries = (functionKey: string, eventId: string) =>
  cloud.invocations
    .filter((invocation) => invocation.functionKey === functionKey)
    .flatMap((invocation) => (invocation.event as { Records: { body: string }[] }).Records)
    .filter((record) => record.body.includes(`"eventId":"${eventId}"`)).length;

function queueNamed(name: string) {
  const queue = [...cloud.provisioned.queues.values()].find((candidate) => candidate.name === name);
  if (!queue) throw new Error(`no queue ${name}`);
  return queue;
}

async function queueIsEmpty(name: string): Promise<boolean> {
  const { Attributes = {} } = await cloud.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueNamed(name).url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Attributes.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0'
  );
}

const pushesOf = (jobId: string) =>
  cloud.calendar.requests().filter((request) => request.path === `/entries/${jobId}`);
const storedEntry = (jobId: string) => cloud.calendar.entries().find((entry) => entry.id === jobId);

describe('calendar feeds', () => {
  it('given a job created and scheduled, then it shows in the dispatch, its crew member’s and its trailer’s feeds, with nothing private', async () => {
    // Prepare
    const ana = `ana-${unique()}`;
    const ben = `ben-${unique()}`;
    // A trailer of QuickDumpNow's fleet (a job may only name one of those); no other job here holds it.
    const trailer = 'T3';
    const [dispatch, anaFeed, benFeed, trailerFeed] = await Promise.all([
      issueKey('dispatch'),
      issueKey(`crew-${ana}`),
      issueKey(`crew-${ben}`),
      issueKey(`trailer-${trailer}`),
    ]);

    // Act
    const job = await createJob({
      schedule: { date: '2027-09-15', window: 'morning' },
      crewIds: [ana],
      trailerId: trailer,
    });

    // Assess
    const inDispatch = await eventInFeed(dispatch.url, job.jobId);
    expect(inDispatch).toMatchObject({
      summary: 'Trailer pickup & dump – Mark',
      location: '4521 Soderblom Ave, San Diego, CA',
      status: 'CONFIRMED',
      sequence: 1,
    });
    // 08:00–12:00 in San Diego (PDT), the brand's morning window.
    expect(inDispatch.start.toISOString()).toBe('2027-09-15T15:00:00.000Z');
    expect(inDispatch.end?.toISOString()).toBe('2027-09-15T19:00:00.000Z');
    const inCrew = await eventInFeed(anaFeed.url, job.jobId);
    expect(inCrew).toMatchObject({ summary: inDispatch.summary, sequence: 1 });
    expect(inCrew.start.toISOString()).toBe(inDispatch.start.toISOString());
    expect((await eventInFeed(trailerFeed.url, job.jobId)).uid).toBe(uidOf(job.jobId));
    expect((await feedEvents(benFeed.url)).has(uidOf(job.jobId))).toBe(false);
    for (const url of [dispatch.url, anaFeed.url, trailerFeed.url]) {
      const { text, contentType } = await fetchFeed(url);
      expect(contentType).toMatch(/^text\/calendar/);
      // Whole words only: a DTSTAMP at 01:42 UTC ("T014225Z") holds "0142" and is no phone number.
      expect(text).not.toMatch(/6195550142|\b0142\b|\b61234\b|612\.34|gate code|Soderblom,|zelle/i);
    }
  });

  it('given a scheduled job, when rescheduled, reassigned and cancelled, then SEQUENCE follows the version, crew feeds follow the crew, and the cancel shows as STATUS:CANCELLED', async () => {
    // Prepare
    const ana = `ana-${unique()}`;
    const ben = `ben-${unique()}`;
    const [dispatch, anaFeed, benFeed] = await Promise.all([
      issueKey('dispatch'),
      issueKey(`crew-${ana}`),
      issueKey(`crew-${ben}`),
    ]);
    const job = await createJob({ schedule: { date: '2027-09-16', window: 'morning' }, crewIds: [ana] });
    await eventInFeed(anaFeed.url, job.jobId);

    // Act: reschedule to the afternoon two days later
    const moved = await api('PATCH', `/jobs/${job.jobId}`, {
      role: 'dispatcher',
      body: { schedule: { date: '2027-09-18', window: 'afternoon' } },
    });
    expect(moved.body.job.version).toBe(2);

    // Assess
    const rescheduled = await eventInFeed(dispatch.url, job.jobId, (event) => event.sequence === 2);
    expect(rescheduled.start.toISOString()).toBe('2027-09-18T19:00:00.000Z');
    expect(rescheduled.end?.toISOString()).toBe('2027-09-19T00:00:00.000Z');

    // Act: the job goes to Ben
    await api('PATCH', `/jobs/${job.jobId}`, { role: 'dispatcher', body: { crewIds: [ben] } });

    // Assess
    await eventInFeed(benFeed.url, job.jobId, (event) => event.sequence === 3);
    expect((await feedEvents(anaFeed.url)).has(uidOf(job.jobId))).toBe(false);

    // Act: cancelled
    const cancelled = await api('POST', `/jobs/${job.jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'cancelled', reason: 'customer called' },
    });
    expect(cancelled.status).toBe(200);

    // Assess: still in the feeds, as cancelled, so phones remove it
    const gone = await eventInFeed(dispatch.url, job.jobId, (event) => event.status === 'CANCELLED');
    expect(gone).toMatchObject({ sequence: 4, summary: 'Cancelled: Trailer pickup & dump – Mark' });
    expect((await eventInFeed(benFeed.url, job.jobId)).status).toBe('CANCELLED');
    // …and deleted from the internal calendar.
    await until(() =>
      pushesOf(job.jobId).some((request) => request.method === 'DELETE' && request.status === 204),
    );
    expect(storedEntry(job.jobId)).toBeUndefined();
  });

  it('given two reschedules delivered in reverse order, then the entry ends at the latest one', async () => {
    // Prepare
    const jobId = newJobId();
    const { url } = await issueKey('dispatch');
    const created = busJob(jobId, 1, { schedule: { date: '2027-10-05', window: 'morning' } });
    const first = busJob(jobId, 2, { schedule: { date: '2027-10-06', window: 'morning' } });
    const latest = busJob(jobId, 3, { schedule: { date: '2027-10-07', window: 'afternoon' } });
    await putOnBus(jobEvent('JobCreated', created));
    await eventInFeed(url, jobId);

    // Act: the later reschedule arrives first, the earlier one after it
    await putOnBus(jobEvent('JobScheduleChanged', latest, { previousSchedule: first.schedule }));
    await eventInFeed(url, jobId, (event) => event.sequence === 3);
    await putOnBus(jobEvent('JobScheduleChanged', first, { previousSchedule: created.schedule }));
    await until(() => deliveries('calendar.calendar', `${jobId}:2:JobScheduleChanged`) >= 1);
    await until(() => queueIsEmpty('qdn-local-calendar-calendar'));

    // Assess
    const event = (await feedEvents(url)).get(uidOf(jobId))!;
    expect(event.sequence).toBe(3);
    expect(event.start.toISOString()).toBe('2027-10-07T19:00:00.000Z');
    const board = await api('GET', `/calendar?from=2027-10-05&to=2027-10-07`, { role: 'dispatcher' });
    expect(board.body.entries.filter((entry: { jobId: string }) => entry.jobId === jobId)).toEqual([
      expect.objectContaining({
        version: 3,
        start: '2027-10-07T12:00:00-07:00',
        end: '2027-10-07T17:00:00-07:00',
      }),
    ]);
    // The internal calendar ends at the latest schedule too (the older version is never pushed over it).
    await until(() => deliveries('calendar.calendarPush', `${jobId}:2:JobScheduleChanged`) >= 1);
    await until(() => queueIsEmpty('qdn-local-calendar-calendar-push'));
    expect(storedEntry(jobId)).toMatchObject({ version: 3, start: '2027-10-07T19:00:00.000Z' });
  });
});

describe('push to the internal calendar', () => {
  it('given the same event three times, then one PUT to the internal calendar', async () => {
    // Prepare
    const jobId = newJobId();
    const job = busJob(jobId, 1);
    const eventId = `${jobId}:1:JobCreated`;

    // Act
    await putOnBus(jobEvent('JobCreated', job), jobEvent('JobCreated', job), jobEvent('JobCreated', job));

    // Assess: every copy reached both consumers, and both queues are empty again
    await until(
      () =>
        deliveries('calendar.calendar', eventId) >= 3 && deliveries('calendar.calendarPush', eventId) >= 3,
    );
    await until(
      async () =>
        (await queueIsEmpty('qdn-local-calendar-calendar-push')) &&
        (await queueIsEmpty('qdn-local-calendar-calendar')),
    );
    expect(pushesOf(jobId).map((request) => [request.method, request.status])).toEqual([['PUT', 201]]);
    expect(storedEntry(jobId)).toMatchObject({
      title: 'Junk removal – Lee',
      start: '2027-10-05T19:00:00.000Z',
      end: '2027-10-06T00:00:00.000Z',
      version: 1,
    });
    // The job id is random and may contain any digits, so it is taken out before looking for the price.
    const storedWithoutId = JSON.stringify(storedEntry(jobId)).replaceAll(jobId, '<job id>');
    expect(storedWithoutId).not.toMatch(/6195550190|45000|Chen/);
    expect(pushesOf(jobId)[0]?.headers['x-dashboard-token']).toBe('***');
  });

  it('given the internal calendar is down, then feeds still update, the push reaches the DLQ with a failure record, and a redrive lands it once the calendar is back', async () => {
    // Prepare
    const jobId = newJobId();
    const { url } = await issueKey('dispatch');
    cloud.calendar.injectFaults({ count: 100, status: 503, path: `/entries/${jobId}` });

    // Act
    await putOnBus(jobEvent('JobCreated', busJob(jobId, 1)));

    // Assess: the feed moves on while the push fails
    await eventInFeed(url, jobId);
    const dlq = queueNamed('qdn-local-calendar-calendar-push-dlq');
    const parked = await until(async () => {
      const { Messages = [] } = await cloud.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      return Messages.find((message) => message.Body?.includes(jobId));
    }, 30_000);
    const failure = await cloud.clients.dynamodb.send(
      new GetItemCommand({
        TableName: 'qdn-calendar-local-failures',
        Key: { messageId: { S: parked.MessageId! } },
      }),
    );
    expect(failure.Item).toMatchObject({
      consumer: { S: 'calendar-push' },
      transient: { BOOL: true },
      attempts: { N: '3' },
      errorCode: { S: 'HTTP 503' },
      jobId: { S: jobId },
    });
    expect(pushesOf(jobId).map((request) => request.status)).toEqual([503, 503, 503]);
    expect(storedEntry(jobId)).toBeUndefined();

    // Act: the calendar is back; an operator moves the message back to its queue
    cloud.calendar.clearFaults();
    await cloud.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueNamed('qdn-local-calendar-calendar-push').url,
        MessageBody: parked.Body!,
      }),
    );
    await cloud.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: dlq.url, ReceiptHandle: parked.ReceiptHandle! }),
    );

    // Assess
    await until(() => storedEntry(jobId));
    expect(storedEntry(jobId)).toMatchObject({ version: 1, title: 'Junk removal – Lee' });
    expect(pushesOf(jobId).map((request) => request.status)).toEqual([503, 503, 503, 201]);
  });
});

describe('impossible values in events (issue 17, item 4)', () => {
  /** The failure records a service's consumers left for this job. */
  async function failuresOf(service: string, jobId: string) {
    const { Items = [] } = await cloud.clients.dynamodb.send(
      new ScanCommand({
        TableName: `qdn-${service}-local-failures`,
        FilterExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': { S: jobId } },
      }),
    );
    return Items.map((item) => ({
      consumer: item.consumer?.S,
      transient: item.transient?.BOOL,
      attempts: Number(item.attempts?.N),
    }));
  }

  it('given a charter dated 9999-12-31 put on the bus, then every consumer handles it once or records a permanent outcome: no retries, nothing in a DLQ', async () => {
    // Given a job event no form would let through (the bus schema takes any ISO date), straight on the bus
    const jobId = newJobId();
    const job = busJob(jobId, 1, {
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '9999-12-31', time: '23:30', endDate: '9999-12-31' },
      crewIds: ['crew_0000000000009999'],
      charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 600 },
    });

    // When it is published
    await putOnBus(jobEvent('JobCreated', job));

    // Then each consumer that takes it was handed it once, and what failed is recorded as permanent
    const consumers = ['calendar.calendar', 'calendar.calendarPush', 'scc-bridge.crew', 'media.mediaJobs'];
    const eventId = `${jobId}:1:JobCreated`;
    await until(() => consumers.every((key) => deliveries(key, eventId) >= 1), 30_000);
    // Longer than the queues' retry delay here: a failure thrown back to SQS would have come round again.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(Object.fromEntries(consumers.map((key) => [key, deliveries(key, eventId)]))).toEqual(
      Object.fromEntries(consumers.map((key) => [key, 1])),
    );
    const recorded = [
      ...(await failuresOf('calendar', jobId)),
      ...(await failuresOf('scc-bridge', jobId)),
      ...(await failuresOf('media', jobId)),
    ];
    for (const failure of recorded) expect(failure).toMatchObject({ transient: false, attempts: 1 });
    for (const dlq of [
      'qdn-local-calendar-calendar-dlq',
      'qdn-local-calendar-calendar-push-dlq',
      'qdn-local-scc-bridge-crew-dlq',
      'qdn-local-media-media-jobs-dlq',
    ]) {
      expect({ dlq, empty: await queueIsEmpty(dlq) }).toEqual({ dlq, empty: true });
    }
    // And the board refuses the range outright instead of failing on it.
    const board = await api('GET', '/calendar?from=9999-10-01&to=9999-10-31&calendarId=dispatch', {
      role: 'dispatcher',
    });
    expect(board.status).toBe(400);
  });
});

describe('feed keys and bad input', () => {
  it('given a rotated key, a wrong key, no key or an unknown calendar, then the same 404 each time', async () => {
    // Prepare
    const crew = `crew-${unique()}`;
    const old = await issueKey(crew);
    const current = await issueKey(crew);
    expect(current.url).toBe(`${cloud.apiUrl}/calendars/${crew}/feed.ics?key=${current.feedKey}`);
    expect(current.feedKey).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Act
    const answers = await Promise.all([
      fetchFeed(old.url),
      fetchFeed(`${cloud.apiUrl}/calendars/${crew}/feed.ics?key=${'A'.repeat(43)}`),
      fetchFeed(`${cloud.apiUrl}/calendars/${crew}/feed.ics`),
      fetchFeed(`${cloud.apiUrl}/calendars/${crew}/feed.ics?key=short`),
      fetchFeed(`${cloud.apiUrl}/calendars/crew-nobody-${unique()}/feed.ics?key=${current.feedKey}`),
      fetchFeed(`${cloud.apiUrl}/calendars/not-a-calendar/feed.ics?key=${current.feedKey}`),
    ]);

    // Assess
    expect((await feedEvents(current.url)).size).toBe(0);
    for (const answer of answers) {
      expect(answer).toEqual({ status: 404, text: answers[0]!.text, contentType: answers[0]!.contentType });
    }
  });

  it('given the wrong role or no JWT, then 403 and 401; a malformed calendar id, then 400', async () => {
    expect((await api('POST', '/calendars/dispatch/feed-key', { role: 'dispatcher' })).status).toBe(403);
    expect((await api('POST', '/calendars/dispatch/feed-key')).status).toBe(401);
    expect((await api('GET', '/calendar?from=2027-09-01&to=2027-09-02')).status).toBe(401);
    const malformed = await api('POST', '/calendars/job-1/feed-key', { role: 'admin' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details).toEqual([expect.objectContaining({ field: 'path.calendarId' })]);
    expect((await api('POST', '/calendars/brand-nope/feed-key', { role: 'admin' })).status).toBe(404);
  });

  it.each([
    ['from=2026-13-01&to=2027-09-02', ['query.from']],
    ['from=2027-09-01&to=Sept+2', ['query.to']],
    ['from=2027-09-05&to=2027-09-01', ['query.to']],
    ['to=2027-09-01', ['query.from']],
    ['from=2027-09-01&to=2027-09-02&calendarId=everyone', ['query.calendarId']],
  ])('given GET /calendar?%s, then 400 naming %j', async (query, fields) => {
    const answer = await api('GET', `/calendar?${query}`, { role: 'dispatcher' });
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((detail: { field: string }) => detail.field)).toEqual(fields);
  });

  it('given a crew member’s jobs, then GET /calendar lists that calendar’s entries in the range', async () => {
    // Prepare
    const ana = `ana-${unique()}`;
    const inRange = await createJob({ schedule: { date: '2027-09-20', time: '09:30' }, crewIds: [ana] });
    await createJob({ schedule: { date: '2027-09-25', window: 'morning' }, crewIds: [ana] });

    // Act
    const board = await until(async () => {
      const answer = await api('GET', `/calendar?from=2027-09-19&to=2027-09-21&calendarId=crew-${ana}`, {
        role: 'dispatcher',
      });
      return answer.body.entries.length > 0 ? answer : undefined;
    });

    // Assess
    expect(board.status).toBe(200);
    expect(board.body).toMatchObject({ calendarId: `crew-${ana}`, timeZone: 'America/Los_Angeles' });
    expect(board.body.entries).toEqual([
      expect.objectContaining({
        jobId: inRange.jobId,
        start: '2027-09-20T09:30:00-07:00',
        end: '2027-09-20T10:30:00-07:00',
        customerFirstName: 'Mark',
        crewIds: [ana],
      }),
    ]);
    expect(JSON.stringify(board.body)).not.toMatch(/\b0142\b|\b61234\b|gate code|zelle/);
  });
});
