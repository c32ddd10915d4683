import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { matchEventPattern } from '@qdn/local-cloud';
import type { RecordedRequest } from '@qdn/local-cloud/fakes/http-fake';
import { eventually, startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import { ConflictError } from '@qdn/shared/errors';
import { type CrewMessage, JobOnBus } from '@qdn/shared/events';
import { DynamoCrewRoster } from '../../src/adapters/crew-store.ts';
import { applyCrewMemberUpdate } from '../../src/domain/crew-member.ts';
import { updateCrewMember } from '../../src/domain/roster-commands.ts';

// The SCC bridge on the local cloud: charter jobs created through the jobs API, the fake SCC recording
// every request, and the crew-notifications topic captured by a queue of our own subscribed to it.
let bridge: TestCloud;
let cloud: TestCloud['cloud'];
let crewInbox: { queueUrl: string; queueArn: string };
/** Every answer of the public crew routes, for the search for private data. */
const crewPageAnswers: unknown[] = [];
async function api(...args: Parameters<TestCloud['api']>) {
  const answer = await bridge.api(...args);
  if (args[1].startsWith('/crew/')) crewPageAnswers.push(answer.body);
  return answer;
}

/** Every SNS delivery so far, as the subscriber's queue received it (the SNS envelope, raw). */
const snsDeliveries: { raw: string; message: CrewMessage; attributes: Record<string, string> }[] = [];
const crew: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };
/** A trailer job (not a charter) the bridge must leave alone. */
let trailerJobId: string;

beforeAll(async () => {
  bridge = await startTestCloud('scc-bridge', {
    // A rotated crew-link secret reaches warm functions within a second here (five minutes in AWS).
    environment: { SECRET_MAX_AGE_SECONDS: '1' },
  });
  ({ cloud } = bridge);
  // A trailer job (not a charter, crew assigned) goes on the bus before anything else: the bridge must
  // leave it alone, which is checked once later charters have been handled.
  const trailer = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name: 'Dana Dumpster', phone: '(619) 555-0188' },
      address: { text: '1200 Garnet Ave, San Diego' },
      serviceType: 'trailer_drop',
      schedule: { date: '2027-05-15', window: 'morning' },
      crewIds: ['crew_00000000000000aa'],
    },
  });
  expect(trailer.status).toBe(201);
  trailerJobId = trailer.body.job.jobId;
  await bridge.eventsFor(trailerJobId, 1);
  crewInbox = cloud.fauxqs.createQueue('qdn-local-test-crew-inbox', { region: 'us-west-2' });
  const topic = [...cloud.provisioned.topics.values()].find(
    (candidate) => candidate.name === 'qdn-local-crew-notifications',
  );
  await cloud.clients.sns.send(
    new SubscribeCommand({ TopicArn: topic!.arn, Protocol: 'sqs', Endpoint: crewInbox.queueArn }),
  );
  const roster = [
    ['alice', { name: 'Alice Marin', phone: '(619) 555-0171', role: 'captain' }],
    ['bob', { name: 'Bob Keel', phone: '+1 619 555 0172', role: 'deckhand', email: 'bob@example.com' }],
    ['carol', { name: 'Carol Reef', phone: '619.555.0173', role: 'deckhand' }],
  ] as const;
  for (const [key, body] of roster) {
    const created = await api('POST', '/crew-members', { role: 'admin', body });
    expect(created.status).toBe(201);
    crew[key] = created.body.crewMember.crewId;
  }
}, 120_000);

afterAll(async () => {
  await bridge?.stop();
});

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  eventually(probe, { what, timeoutMs });

async function drainCrewInbox(): Promise<void> {
  const { Messages = [] } = await cloud.clients.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: crewInbox.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  for (const message of Messages) {
    const envelope = JSON.parse(message.Body!) as {
      Message: string;
      MessageAttributes?: Record<string, { Value: string }>;
    };
    snsDeliveries.push({
      raw: message.Body!,
      message: JSON.parse(envelope.Message) as CrewMessage,
      attributes: Object.fromEntries(
        Object.entries(envelope.MessageAttributes ?? {}).map(([name, attribute]) => [name, attribute.Value]),
      ),
    });
  }
  if (Messages.length > 0) {
    await cloud.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: crewInbox.queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
        })),
      }),
    );
  }
}

/** The crew messages published for a job, once at least `count` of them arrived. */
async function crewMessages(jobId: string, count: number) {
  return until(`${count} crew messages for ${jobId}`, async () => {
    await drainCrewInbox();
    const mine = snsDeliveries.filter((delivery) => delivery.message.jobId === jobId);
    return mine.length >= count ? mine : undefined;
  });
}

const crewMessagesNow = async (jobId: string) => {
  await drainCrewInbox();
  return snsDeliveries.filter((delivery) => delivery.message.jobId === jobId);
};

/** SCC requests about one job: by its externalId in the body, or by its SCC event id in the path. */
function sccRequestsFor(jobId: string): RecordedRequest[] {
  const requests = cloud.scc.requests();
  const eventIds = new Set(
    requests
      .filter((request) => (request.body as { externalId?: string } | null)?.externalId === jobId)
      .map((request) => (request.path.split('/')[2] ?? '') || undefined)
      .filter(Boolean),
  );
  const created = cloud.scc.events().filter((event) => event.externalId === jobId);
  for (const event of created) eventIds.add(event.id);
  return requests.filter(
    (request) =>
      (request.body as { externalId?: string } | null)?.externalId === jobId ||
      eventIds.has(request.path.split('/')[2] ?? ''),
  );
}

/**
 * Searches every SCC request body, every crew message published, every crew page answer and the
 * bridge's events for the private fields of the leak-test charter — names and values.
 */
async function expectNothingPrivateLeft(jobId: string): Promise<void> {
  await drainCrewInbox();
  const captured = await bridge.eventsUntil(jobId, () => true);
  const haystacks = {
    scc: JSON.stringify(cloud.scc.requests().map((request) => request.body)),
    sns: snsDeliveries.map((delivery) => delivery.raw).join('\n'),
    pages: JSON.stringify(crewPageAnswers),
    events: JSON.stringify(captured.filter(fromTheBridge)),
  };
  // The haystacks hold the charter's crew-facing details, so an empty search cannot pass by accident.
  expect(haystacks.scc).toContain('Dock C');
  expect(haystacks.sns).toContain('JADA');
  expect(haystacks.pages).toContain('Birthday party');
  const forbidden = [
    /revenue/i,
    /split/i,
    /captain_?fee/i,
    /internal_?notes/i,
    /price/i,
    /"private"/,
    /63\/37/,
    /43210|432\.10|43,210/,
    /VIP-only|code 9911/,
    /187654|1876\.54|1,876/,
    /6195550142|555-0142/,
    /Soderblom/,
    // The job's own notes are the dispatcher's (gate codes, the customer's other number): never the crew's.
    // (No bare four digits such as "9911" or "4471": the SNS envelopes' random ids hold them by chance.)
    /Gate code|code 4471|customer cell|555-0199|6195550199/i,
  ];
  for (const [where, text] of Object.entries(haystacks)) {
    for (const pattern of forbidden) {
      expect({ where, found: pattern.exec(text)?.[0] }).toEqual({ where, found: undefined });
    }
  }
}

const tokenOf = (body: string) => /\/crew\/([A-Za-z0-9_-]{43})\b/.exec(body)?.[1];

const charterJob = (overrides: Record<string, unknown> = {}) => ({
  brandId: 'jada',
  customer: { name: 'Mark Soderblom', phone: '(619) 555-0142' },
  address: { text: 'Harbor Island West Marina, San Diego' },
  serviceType: 'charter',
  schedule: { date: '2027-05-15', time: '17:30' },
  charter: { vessel: 'JADA', meetingPoint: 'Dock C, slip 12', guestCount: 6, durationMinutes: 180 },
  crewIds: [crew.alice, crew.bob],
  priceCents: 187_654,
  notes: 'Gate code 4471; customer cell 619-555-0199',
  crewNotes: 'Birthday party, cake on board',
  ...overrides,
});

async function createCharter(overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await api('POST', '/jobs', { role: 'admin', body: charterJob(overrides) });
  expect(created.status).toBe(201);
  return created.body.job.jobId as string;
}

const bridgeEvents = (jobId: string, done: (types: string[]) => boolean) =>
  bridge.eventsUntil(jobId, (events) =>
    done(events.filter((event) => event.detail.meta.jobId === jobId).map((event) => event['detail-type'])),
  );
const fromTheBridge = (event: object) => (event as { source?: string }).source === 'qdn.scc-bridge';
const count = (types: string[], type: string) => types.filter((candidate) => candidate === type).length;

describe('a charter with private fields and two crew', () => {
  let jobId: string;
  let tokens: Record<'alice' | 'bob', string>;

  beforeAll(async () => {
    jobId = await createCharter({
      private: {
        revenueSplit: '63/37 owner',
        captainFeeCents: 43_210,
        internalNotes: 'VIP-only comp code 9911',
      },
    });
    const messages = await crewMessages(jobId, 2);
    // The bridge texts before it records the charter (the crew page's source): let that finish first.
    await cloud.settled();
    tokens = {
      alice: tokenOf(messages.find((m) => m.message.crewId === crew.alice)!.message.body)!,
      bob: tokenOf(messages.find((m) => m.message.crewId === crew.bob)!.message.body)!,
    };
  });

  it('given a new charter, then one SCC event with the bearer key, two links texted, and the timeline events', async () => {
    // Assess
    const scc = sccRequestsFor(jobId);
    expect(scc.map((request) => [request.method, request.path, request.status])).toEqual([
      ['POST', '/events', 201],
    ]);
    expect(scc[0]?.headers.authorization).toBe('Bearer ***');
    expect(scc[0]?.body).toMatchObject({
      externalId: jobId,
      eventName: 'Private sail charter - Mark',
      eventDate: '2027-05-15',
      eventTime: '17:30',
      crewIds: [crew.alice, crew.bob],
      crew: [
        { firstName: 'Alice', role: 'captain' },
        { firstName: 'Bob', role: 'deckhand' },
      ],
    });
    const messages = await crewMessagesNow(jobId);
    expect(messages.map((m) => [m.message.crewId, m.message.kind, m.message.to, m.attributes])).toEqual(
      expect.arrayContaining([
        [crew.alice, 'assigned', '+16195550171', { crewId: crew.alice, channel: 'sms' }],
        [crew.bob, 'assigned', '+16195550172', { crewId: crew.bob, channel: 'sms' }],
      ]),
    );
    expect(messages).toHaveLength(2);
    for (const { message } of messages) {
      expect(message.body.length).toBeLessThanOrEqual(320);
      expect(message.body).toMatch(/^JADA Sail Charters: .* - JADA$/);
      expect(message.body).toContain(`${cloud.siteUrl}/crew/`);
    }
    expect(tokens.alice).not.toBe(tokens.bob);
    const events = await bridgeEvents(jobId, (types) => count(types, 'CrewNotified') === 2);
    const types = events.map((event) => event['detail-type']);
    expect(count(types, 'SccEventSynced')).toBe(1);
    expect(count(types, 'CrewNotified')).toBe(2);
  });

  it('given the links, when opened, then each shows the crew view and the brand checklist', async () => {
    // Act
    const page = await api('GET', `/crew/${tokens.alice}`);

    // Assess
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      brand: { brandId: 'jada', displayName: 'JADA Sail Charters' },
      charter: {
        eventName: 'Private sail charter - Mark',
        date: '2027-05-15',
        time: '17:30',
        endTime: '20:30',
        vessel: 'JADA',
        meetingPoint: 'Dock C, slip 12',
        guestCount: 6,
        notes: 'Birthday party, cake on board',
      },
      you: { firstName: 'Alice', role: 'captain' },
      linkExpiresAt: '2027-05-17T03:30:00.000Z',
    });
    expect(page.body.checklist.map((item: { itemId: string }) => item.itemId)).toEqual([
      'safety-briefing',
      'life-jackets-counted',
      'fuel-and-water-checked',
      'guest-list-confirmed',
    ]);
    expect((await api('GET', `/crew/${tokens.bob}`)).body.you).toEqual({
      firstName: 'Bob',
      role: 'deckhand',
    });
  });

  it('given every SCC request, SNS message and crew page so far, when searched, then no revenue, fee, price, internal note or customer phone appears', async () => {
    await Promise.all([api('GET', `/crew/${tokens.alice}`), api('GET', `/crew/${tokens.bob}`)]);
    await expectNothingPrivateLeft(jobId);
  });

  it('given the same job version delivered again, then SCC is not called and nobody is texted again', async () => {
    // Prepare: the JobCreated exactly as the rule delivered it, sent to the crew queue once more
    const created = (await bridge.eventsUntil(jobId, () => true)).find(
      (event) => event['detail-type'] === 'JobCreated',
    );
    const crewQueue = [...cloud.provisioned.queues.values()].find(
      (q) => q.name === 'qdn-local-scc-bridge-crew',
    )!;
    const handled = cloud.invocations.filter((entry) => entry.functionKey === 'scc-bridge.crew').length;

    // Act
    await cloud.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: crewQueue.url, MessageBody: JSON.stringify(created) }),
    );
    await until('the redelivery to be handled', async () =>
      cloud.invocations.filter((entry) => entry.functionKey === 'scc-bridge.crew').length > handled
        ? true
        : undefined,
    );

    // Assess
    expect(sccRequestsFor(jobId)).toHaveLength(1);
    expect(await crewMessagesNow(jobId)).toHaveLength(2);
  });

  it('given a reschedule, then SCC is updated, both crew are re-texted with the same links, which still work', async () => {
    // Act
    const moved = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { schedule: { date: '2027-05-16', time: '10:00' } },
    });
    expect(moved.status).toBe(200);
    const messages = await crewMessages(jobId, 4);

    // Assess
    const rescheduled = messages.filter((m) => m.message.kind === 'rescheduled');
    expect(rescheduled.map((m) => m.message.crewId).sort()).toEqual([crew.alice, crew.bob].sort());
    expect(rescheduled.map((m) => tokenOf(m.message.body)).sort()).toEqual([tokens.alice, tokens.bob].sort());
    expect(rescheduled[0]?.message.body).toContain('Sun, May 16 at 10 am');
    const updates = sccRequestsFor(jobId).filter((request) => request.method === 'PUT');
    expect(updates).toHaveLength(1);
    expect(updates[0]?.body).toMatchObject({ eventDate: '2027-05-16', eventTime: '10:00' });
    // The bridge texts the crew before it records the charter's new version (the page's source), so
    // on a busy machine the texts can arrive a moment before the page shows the move.
    const page = await until('the crew page to show the new schedule', async () => {
      const answer = await api('GET', `/crew/${tokens.alice}`);
      return answer.status === 200 && answer.body.charter?.date === '2027-05-16' ? answer : undefined;
    });
    expect(page.status).toBe(200);
    expect(page.body.charter).toMatchObject({ date: '2027-05-16', time: '10:00' });
    expect(page.body.linkExpiresAt).toBe('2027-05-17T20:00:00.000Z');
  });

  it('given a crew member removed, then their link is a 404 like any unknown link, the other still works', async () => {
    // Act
    const removed = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { crewIds: [crew.alice] },
    });
    expect(removed.status).toBe(200);
    const messages = await crewMessages(jobId, 5);

    // Assess
    expect(messages.at(-1)?.message).toMatchObject({ crewId: crew.bob, kind: 'unassigned' });
    expect(tokenOf(messages.at(-1)!.message.body)).toBeUndefined();
    // Told first, then the link stops working (so a failed text is retried), then the charter's new
    // crew recorded: the sync has finished once the cloud has settled. (Not polled: links are rate-limited.)
    await cloud.settled();
    const unknown = await api('GET', `/crew/${'Q'.repeat(43)}`);
    const bobPage = await api('GET', `/crew/${tokens.bob}`);
    expect(bobPage).toEqual(unknown);
    expect(bobPage.status).toBe(404);
    const alicePage = await api('GET', `/crew/${tokens.alice}`);
    expect(alicePage.status).toBe(200);
    expect(alicePage.body.charter.crew).toEqual([{ firstName: 'Alice', role: 'captain' }]);
    await until('SCC to have the smaller crew', async () =>
      sccRequestsFor(jobId).filter((request) => request.method === 'PUT').length === 2 ? true : undefined,
    );
    expect(sccRequestsFor(jobId).at(-1)?.body).toMatchObject({ crewIds: [crew.alice] });
    expect((await crewMessagesNow(jobId)).filter((m) => m.message.crewId === crew.alice)).toHaveLength(2);
  });

  it('given a crew link, when an item is ticked, then it is recorded with who and when, and the timeline hears of it', async () => {
    // Act
    const ticked = await api('POST', `/crew/${tokens.alice}/checklist/safety-briefing`, {
      body: { done: true },
    });

    // Assess
    expect(ticked.status).toBe(200);
    expect(ticked.body.checklist[0]).toMatchObject({ itemId: 'safety-briefing', done: true, by: 'Alice' });
    expect(Date.parse(ticked.body.checklist[0].at)).toBeGreaterThan(Date.now() - 60_000);
    const page = await api('GET', `/crew/${tokens.alice}`);
    expect(page.body.checklist[0]).toEqual(ticked.body.checklist[0]);
    const events = await bridgeEvents(jobId, (types) => types.includes('CrewChecklistItemTicked'));
    expect(events.find((event) => event['detail-type'] === 'CrewChecklistItemTicked')?.detail.data).toEqual({
      jobId,
      crewId: crew.alice,
      itemId: 'safety-briefing',
      label: 'Safety briefing',
      done: true,
    });
    expect((await api('POST', `/crew/${tokens.alice}/checklist/ice`, { body: { done: true } })).status).toBe(
      404,
    );
    expect(
      (await api('POST', `/crew/${tokens.bob}/checklist/safety-briefing`, { body: { done: true } })).status,
    ).toBe(404);
    const malformed = await api('POST', `/crew/${tokens.alice}/checklist/safety-briefing`, {
      body: { done: 'yes' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details).toEqual([expect.objectContaining({ field: 'body.done' })]);
  });

  it("given a crew member deactivated, then their link, checklist ticks and calendar feed all get the unknown one's 404", async () => {
    // Given Alice's working link and her crew calendar's .ics feed (the calendar service's)
    const unknown = await api('GET', `/crew/${'Q'.repeat(43)}`);
    expect((await api('GET', `/crew/${tokens.alice}`)).status).toBe(200);
    const issued = await api('POST', `/calendars/crew-${crew.alice}/feed-key`, { role: 'admin' });
    expect(issued.status).toBe(201);
    const feed = async (url: string) => {
      const response = await fetch(url);
      return { status: response.status, body: await response.text() };
    };
    const unknownFeed = await feed(issued.body.url.replace(/key=[^&]+/, `key=${'Q'.repeat(43)}`) as string);
    expect(unknownFeed.status).toBe(404);
    expect(await feed(issued.body.url)).toEqual({
      status: 200,
      body: expect.stringContaining('BEGIN:VCALENDAR'),
    });

    // When an admin deactivates her
    const deactivated = await api('PATCH', `/crew-members/${crew.alice}`, {
      role: 'admin',
      body: { active: false },
    });

    // Then the link and ticks 404 at once, and the feed as soon as the calendar service has heard (an event)
    expect(deactivated.status).toBe(200);
    expect(await api('GET', `/crew/${tokens.alice}`)).toEqual(unknown);
    expect(
      await api('POST', `/crew/${tokens.alice}/checklist/safety-briefing`, { body: { done: false } }),
    ).toEqual(unknown);
    await until(
      'the crew calendar feed to be revoked',
      async () => {
        const answer = await feed(issued.body.url);
        return answer.status === 404 ? answer : undefined;
      },
      10_000,
    ).then((answer) => expect(answer).toEqual(unknownFeed));
    // A new feed key for her calendar opens nothing either while she is off the roster.
    const reissued = await api('POST', `/calendars/crew-${crew.alice}/feed-key`, { role: 'admin' });
    expect(await feed(reissued.body.url)).toEqual(unknownFeed);

    // Back on the roster, the same link works again (the charter still names them), and her calendar.
    await api('PATCH', `/crew-members/${crew.alice}`, { role: 'admin', body: { active: true } });
    expect((await api('GET', `/crew/${tokens.alice}`)).status).toBe(200);
    await until('the crew calendar feed to work again', async () =>
      (await feed(reissued.body.url)).status === 200 ? true : undefined,
    );
  });

  it('given a cancellation, then SCC deletes the event, the remaining link 404s and the crew is told', async () => {
    // Act
    const cancelled = await api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'cancelled' },
    });
    expect(cancelled.status).toBe(200);
    const messages = await crewMessages(jobId, 6);

    // Assess
    expect(messages.at(-1)?.message).toMatchObject({ crewId: crew.alice, kind: 'cancelled' });
    const deletes = sccRequestsFor(jobId).filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.status)).toEqual([204]);
    expect(cloud.scc.events().filter((event) => event.externalId === jobId)).toEqual([]);
    // The bridge texts before it revokes the link; its timeline events go out once every link is settled.
    const events = await bridgeEvents(jobId, (types) => count(types, 'SccEventSynced') === 4);
    expect((await api('GET', `/crew/${tokens.alice}`)).status).toBe(404);
    expect(
      events
        .filter((event) => event['detail-type'] === 'SccEventSynced')
        .map((event) => (event.detail.data as { action: string }).action),
    ).toEqual(['created', 'updated', 'updated', 'deleted']);
  });

  it('given the whole lifecycle (created, rescheduled, crew changed, ticked, cancelled), then still nothing private anywhere', async () => {
    expect(crewPageAnswers.length).toBeGreaterThan(10);
    await expectNothingPrivateLeft(jobId);
  });
});

describe('what the bridge leaves alone', () => {
  it('given a job that is not a charter, then no SCC call, no crew message, no event, not even a delivery', async () => {
    // Prepare: the trailer job of beforeAll (crew assigned) went on the bus first; a charter put on
    // the bus after it is synced, so the bus has long since routed the trailer job wherever it goes.
    const sentinel = await createCharter({ crewIds: [] });
    const synced = await bridgeEvents(sentinel, (types) => types.includes('SccEventSynced'));
    expect(synced.map((event) => event['detail-type'])).toContain('SccEventSynced');

    // Assess
    expect(sccRequestsFor(trailerJobId)).toEqual([]);
    expect(await crewMessagesNow(trailerJobId)).toEqual([]);
    const captured = await bridge.eventsUntil(trailerJobId, () => true);
    expect(captured.filter(fromTheBridge)).toEqual([]);
    expect(
      cloud.invocations.filter(
        (entry) =>
          entry.functionKey === 'scc-bridge.crew' && JSON.stringify(entry.event).includes(trailerJobId),
      ),
    ).toEqual([]);
  });

  it('the crew rule takes the five job events of charters only (contract with the jobs schemas)', async () => {
    // Prepare
    const { EventPattern } = await cloud.clients.eventBridge.send(
      new DescribeRuleCommand({ Name: 'qdn-local-crew', EventBusName: 'qdn-local' }),
    );
    const job = JobOnBus.parse({
      ...charterJob({ crewIds: ['crew_1'] }),
      jobId: 'qdn_1',
      version: 1,
      status: 'scheduled',
      customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550142' },
      brandId: 'jada',
    });
    const event = (detailType: string, serviceType: string) => ({
      version: '0',
      id: 'e-1',
      'detail-type': detailType,
      source: 'qdn.jobs',
      account: '000000000000',
      time: '2027-05-01T00:00:00Z',
      region: 'us-west-2',
      resources: [],
      detail: { meta: { eventId: 'x', jobId: 'qdn_1', version: 1 }, data: { job: { ...job, serviceType } } },
    });

    // Assess
    for (const type of [
      'JobCreated',
      'JobScheduleChanged',
      'JobAssignmentChanged',
      'JobDetailsChanged',
      'JobStatusChanged',
    ]) {
      expect(matchEventPattern(EventPattern!, event(type, 'charter'))).toBe(true);
      expect(matchEventPattern(EventPattern!, event(type, 'trailer_drop'))).toBe(false);
    }
    expect(matchEventPattern(EventPattern!, event('JobArriving', 'charter'))).toBe(false);
  });
});

describe('when SCC fails', () => {
  const crewQueue = () =>
    [...cloud.provisioned.queues.values()].find((q) => q.name === 'qdn-local-scc-bridge-crew')!;
  const crewDlq = () =>
    [...cloud.provisioned.queues.values()].find((q) => q.name === 'qdn-local-scc-bridge-crew-dlq')!;

  const dlqDepth = async () => {
    const { Attributes } = await cloud.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: crewDlq().url,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  };

  const failureRecords = async (jobId: string) => {
    const { Items = [] } = await DynamoDBDocumentClient.from(cloud.clients.dynamodb).send(
      new ScanCommand({ TableName: 'qdn-scc-bridge-local-failures' }),
    );
    return Items.filter((record) => record.jobId === jobId);
  };

  it('given SCC down, then retries, the DLQ with a failure record, and success after a redrive', async () => {
    // Prepare
    expect(await dlqDepth()).toBe(0);
    cloud.scc.injectFaults({ method: 'POST', path: '/events', status: 503, count: 1_000 });
    try {
      const jobId = await createCharter({ crewIds: [crew.carol] });

      // Act: three tries (maxReceiveCount 3), then the DLQ
      await until('the charter in the DLQ', async () => ((await dlqDepth()) > 0 ? true : undefined), 40_000);

      // Assess
      const tries = sccRequestsFor(jobId);
      expect(tries.map((request) => request.status)).toEqual([503, 503, 503]);
      const [record] = await until('the failure record', async () => {
        const records = await failureRecords(jobId);
        return records.length > 0 ? records : undefined;
      });
      expect(record).toMatchObject({
        consumer: 'crew',
        transient: true,
        errorClass: 'TransientError',
        errorCode: 'HTTP 503',
        detailType: 'JobCreated',
        attempts: 3,
      });
      expect(await crewMessagesNow(jobId)).toEqual([]);

      // Act: SCC is back; a dispatcher moves the message back to its queue
      cloud.scc.clearFaults();
      const { Messages = [] } = await cloud.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: crewDlq().url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages).toHaveLength(1);
      for (const message of Messages) {
        await cloud.clients.sqs.send(
          new SendMessageCommand({ QueueUrl: crewQueue().url, MessageBody: message.Body! }),
        );
        await cloud.clients.sqs.send(
          new DeleteMessageCommand({ QueueUrl: crewDlq().url, ReceiptHandle: message.ReceiptHandle! }),
        );
      }

      // Assess
      const [texted] = await crewMessages(jobId, 1);
      expect(texted?.message).toMatchObject({ crewId: crew.carol, kind: 'assigned' });
      expect(sccRequestsFor(jobId).map((request) => request.status)).toEqual([503, 503, 503, 201]);
      expect(await dlqDepth()).toBe(0);
      // The charter is recorded after the text: the link works once the redriven sync has finished.
      await cloud.settled();
      expect((await api('GET', `/crew/${tokenOf(texted!.message.body)}`)).status).toBe(200);
    } finally {
      cloud.scc.clearFaults();
    }
  });

  it('given SCC not answering in time, then the attempt is given up as transient and a retry creates the event once', async () => {
    // Prepare: the next POST is held open until the client's own timeout (3 s) fires
    cloud.scc.injectFaults({ method: 'POST', path: '/events', kind: 'timeout', count: 1 });

    // Act
    const jobId = await createCharter({ crewIds: [crew.carol] });

    // Assess
    const [texted] = await crewMessages(jobId, 1);
    expect(texted?.message).toMatchObject({ crewId: crew.carol, kind: 'assigned' });
    expect(sccRequestsFor(jobId).map((request) => [request.fault, request.status])).toEqual([
      ['timeout', null],
      [null, 201],
    ]);
    const [record] = await failureRecords(jobId);
    expect(record).toMatchObject({ consumer: 'crew', transient: true, errorClass: 'TransientError' });
    expect(record?.errorMessage).toMatch(/SCC POST \/events failed/);
    expect(await crewMessagesNow(jobId)).toHaveLength(1);
  });

  it('given SCC refusing the event (4xx), then the outcome is recorded as permanent and not retried', async () => {
    // Prepare
    cloud.scc.injectFaults({ method: 'POST', path: '/events', status: 422, count: 1 });

    // Act
    const jobId = await createCharter({ crewIds: [crew.carol] });

    // Assess
    const [record] = await until('the failure record', async () => {
      const records = await failureRecords(jobId);
      return records.length > 0 ? records : undefined;
    });
    expect(record).toMatchObject({ consumer: 'crew', transient: false, errorCode: 'HTTP 422', attempts: 1 });
    expect(sccRequestsFor(jobId).map((request) => request.status)).toEqual([422]);
    expect(await dlqDepth()).toBe(0);
  });
});

describe('the crew roster', () => {
  it('given an admin, then members can be listed by staff and changed; dispatchers cannot write', async () => {
    const list = await api('GET', '/crew-members', { role: 'dispatcher' });
    expect(list.status).toBe(200);
    expect(list.body.crewMembers.map((member: { name: string }) => member.name)).toEqual(
      expect.arrayContaining(['Alice Marin', 'Bob Keel', 'Carol Reef']),
    );
    expect(
      list.body.crewMembers.find((member: { crewId: string }) => member.crewId === crew.bob),
    ).toMatchObject({
      phone: '+16195550172',
      email: 'bob@example.com',
      role: 'deckhand',
      active: true,
    });

    const changed = await api('PATCH', `/crew-members/${crew.bob}`, {
      role: 'admin',
      body: { role: 'Mate', email: null },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.crewMember).toMatchObject({ crewId: crew.bob, role: 'mate' });
    expect(changed.body.crewMember.email).toBeUndefined();

    expect(
      (
        await api('POST', '/crew-members', {
          role: 'dispatcher',
          body: { name: 'X', phone: '+16195550190', role: 'mate' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await api('PATCH', `/crew-members/${crew.bob}`, { role: 'dispatcher', body: { active: false } }))
        .status,
    ).toBe(403);
    expect((await api('GET', '/crew-members')).status).toBe(401);
  });

  it('given malformed roster payloads, then 400 with field errors and nothing changed', async () => {
    const before = await api('GET', '/crew-members', { role: 'admin' });

    const created = await api('POST', '/crew-members', {
      role: 'admin',
      body: { name: '', phone: '555', role: '42', email: 'not-an-email', salary: 1 },
    });
    expect(created.status).toBe(400);
    expect(created.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(
      ['body', 'body.email', 'body.name', 'body.phone', 'body.role'].sort(),
    );
    const notJson = await api('POST', '/crew-members', { role: 'admin', raw: '{"name": "A' });
    expect(notJson.status).toBe(400);
    const badPatch = await api('PATCH', `/crew-members/${crew.carol}`, {
      role: 'admin',
      body: { phone: 'call me' },
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.details).toEqual([expect.objectContaining({ field: 'body.phone' })]);
    const emptyPatch = await api('PATCH', `/crew-members/${crew.carol}`, { role: 'admin', body: {} });
    expect(emptyPatch.status).toBe(400);
    const badId = await api('PATCH', '/crew-members/not-a-crew-id', {
      role: 'admin',
      body: { active: false },
    });
    expect(badId.status).toBe(400);
    const unknown = await api('PATCH', '/crew-members/crew_0000000000000000', {
      role: 'admin',
      body: { active: false },
    });
    expect(unknown.status).toBe(404);

    const after = await api('GET', '/crew-members', { role: 'admin' });
    expect(after.body.crewMembers.find((member: { crewId: string }) => member.crewId === crew.carol)).toEqual(
      before.body.crewMembers.find((member: { crewId: string }) => member.crewId === crew.carol),
    );
    expect(after.body.crewMembers).toHaveLength(before.body.crewMembers.length);
  });
});

describe('two admins changing one crew member at once', () => {
  it('given an edit of a member read before another admin deactivated them, then the edit is refused (409) and the member stays inactive', async () => {
    // Prepare: the store the API uses, on the local cloud's DynamoDB.
    const roster = new DynamoCrewRoster(
      DynamoDBDocumentClient.from(cloud.clients.dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      'qdn-local-scc-bridge',
    );
    const created = await api('POST', '/crew-members', {
      role: 'admin',
      body: { name: 'Dana Stern', phone: '+16195550174', role: 'mate' },
    });
    const { crewId } = created.body.crewMember;
    // Admin B opens the member to change the phone: read while active.
    const staleRead = (await roster.get(crewId))!;
    expect(staleRead.active).toBe(true);
    // Act: admin A deactivates; then B's edit of what B read is saved.
    await updateCrewMember(
      { roster, now: () => new Date() },
      crewId,
      { active: false },
      { userId: 'admin-a' },
    );
    const edit = roster.save(
      applyCrewMemberUpdate(
        staleRead,
        { phone: '+16195550175' },
        { at: new Date().toISOString(), by: 'admin-b' },
      ),
    );
    // Assess
    await expect(edit).rejects.toBeInstanceOf(ConflictError);
    await expect(edit).rejects.toMatchObject({ statusCode: 409 });
    expect(await roster.get(crewId)).toMatchObject({
      active: false,
      phone: '+16195550174',
      updatedBy: 'admin-a',
    });
  });
});

describe('crew links that do not work', () => {
  it.each([
    ['too short', 'abc'],
    ['one character short', 'A'.repeat(42)],
    ['one character long', 'A'.repeat(44)],
    ['not base64url', `${'A'.repeat(42)}%21`],
    ['dots', `${'A'.repeat(41)}..`],
    ['far too long', 'A'.repeat(300)],
    ['well-formed but unknown', 'A'.repeat(43)],
  ])('given a token %s, then the same 404 as any other', async (_why, token) => {
    const answer = await api('GET', `/crew/${token}`);
    expect(answer).toEqual({ status: 404, body: { error: 'This crew link is unknown or no longer valid' } });
    const tick = await api('POST', `/crew/${token}/checklist/safety-briefing`, { body: { done: true } });
    expect(tick).toEqual(answer);
  });
});

describe('a rotated crew-link secret', () => {
  it("given links texted before the rotation, then they get the unknown link's 404, and the next text carries a link that works", async () => {
    // Given a charter whose crew were texted their links
    const jobId = await createCharter({ schedule: { date: '2027-06-12', time: '09:00' } });
    const sent = await crewMessages(jobId, 2);
    await cloud.settled();
    const before = tokenOf(sent.find((m) => m.message.crewId === crew.alice)!.message.body)!;
    expect((await api('GET', `/crew/${before}`)).status).toBe(200);
    const unknown = await api('GET', `/crew/${'Q'.repeat(43)}`);

    const name = '/qdn/local/crew-link-secret';
    const original = cloud.ssm.get(name)!;
    cloud.ssm.set(name, { ...original, value: 'a-rotated-crew-link-secret-for-this-test-only' });
    try {
      // When the secret is rotated (past the functions' one-second cache of it)
      await new Promise((resolve) => setTimeout(resolve, 1_500));

      // Then the link already sent answers like any unknown link, page and tick alike
      expect(await api('GET', `/crew/${before}`)).toEqual(unknown);
      expect(
        await api('POST', `/crew/${before}/checklist/safety-briefing`, { body: { done: true } }),
      ).toEqual(unknown);

      // And a reschedule's text carries the link under the new secret, which works; the old one stays dead
      const moved = await api('PATCH', `/jobs/${jobId}`, {
        role: 'dispatcher',
        body: { schedule: { date: '2027-06-13', time: '09:00' } },
      });
      expect(moved.status).toBe(200);
      const messages = await crewMessages(jobId, 4);
      const resent = tokenOf(
        messages.find((m) => m.message.crewId === crew.alice && m.message.kind === 'rescheduled')!.message
          .body,
      )!;
      expect(resent).not.toBe(before);
      const page = await until('the re-sent link to show the new schedule', async () => {
        const answer = await api('GET', `/crew/${resent}`);
        return answer.status === 200 && answer.body.charter?.date === '2027-06-13' ? answer : undefined;
      });
      expect(page.body.you).toEqual({ firstName: 'Alice', role: 'captain' });
      expect(await api('GET', `/crew/${before}`)).toEqual(unknown);
    } finally {
      cloud.ssm.set(name, original);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
  });
});
