import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import type { DeadLetterMessage, DeadLetterQueueSummary } from '../../src/ops-dead-letters.ts';
import type { ReplayView } from '../../src/ops-replay.ts';

// Replays of the bus archive (/ops/jobs/replays) on the local cloud: a trailer job and a charter with crew
// go through SMS, calendar, internal-calendar push, SCC and crew SMS; then the archive is replayed to one
// consumer and to all of them, and what reached Twilio, SCC and the calendar is counted again.
let harness: TestCloud;
let cloud: TestCloud['cloud'];
let documents: DynamoDBDocumentClient;
let windowStart: string;
let trailerJobId: string;
let charterJobId: string;

const api = (...args: Parameters<TestCloud['api']>) => harness.api(...args);

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

const SERVICES = ['jobs', 'notifications', 'media', 'calendar', 'scc-bridge'];

/** Every consumer queue and DLQ of every service, through the ops API itself. */
async function allQueues(): Promise<(DeadLetterQueueSummary & { service: string })[]> {
  const answers = await Promise.all(
    SERVICES.map((service) => api('GET', `/ops/${service}/dlqs`, { role: 'admin' })),
  );
  return answers.flatMap((answer) =>
    (answer.body.consumers as DeadLetterQueueSummary[]).map((line) => ({
      ...line,
      service: answer.body.service,
    })),
  );
}

/** Every dead-lettered message of every consumer, decoded (what a failing assertion should show). */
async function deadLetters(): Promise<DeadLetterMessage[]> {
  const parked: DeadLetterMessage[] = [];
  for (const queue of (await allQueues()).filter((line) => line.dlqDepth > 0)) {
    const listing = await api('GET', `/ops/${queue.service}/dlqs/${queue.consumer}/messages`, {
      role: 'admin',
    });
    parked.push(...(listing.body.messages as DeadLetterMessage[]));
  }
  return parked;
}

/** Until every consumer has emptied its queue twice in a row (a consumer's work can queue another's). */
async function quiet() {
  let calm = 0;
  await until(async () => {
    const queues = await allQueues();
    calm = queues.every((queue) => queue.sourceQueueDepth + queue.sourceQueueInFlight === 0) ? calm + 1 : 0;
    return calm >= 2;
  }, 40_000);
  // Then nothing left in flight anywhere (a retry, a late bus delivery, a Twilio callback).
  await cloud.settled();
}

/** What left the system: every SMS, every SCC call, every internal-calendar write. */
function outside() {
  return {
    sms: cloud.twilio.messages().filter((message) => message.direction === 'outbound-api').length,
    scc: cloud.scc.requests().filter((request) => request.method !== 'GET').length,
    calendar: cloud.calendar.requests().filter((request) => request.method !== 'GET').length,
  };
}

async function replay(body: Record<string, unknown>): Promise<ReplayView> {
  const started = await api('POST', '/ops/jobs/replays', { role: 'dispatcher', body });
  expect(started.status).toBe(202);
  const name = (started.body.replay as ReplayView).name;
  return until(async () => {
    const progress = await api('GET', `/ops/jobs/replays/${name}`, { role: 'dispatcher' });
    expect(progress.status).toBe(200);
    const view = progress.body.replay as ReplayView;
    return view.state === 'COMPLETED' ? view : undefined;
  });
}

beforeAll(async () => {
  harness = await startTestCloud('ops-replay');
  ({ cloud } = harness);
  documents = DynamoDBDocumentClient.from(cloud.clients.dynamodb);
  windowStart = new Date(Date.now() - 60_000).toISOString();

  const crew: string[] = [];
  for (const [name, phone] of [
    ['Alice Marin', '+16195550171'],
    ['Bob Keel', '+16195550172'],
  ]) {
    const created = await api('POST', '/crew-members', {
      role: 'admin',
      body: { name, phone, role: 'deckhand' },
    });
    expect(created.status).toBe(201);
    crew.push(created.body.crewMember.crewId);
  }
  const trailer = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name: 'Mark Soderblom', phone: '+16195550142' },
      address: { text: '4521 Soderblom Ave, San Diego, CA' },
      serviceType: 'trailer_pickup_and_dump',
      schedule: { date: '2026-12-01', window: 'afternoon' },
      priceCents: 60000,
    },
  });
  const charter = await api('POST', '/jobs', {
    role: 'admin',
    body: {
      brandId: 'jada',
      customer: { name: 'Lee Chen', phone: '+16195550190' },
      address: { text: 'Harbor Island West Marina, San Diego' },
      serviceType: 'charter',
      schedule: { date: '2027-05-15', time: '17:30' },
      charter: { vessel: 'JADA', meetingPoint: 'Dock C, slip 12', guestCount: 6, durationMinutes: 180 },
      crewIds: crew,
      priceCents: 187_654,
    },
  });
  expect([trailer.status, charter.status]).toEqual([201, 201]);
  trailerJobId = trailer.body.job.jobId;
  charterJobId = charter.body.job.jobId;
  const moved = await api('POST', `/jobs/${trailerJobId}/status`, {
    role: 'dispatcher',
    body: { status: 'en_route' },
  });
  expect(moved.status).toBe(200);
  // Everything the two jobs set off has happened: texts, SCC event, crew links, calendar pushes.
  await until(() => {
    const now = outside();
    return now.sms >= 3 && now.scc >= 1 && now.calendar >= 2;
  });
  await quiet();
}, 150_000);

afterAll(async () => {
  await harness?.stop();
});

describe('replaying the archive', () => {
  it('given a deleted calendar entry, when the window is replayed to the calendar consumer, then the entry is rebuilt and no SMS is sent', async () => {
    // Prepare: lose the trailer job's entry and its calendar memberships, as a bad migration would.
    const key = { pk: `JOB#${trailerJobId}`, sk: 'ENTRY' };
    const { Item: entry } = await documents.send(
      new GetCommand({ TableName: 'qdn-local-calendar', Key: key }),
    );
    expect(entry?.calendarIds).toContain('dispatch');
    await documents.send(new DeleteCommand({ TableName: 'qdn-local-calendar', Key: key }));
    for (const calendarId of entry!.calendarIds as string[]) {
      await documents.send(
        new DeleteCommand({
          TableName: 'qdn-local-calendar',
          Key: { pk: `CAL#${calendarId}`, sk: `JOB#${trailerJobId}` },
        }),
      );
    }
    const before = outside();

    // Act
    const done = await replay({ from: windowStart, to: new Date().toISOString(), consumer: 'calendar' });
    const rebuilt = await until(async () => {
      const { Item } = await documents.send(new GetCommand({ TableName: 'qdn-local-calendar', Key: key }));
      return Item?.version === entry!.version ? Item : undefined;
    });
    const membership = await documents.send(
      new GetCommand({
        TableName: 'qdn-local-calendar',
        Key: { pk: 'CAL#dispatch', sk: `JOB#${trailerJobId}` },
      }),
    );
    await quiet();

    // Assess
    expect(done).toMatchObject({ consumer: 'calendar', state: 'COMPLETED' });
    // Who asked for it stays with the replay.
    expect(done.description).toBe('Replay to calendar requested by local-dispatcher through the ops API');
    expect(rebuilt).toMatchObject({
      jobId: trailerJobId,
      calendarIds: entry!.calendarIds,
      status: entry!.status,
      startsAt: entry!.startsAt,
    });
    expect(membership.Item?.entry).toMatchObject({ jobId: trailerJobId, version: entry!.version });
    expect(outside()).toEqual(before);
  }, 90_000);

  it('given everything replayed to every consumer, then no duplicate SMS, SCC call or calendar push, and nothing dead-lettered', async () => {
    // Prepare
    const before = outside();
    const parkedBefore = await deadLetters();
    const received = cloud.invocations.length;

    // Act
    const done = await replay({ from: windowStart, to: new Date().toISOString() });
    await until(() => cloud.invocations.length > received + 10);
    await quiet();

    // Assess
    expect(done).toMatchObject({ state: 'COMPLETED' });
    expect(done.consumer).toBeUndefined();
    expect(outside()).toEqual(before);
    expect(before.sms).toBeGreaterThanOrEqual(3);
    expect(await deadLetters()).toEqual(parkedBefore);
    expect(parkedBefore).toEqual([]);
    const replayedTo = new Set(cloud.invocations.slice(received).map((call) => call.functionKey));
    for (const consumer of [
      'notifications.sms',
      'notifications.timeline',
      'calendar.calendar',
      'calendar.calendarPush',
      'scc-bridge.crew',
    ]) {
      expect(replayedTo).toContain(consumer);
    }
    expect(charterJobId).toBeTruthy();
  }, 120_000);
});

describe('bad replay requests', () => {
  const now = () => new Date().toISOString();

  it('given to before from, then 400 naming to', async () => {
    const answer = await api('POST', '/ops/jobs/replays', {
      role: 'dispatcher',
      body: { from: now(), to: new Date(Date.now() - 3_600_000).toISOString() },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ field: 'body.to', message: 'must be after from' }]);
  });

  it("given a window older than the archive's 30-day retention, then 400 naming from", async () => {
    const answer = await api('POST', '/ops/jobs/replays', {
      role: 'dispatcher',
      body: { from: new Date(Date.now() - 31 * 86_400_000).toISOString(), to: now() },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([
      { field: 'body.from', message: expect.stringContaining('30-day retention') },
    ]);
  });

  it('given a consumer with no rule on the bus, or a replay that does not exist, then 404', async () => {
    const unknown = await api('POST', '/ops/jobs/replays', {
      role: 'dispatcher',
      body: { from: windowStart, to: now(), consumer: 'nope' },
    });
    const missing = await api('GET', '/ops/jobs/replays/qdn-local-calendar-20260101T000000-abcd', {
      role: 'dispatcher',
    });
    const foreign = await api('GET', '/ops/jobs/replays/someone-elses', { role: 'dispatcher' });

    expect([unknown.status, missing.status, foreign.status]).toEqual([404, 404, 404]);
  });

  it('given a malformed time or a driver, then 400 and 403', async () => {
    const malformed = await api('POST', '/ops/jobs/replays', {
      role: 'dispatcher',
      body: { from: 'yesterday', to: now() },
    });
    const driver = await api('POST', '/ops/jobs/replays', {
      role: 'driver',
      body: { from: windowStart, to: now() },
    });

    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].field).toBe('body.from');
    expect(driver.status).toBe(403);
  });
});
