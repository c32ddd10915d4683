import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventually,
  startTestCloud,
  type TestCloud,
  todayIn,
  withinOneWindow,
} from '@qdn/local-cloud/test-harness';

// The system's boundaries as an attacker or a careless user meets them, across services, on one local
// cloud with small per-client limits (so a test reaches them in a few requests).
let harness: TestCloud;

beforeAll(async () => {
  harness = await startTestCloud('boundaries', {
    capture: ['qdn.jobs', 'qdn.notifications'],
    environment: {
      TRACK_LOOKUPS_PER_IP_PER_MINUTE: '5',
      BOOKINGS_PER_IP_PER_HOUR: '2',
      BOOKINGS_PER_PHONE_PER_DAY: '3',
      CREW_LOOKUPS_PER_IP_PER_MINUTE: '5',
      CHECKLIST_TICKS_PER_IP_PER_MINUTE: '3',
      CUSTOMER_UPLOADS_PER_IP_PER_HOUR: '3',
      // A rotated secret reaches warm functions within a second here (five minutes in AWS).
      SECRET_MAX_AGE_SECONDS: '1',
      RELAYS_PER_SENDER_PER_HOUR: '2',
    },
  });
}, 90_000);

afterAll(async () => {
  await harness?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => harness.api(...args);

/**
 * A JSON request from another loopback address (127.0.0.2, 127.0.0.3…): the local API sees it as a
 * different client, as API Gateway would see another source IP. `headers` carry e.g. a tracking grant.
 */
function apiFrom(
  localAddress: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const url = new URL(`${harness.cloud.apiUrl}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>(
    (resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method,
          localAddress,
          headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: text ? JSON.parse(text) : undefined,
            });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    },
  );
}

const booking = (phone: string) => ({
  brandId: 'qdn',
  serviceType: 'trailer_pickup_and_dump',
  name: 'Mark Soderblom',
  phone,
  address: { text: 'Soderblom Ave, San Diego, CA' },
  preferredDate: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
  window: 'morning',
  smsConsent: true,
});

describe('a failed cold start (item 10)', () => {
  // First in the file: the functions are still cold.
  it('given the brand catalog unreadable at cold start, when SSM answers again, then the next invocation works', async () => {
    harness.cloud.ssm.failReads('/qdn/local/brands');
    const jobsDuringOutage = await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ', { role: 'dispatcher' });
    const timelineDuringOutage = await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ/timeline', {
      role: 'dispatcher',
    });
    harness.cloud.ssm.clearFaults();

    expect(jobsDuringOutage.status).toBe(500);
    // A dispatcher's timeline no longer reads the brand catalog (only a driver's day check does), so it
    // answers through the outage; what matters is that it answers after it.
    expect([404, 500]).toContain(timelineDuringOutage.status);
    expect((await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ', { role: 'dispatcher' })).status).toBe(
      404,
    );
    expect(
      (await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ/timeline', { role: 'dispatcher' })).status,
    ).toBe(404);
  });
});

describe('tracking links (items 2 and 8)', () => {
  it('given one address guessing tracking links, then 429 with Retry-After once its per-minute allowance is used', async () => {
    // Two windows' worth plus one: however the minute falls, one window gets more than the limit.
    const answers = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      answers.push(await apiFrom('127.0.0.4', 'GET', `/track/${'A'.repeat(31)}${attempt % 10}`));
    }
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.every((answer) => [404, 429].includes(answer.status))).toBe(true);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused[0]!.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another address is not affected.
    expect((await apiFrom('127.0.0.5', 'GET', `/track/${'B'.repeat(32)}`)).status).toBe(404);
  });

  it('given a token longer than 64 characters or with odd characters, then the same 404 as an unknown token', async () => {
    const unknown = await apiFrom('127.0.0.6', 'GET', `/track/${'C'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    for (const token of ['D'.repeat(65), 'E'.repeat(500), '%F0%9F%98%80', 'a.b']) {
      const answer = await apiFrom('127.0.0.6', 'GET', `/track/${token}`);
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 404, body: unknown.body });
    }
  });
});

describe('booking limits (items 2 and 8)', () => {
  it("given one address over its hourly limit, then 429 and the phone's own allowance is not used up", async () => {
    const phone = '+16195550177';
    const first = await apiFrom('127.0.0.2', 'POST', '/bookings', booking(phone));
    const second = await apiFrom('127.0.0.2', 'POST', '/bookings', booking(phone));
    const refusedByAddress = await apiFrom('127.0.0.2', 'POST', '/bookings', booking(phone));
    // The phone has had 2 of its 3 a day: a refusal for the address must not have taken the third.
    const fromElsewhere = await apiFrom('127.0.0.3', 'POST', '/bookings', booking(phone));
    const overPhoneLimit = await apiFrom('127.0.0.3', 'POST', '/bookings', booking(phone));

    expect([first.status, second.status, refusedByAddress.status]).toEqual([201, 201, 429]);
    expect(refusedByAddress.headers['retry-after']).toBeDefined();
    expect(fromElsewhere.status).toBe(201);
    expect(overPhoneLimit.status).toBe(429);
  });
});

describe('dates from the public form and the board (item 4)', () => {
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  it.each([
    ['a booking for 9999-12-31', { preferredDate: '9999-12-31' }, 'body.preferredDate'],
    ['a booking more than a year ahead', { preferredDate: inDays(400) }, 'body.preferredDate'],
    ['a rental to 9999', { preferredDate: inDays(3), endDate: '9999-12-31' }, 'body.endDate'],
    ['a rental longer than 30 days', { preferredDate: inDays(3), endDate: inDays(60) }, 'body.endDate'],
  ])('given %s, then 400 naming the field and no job', async (_case, dates, field) => {
    const phone = `+1619555${String(Math.floor(1000 + Math.random() * 8000))}`;
    const answer = await apiFrom('127.0.0.7', 'POST', '/bookings', {
      ...booking(phone),
      serviceType: 'trailer_drop',
      ...dates,
    });
    expect(answer.status).toBe(400);
    expect((answer.body as { details: { field: string }[] }).details.map((detail) => detail.field)).toContain(
      field,
    );
  });

  it('given a dispatcher job dated 9999 or a board range in 9999, then 400, never 500', async () => {
    const job = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone: '+16195550142' },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '9999-12-31', window: 'morning' },
        crewIds: [],
      },
    });
    const board = await api('GET', '/calendar?from=9999-10-01&to=9999-10-31', { role: 'dispatcher' });
    expect(job.status).toBe(400);
    expect(job.body.details.map((detail: { field: string }) => detail.field)).toContain('body.schedule.date');
    expect(board.status).toBe(400);
    expect(board.body.details.map((detail: { field: string }) => detail.field)).toContain('query.from');
  });
});

describe('hostile bodies and phone numbers (item 8)', () => {
  it.each([
    ['[]', '[]'],
    ['null', 'null'],
    ['__proto__', '{"__proto__": {"admin": true}}'],
    ['a 30,000-deep array', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
  ])('given %s posted to a route that takes no body, then 400 and no new link', async (_case, raw) => {
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone: '+16195550142' },
        // With coordinates: the geocoder's note on an unknown address would land between the two reads.
        address: { text: 'Soderblom Ave, San Diego, CA', lat: 32.7157, lng: -117.1611 },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-20', window: 'morning' },
        crewIds: [],
      },
    });
    const { jobId } = created.body.job;
    const before = (await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;

    const answer = await api('POST', `/jobs/${jobId}/tracking-link`, { role: 'dispatcher', raw });

    expect(answer.status).toBe(400);
    const after = (await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
    expect(after).toEqual(before);
  });

  it.each([
    ['full-width digits', '６１９５５５０１４２'],
    ['Arabic-Indic digits', '٦١٩٥٥٥٠١٤٢'],
    ['an emoji', '619555😀0142'],
    ['an extension', '+16195550142;ext=12'],
    ['a premium-rate number', '+19005550142'],
    ['a number abroad', '+442079460958'],
  ])(
    'given a booking with %s, then 400 on body.phone instead of a rewritten number',
    async (_case, phone) => {
      const answer = await apiFrom('127.0.0.8', 'POST', '/bookings', booking(phone));
      expect(answer.status).toBe(400);
      expect((answer.body as { details: { field: string }[] }).details.map((detail) => detail.field)).toEqual(
        ['body.phone'],
      );
    },
  );
});

describe('crew links, checklist ticks and customer uploads (item 2)', () => {
  async function countersOf(service: string, prefix: string) {
    const { Items = [] } = await harness.cloud.clients.dynamodb.send(
      new ScanCommand({
        TableName: `qdn-${service}-local-counters`,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: prefix } },
      }),
    );
    return Items.map((item) => Number(item.used?.N));
  }

  it('given crew link lookups past the per-address limit, then 429 with Retry-After, counted in the bridge’s counters table; another address is unaffected', async () => {
    const unknownLink = `/crew/${'Z'.repeat(43)}`;
    await withinOneWindow(60);
    const answers = [];
    for (let attempt = 0; attempt < 6; attempt++)
      answers.push(await apiFrom('127.0.0.20', 'GET', unknownLink));

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 429]);
    expect(Number(answers[5]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(answers[5]!.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await apiFrom('127.0.0.21', 'GET', unknownLink)).status).toBe(404);
    expect(await countersOf('scc-bridge', 'crew-lookup#127.0.0.20#')).toEqual([5]);
  });

  it('given checklist ticks past the per-address limit, then 429 with Retry-After', async () => {
    const tick = `/crew/${'Y'.repeat(43)}/checklist/safety-briefing`;
    await withinOneWindow(60);
    const statuses = [];
    let last: Awaited<ReturnType<typeof apiFrom>> | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      last = await apiFrom('127.0.0.22', 'POST', tick, { done: true });
      statuses.push(last.status);
    }

    expect(statuses).toEqual([404, 404, 404, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await countersOf('scc-bridge', 'crew-tick#127.0.0.22#')).toEqual([3]);
  });

  it('given customer upload requests past the per-address hourly limit, then 429 with Retry-After, counted in the media counters table; another address still uploads', async () => {
    // Given a job the media service knows, and its tracking grant
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Ana Ruiz', phone: '+16195550150' },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: todayIn(), window: 'afternoon' },
      },
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job.jobId as string;
    const token = (created.body.trackingUrl as string).split('/track/')[1];
    const view = await apiFrom('127.0.0.23', 'GET', `/track/${token}`);
    const grant = (view.body as { grant: { grant: string } }).grant.grant;
    await eventually(
      async () =>
        (
          await harness.cloud.clients.dynamodb.send(
            new GetItemCommand({ TableName: 'qdn-local-media-jobs', Key: { jobId: { S: jobId } } }),
          )
        ).Item,
      { what: 'the media service to know the job' },
    );
    const upload = (address: string) =>
      apiFrom(
        address,
        'POST',
        `/track/jobs/${jobId}/photos/uploads`,
        { contentType: 'image/jpeg', size: 2048 },
        { authorization: `Bearer ${grant}` },
      );

    // When one address asks four times
    const answers = [];
    for (let attempt = 0; attempt < 4; attempt++) answers.push(await upload('127.0.0.24'));

    // Then
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 429]);
    expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(answers[3]!.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect((await upload('127.0.0.25')).status).toBe(201);
    expect(await countersOf('media', 'customer-upload#127.0.0.24#')).toEqual([3]);
  });
});

describe('strict bodies and phone numbers on every route (item 8)', () => {
  it('given a field the route does not know (a text to a customer with a made-up sendAt), then 400 naming it and nothing is sent', async () => {
    const phone = '+16195550195';
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-20', window: 'morning' },
        crewIds: [],
      },
    });
    const { jobId } = created.body.job;

    const answer = await api('POST', `/jobs/${jobId}/messages`, {
      role: 'dispatcher',
      body: { body: 'Running 10 minutes late', sendAt: '2026-12-20T08:00:00Z' },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.details).toEqual([{ field: 'body.sendAt', message: 'unknown field' }]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(
      harness.cloud.twilio.messages().filter((message) => message.body.includes('Running 10 minutes late')),
    ).toEqual([]);
  });

  it.each([
    ['full-width digits', '６１９５５５０１４２'],
    ['a premium-rate number', '+19005550142'],
    ['an extension', '+16195550142;ext=12'],
  ])(
    'given %s on every other route that takes a phone, then 400 on that field and nothing stored',
    async (_case, phone) => {
      const job = {
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-20', window: 'morning' },
        crewIds: [],
      };
      const existing = await api('POST', '/jobs', {
        role: 'dispatcher',
        body: { ...job, customer: { name: 'Mark Soderblom', phone: '+16195550142' } },
      });
      const jobId = existing.body.job.jobId as string;
      const fieldsOf = (answer: { body: { details?: { field: string }[] } }) =>
        (answer.body.details ?? []).map((detail) => detail.field);

      const created = await api('POST', '/jobs', {
        role: 'dispatcher',
        body: { ...job, customer: { name: 'Mark Soderblom', phone } },
      });
      const patched = await api('PATCH', `/jobs/${jobId}`, {
        role: 'dispatcher',
        body: { customer: { name: 'Mark Soderblom', phone } },
      });
      const crew = await api('POST', '/crew-members', {
        role: 'admin',
        body: { name: 'Deck Hand', phone, role: 'deckhand' },
      });

      expect([created.status, patched.status, crew.status]).toEqual([400, 400, 400]);
      expect(fieldsOf(created)).toEqual(['body.customer.phone']);
      expect(fieldsOf(patched)).toEqual(['body.customer.phone']);
      expect(fieldsOf(crew)).toEqual(['body.phone']);
      const after = await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
      expect(after.body.job.customer.phone).toBe('+16195550142');
    },
  );
});

/** Every file under a folder, as text (the bus's archive and delivery logs are plain JSON lines). */
function filesUnder(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

async function tableText(tableName: string): Promise<string> {
  const { Items = [] } = await harness.cloud.clients.dynamodb.send(new ScanCommand({ TableName: tableName }));
  return JSON.stringify(Items);
}

describe('tracking tokens off the bus (item 9)', () => {
  it('given a job texted its link, rotated and texted again, then no token is on the bus, in its archive, in a table or in the timeline, and the latest text opens the page', async () => {
    // Given a job (its "booked" text carries the first link)
    const phone = '+16195550191';
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-21', window: 'morning' },
        crewIds: [],
      },
    });
    expect(created.status).toBe(201);
    const { jobId } = created.body.job;
    const firstToken = (created.body.trackingUrl as string).split('/track/')[1]!;

    // When the link is rotated and the job rescheduled (the "moved" text carries the new link)
    const rotated = await api('POST', `/jobs/${jobId}/tracking-link`, { role: 'dispatcher' });
    expect(rotated.status).toBe(201);
    const secondToken = (rotated.body.trackingUrl as string).split('/track/')[1]!;
    const moved = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { schedule: { date: '2026-12-22', window: 'morning' } },
    });
    expect(moved.status).toBe(200);

    // Then the customer's texts carry working links: the latest one opens the page, the first one no more
    const texts = await eventually(
      () => {
        const bodies = harness.cloud.twilio
          .messages()
          .filter((message) => message.to === phone && message.direction === 'outbound-api')
          .map((message) => message.body);
        return bodies.length >= 2 && bodies;
      },
      { what: 'the booked and the moved texts' },
    );
    expect(texts.some((body) => body.includes(`/track/${firstToken}`))).toBe(true);
    expect(texts.some((body) => body.includes(`/track/${secondToken}`))).toBe(true);
    expect((await apiFrom('127.0.0.9', 'GET', `/track/${secondToken}`)).status).toBe(200);
    expect((await apiFrom('127.0.0.9', 'GET', `/track/${firstToken}`)).status).toBe(404);

    // And the bus saw link ids and redacted texts only
    const events = await harness.eventsUntil(
      jobId,
      (seen) =>
        seen.filter((event) => event['detail-type'] === 'SmsSent').length >= 2 &&
        seen.some((event) => event['detail-type'] === 'TrackingLinkIssued'),
    );
    const issued = events.find((event) => event['detail-type'] === 'TrackingLinkIssued');
    expect(issued?.detail.data).toEqual({ jobId, linkId: expect.any(String) });
    const sent = events.filter((event) => event['detail-type'] === 'SmsSent');
    expect(sent.map((event) => event.detail.data.body)).toEqual(
      expect.arrayContaining([expect.stringContaining('/track/[link]')]),
    );
    const timeline = await eventually(async () => {
      const answer = await api('GET', `/jobs/${jobId}/timeline`, { role: 'dispatcher' });
      const entries = answer.body?.entries as unknown[] | undefined;
      return entries && entries.filter((entry) => JSON.stringify(entry).includes('SmsSent')).length >= 2
        ? JSON.stringify(entries)
        : undefined;
    });
    const archive = filesUnder(join(harness.cloud.dataDir, 'eventbridge'));
    const jobsTable = await tableText('qdn-local-jobs');
    const messagesTable = await tableText('qdn-notifications-local-messages');
    expect(archive).toContain(jobId);
    expect(jobsTable).toContain(jobId);
    for (const token of [firstToken, secondToken]) {
      expect(JSON.stringify(events)).not.toContain(token);
      expect(archive).not.toContain(token);
      expect(jobsTable).not.toContain(token);
      expect(messagesTable).not.toContain(token);
      expect(timeline).not.toContain(token);
    }
    // The job item keeps no URL at all, only the link's id and the token's hash.
    expect(jobsTable).not.toContain('/track/');
  });

  it('given the tracking-link secret rotated, then every earlier link stops working', async () => {
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone: '+16195550192' },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-21', window: 'morning' },
        crewIds: [],
      },
    });
    const token = (created.body.trackingUrl as string).split('/track/')[1]!;
    expect((await apiFrom('127.0.0.10', 'GET', `/track/${token}`)).status).toBe(200);

    const name = '/qdn/local/tracking-link-secret';
    const original = harness.cloud.ssm.get(name)!;
    harness.cloud.ssm.set(name, { ...original, value: 'a-rotated-secret-for-this-test-only' });
    try {
      // Past the functions' cache of the secret (one second on this cloud).
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await apiFrom('127.0.0.10', 'GET', `/track/${token}`)).status).toBe(404);
    } finally {
      harness.cloud.ssm.set(name, original);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
  });
});

describe('texts relayed to the backup team (item 2)', () => {
  it('given one sender texting over their hourly allowance, then Twilio still gets 200, the extra texts are not relayed, and each refusal is recorded', async () => {
    // Given a customer with a confirmed job (so their texts are replies about it)
    const phone = '+16195550193';
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-23', window: 'morning' },
        crewIds: [],
      },
    });
    const { jobId } = created.body.job;

    // When they send five texts in a row (two hours' worth plus one, however the hour falls)
    const bodies = Array.from({ length: 5 }, (_, index) => `Relay test ${index}: is the gate code right?`);
    const answers = [];
    for (const body of bodies) answers.push(await harness.cloud.twilio.sendInbound({ from: phone, body }));

    // Then every webhook is answered 200 (a 429 would only make Twilio retry)
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const events = await harness.eventsUntil(
      jobId,
      (seen) =>
        seen.filter((event) => event['detail-type'] === 'SmsReceived').length === 5 &&
        seen.filter(
          (event) => event['detail-type'] === 'SmsRelayed' || event.detail.data.reason === 'rate-limited',
        ).length === 5,
    );
    const refused = events.filter((event) => event.detail.data.reason === 'rate-limited');
    const relayed = events.filter((event) => event['detail-type'] === 'SmsRelayed');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(relayed.length).toBeLessThanOrEqual(4);
    expect(relayed.length + refused.length).toBe(5);
    expect(refused[0]!.detail.data).toMatchObject({ template: 'relay', audience: 'team' });
    // And the team's phones got exactly the relayed texts, one per team number each
    const toTeam = harness.cloud.twilio
      .messages()
      .filter(
        (message) =>
          ['+16195550101', '+16195550102'].includes(message.to) && message.body.includes('Relay test'),
      );
    expect(toTeam.length).toBe(relayed.length * 2);
    // And the job's timeline says why the rest were not relayed
    const timeline = await eventually(async () => {
      const entries = (await api('GET', `/jobs/${jobId}/timeline`, { role: 'dispatcher' })).body?.entries as
        | Array<Record<string, unknown>>
        | undefined;
      return entries?.filter((entry) => entry.reason === 'rate-limited').length === refused.length && entries;
    });
    expect(timeline.some((entry) => entry.type === 'SmsSuppressed' && entry.reason === 'rate-limited')).toBe(
      true,
    );
  });
});

describe('a rotated tracking link ends its grants (item 8)', () => {
  it("given a customer's grant from their link, when a dispatcher rotates the link, then that grant no longer reads the job's messages or photos nor uploads one, and the new link's grant does", async () => {
    // Given a job and the grant its tracking page holds
    const created = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Mark Soderblom', phone: '+16195550194' },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-21', window: 'morning' },
        crewIds: [],
      },
    });
    const { jobId } = created.body.job;
    const oldToken = (created.body.trackingUrl as string).split('/track/')[1]!;
    const grantThrough = async (token: string) =>
      ((await apiFrom('127.0.0.11', 'GET', `/track/${token}`)).body as { grant: { grant: string } }).grant
        .grant;
    const oldGrant = await grantThrough(oldToken);
    const messagesWith = (grant: string) =>
      api('GET', `/track/jobs/${jobId}/messages`, { headers: { authorization: `Bearer ${grant}` } });
    expect((await messagesWith(oldGrant)).status).toBe(200);

    // When the link is rotated
    const rotated = await api('POST', `/jobs/${jobId}/tracking-link`, { role: 'dispatcher' });
    const newToken = (rotated.body.trackingUrl as string).split('/track/')[1]!;

    // Then the old grant is refused (as soon as the rotation's event has arrived), the new one accepted
    const refused = await eventually(
      async () => {
        const answer = await messagesWith(oldGrant);
        return answer.status === 401 && answer;
      },
      { what: "the old link's grant refused" },
    );
    expect(refused.status).toBe(401);
    const newGrant = await grantThrough(newToken);
    expect((await messagesWith(newGrant)).status).toBe(200);

    // And the media service refuses it too, for the photos and for an upload (it learns the link from the
    // same rotation event); the new link's grant does both.
    const photosWith = (grant: string) =>
      api('GET', `/track/jobs/${jobId}/photos`, { headers: { authorization: `Bearer ${grant}` } });
    const uploadWith = (grant: string) =>
      apiFrom(
        '127.0.0.12',
        'POST',
        `/track/jobs/${jobId}/photos/uploads`,
        { contentType: 'image/jpeg', size: 2048 },
        { authorization: `Bearer ${grant}` },
      );
    const photosRefused = await eventually(
      async () => {
        const answer = await photosWith(oldGrant);
        return answer.status === 401 && answer;
      },
      { what: "the media service refusing the old link's grant" },
    );
    expect(photosRefused.body).toEqual((await messagesWith(oldGrant)).body);
    expect((await uploadWith(oldGrant)).status).toBe(401);
    expect((await photosWith(newGrant)).status).toBe(200);
    expect((await uploadWith(newGrant)).status).toBe(201);
  });
});
