import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  eventually,
  startTestCloud,
  TEST_DRIVER_CREW_ID,
  type TestCloud,
  todayIn,
} from '@qdn/local-cloud/test-harness';
import { DynamoJobRepository } from '../../src/adapters/job-store.ts';
import type { JobRecord } from '../../src/domain/job.ts';

// Arrival for web bookings (issue 19): a booking has an address only; the jobs service geocodes it from
// its own events through the place index (locally the fake's San Diego gazetteer), and "arriving now"
// then reaches the customer like for any job. Everything runs through the local cloud.
let jobs: TestCloud;
let cloud: TestCloud['cloud'];

beforeAll(async () => {
  jobs = await startTestCloud('geocoding', { capture: ['qdn.jobs'] });
  cloud = jobs.cloud;
}, 90_000);

afterAll(async () => {
  await jobs?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => jobs.api(...args);

// Petco Park in the gazetteer (local/src/fakes/san-diego-gazetteer.json), a point ~60 m from it, one 3 km away.
const PETCO = { text: '100 Park Blvd, San Diego, CA 92101', lat: 32.70731, lng: -117.15662 };
const NEAR_PETCO = { lat: 32.7078, lng: -117.1568 };
const DOWNTOWN_FAR = { lat: 32.735, lng: -117.1566 };
const ZOO = { text: '2920 Zoo Dr, San Diego', lat: 32.73531, lng: -117.14904 };

async function aWebBooking(phone: string, address: string) {
  const booked = await api('POST', '/bookings', {
    body: {
      name: 'Lena Ortiz',
      phone,
      address: { text: address },
      serviceType: 'trailer_pickup_and_dump',
      preferredDate: todayIn(),
      window: 'afternoon',
      smsConsent: true,
    },
  });
  expect(booked.status).toBe(201);
  return booked.body.jobId as string;
}

const jobOf = async (jobId: string) => (await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
const coordinatesOf = (jobId: string) =>
  eventually(
    async () => {
      const { address } = await jobOf(jobId);
      return address.lat !== undefined && address;
    },
    { what: `coordinates on ${jobId}` },
  );
const placeSearches = (text: string) =>
  cloud.placeIndex.requests().filter((request) => (request.body as { Text?: string })?.Text === text);
const textsTo = (phone: string) =>
  cloud.twilio.messages().filter((message) => message.to === phone && message.direction === 'outbound-api');

async function failureRecordsOf(jobId: string) {
  const { Items = [] } = await cloud.clients.dynamodb.send(
    new ScanCommand({ TableName: 'qdn-jobs-local-failures' }),
  );
  return Items.map((item) => unmarshall(item)).filter((record) => record.jobId === jobId);
}

describe('geocoding a web booking', () => {
  it('given a web booking with an address only, when the truck comes near, then the customer is texted "arriving now" once', async () => {
    // Prepare: the booking, confirmed for the test driver.
    const phone = '+16195550311';
    const jobId = await aWebBooking(phone, PETCO.text);
    const address = await coordinatesOf(jobId);
    const confirmed = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { crewIds: [TEST_DRIVER_CREW_ID] },
    });
    expect(confirmed.status).toBe(200);
    for (const status of ['scheduled', 'en_route']) {
      const moved = await api('POST', `/jobs/${jobId}/status`, {
        role: status === 'scheduled' ? 'dispatcher' : 'driver',
        body: { status },
      });
      expect(moved.status).toBe(200);
    }
    const setOff = Date.now();
    const at = (ms: number) => new Date(setOff + ms).toISOString();

    // Act: far, then near, then near again.
    const points = [
      await api('POST', `/jobs/${jobId}/locations`, {
        role: 'driver',
        body: { points: [{ ...DOWNTOWN_FAR, recordedAt: at(100) }] },
      }),
      await api('POST', `/jobs/${jobId}/locations`, {
        role: 'driver',
        body: { points: [{ ...NEAR_PETCO, recordedAt: at(200) }] },
      }),
      await api('POST', `/jobs/${jobId}/locations`, {
        role: 'driver',
        body: { points: [{ ...NEAR_PETCO, recordedAt: at(300) }] },
      }),
    ];

    // Assess
    expect(points.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(address).toEqual({
      text: PETCO.text,
      lat: PETCO.lat,
      lng: PETCO.lng,
      geocoded: { label: '100 Park Blvd, San Diego, CA, 92101, USA', relevance: 1, at: expect.any(String) },
    });
    const arriving = await eventually(
      () => textsTo(phone).find((message) => message.body.includes("we're arriving now")),
      { what: 'the arriving text' },
    );
    expect(arriving.body).toContain('Hi Lena');
    await jobs.settled();
    expect(textsTo(phone).filter((message) => message.body.includes('arriving now'))).toHaveLength(1);
    expect(placeSearches(PETCO.text)).toHaveLength(1);
    const events = await jobs.eventsUntil(jobId, (seen) =>
      seen.some((e) => e['detail-type'] === 'JobArriving'),
    );
    const geocoded = events.find((event) => event.detail.meta.version === 2);
    expect(geocoded?.['detail-type']).toBe('JobDetailsChanged');
    expect(geocoded?.detail.data).toMatchObject({
      changedFields: ['address'],
      job: { address: { text: PETCO.text, lat: PETCO.lat, lng: PETCO.lng } },
    });
  });

  it('given an address the place index does not know, then the booking stands without coordinates, the job says so to staff, and the place index is not asked again', async () => {
    // Prepare
    const unknown = '4521 Soderblom Ave, San Diego, CA';

    // Act
    const jobId = await aWebBooking('+16195550312', unknown);
    const marked = await eventually(
      async () => {
        const job = await jobOf(jobId);
        return job.address.notFound !== undefined && job;
      },
      { what: 'the job marked not found' },
    );
    // A later change of the job (the dispatcher's note) doesn't send the same text to the index again.
    const noted = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { notes: 'customer to send a pin' },
    });
    await jobs.settled();

    // Assess
    expect(marked.status).toBe('requested');
    expect(marked.address).toEqual({
      text: unknown,
      notFound: { reason: expect.stringContaining('place index'), at: expect.any(String) },
    });
    // A note for staff, not a change: no new version (nobody's save of what they read is refused).
    expect(marked.version).toBe(1);
    expect(noted.status).toBe(200);
    expect(placeSearches(unknown)).toHaveLength(1);
    // A recorded outcome on the job, not a failure for the operators' review.
    expect(await failureRecordsOf(jobId)).toEqual([]);
    // A corrected address is looked up afresh, and the marker goes with the old text.
    const corrected = '910 N Harbor Dr, San Diego';
    await api('PATCH', `/jobs/${jobId}`, { role: 'dispatcher', body: { address: { text: corrected } } });
    expect(await coordinatesOf(jobId)).toEqual(expect.objectContaining({ text: corrected, lat: 32.71374 }));
    expect((await jobOf(jobId)).address.notFound).toBeUndefined();
  });

  it("given a save of the job as read before the geocoder noted that its address can't be placed, then the note stays and the save is a change of its notes only", async () => {
    // Prepare: the geocoder's note is written without a new version (nobody's save is refused for it),
    // so a write of the job read a moment before it (the hourly expiry, a dispatcher's PATCH) passes
    // the version check. That write must not drop the note, nor publish the address as changed (which
    // set the place index asking again and every consumer acting on a change nobody made).
    const unknown = '77 Nowhere Ln, San Diego';
    const jobId = await aWebBooking('+16195550315', unknown);
    const store = new DynamoJobRepository(
      DynamoDBDocumentClient.from(cloud.clients.dynamodb, {
        marshallOptions: { removeUndefinedValues: true },
      }),
      'qdn-local-jobs',
    );
    const marked = await eventually(
      async () => {
        const job = await store.get(jobId);
        return job?.address.notFound !== undefined && job;
      },
      { what: 'the job marked not found' },
    );
    const { notFound: _note, ...addressAsRead } = marked.address;
    const readBefore: JobRecord = { ...marked, address: addressAsRead };

    // Act
    await store.save(
      {
        ...readBefore,
        notes: 'gate code 4411',
        version: readBefore.version + 1,
        updatedAt: new Date().toISOString(),
        updatedBy: 'dispatcher-test',
      },
      readBefore.version,
      { claim: undefined, release: undefined },
    );
    const events = await jobs.eventsOnceSettled(jobId);

    // Assess
    const saved = await store.get(jobId);
    expect(saved).toMatchObject({ version: 2, notes: 'gate code 4411', address: marked.address });
    const changes = events.filter((event) => event['detail-type'] === 'JobDetailsChanged');
    expect(changes.map((event) => event.detail.data.changedFields)).toEqual([['notes']]);
    expect(placeSearches(unknown)).toHaveLength(1);
  });

  it('given the place index failing twice (503), then the consumer retries and the job gets its coordinates', async () => {
    // Prepare
    await api('POST', '/_local/places/faults', {
      body: { count: 2, status: 503, body: { __type: 'InternalServerException', message: 'down' } },
    });

    // Act
    const jobId = await aWebBooking('+16195550313', ZOO.text);
    const address = await coordinatesOf(jobId);

    // Assess
    expect(address).toMatchObject({ lat: ZOO.lat, lng: ZOO.lng });
    const statuses = placeSearches(ZOO.text).map((request) => request.status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(cloud.placeIndex.pendingFaults()).toEqual([]);
  });

  it('given a dispatcher who moves the address, then the new one is geocoded; given their own coordinates, then none is asked', async () => {
    // Prepare
    const jobId = await aWebBooking('+16195550314', PETCO.text);
    await coordinatesOf(jobId);

    // Act
    const moved = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { address: { text: ZOO.text } },
    });
    const atZoo = await eventually(
      async () => {
        const { address } = await jobOf(jobId);
        return address.text === ZOO.text && address.lat !== undefined && address;
      },
      { what: 'the new address geocoded' },
    );
    const searchesBefore = cloud.placeIndex.requests().length;
    const pinned = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { address: { text: 'Gate 3, Petco Park', lat: 32.7069, lng: -117.157 } },
    });
    await jobs.settled();

    // Assess
    expect(moved.status).toBe(200);
    expect(atZoo).toMatchObject({ lat: ZOO.lat, lng: ZOO.lng });
    expect(pinned.status).toBe(200);
    expect(cloud.placeIndex.requests()).toHaveLength(searchesBefore);
    expect((await jobOf(jobId)).address).toEqual({ text: 'Gate 3, Petco Park', lat: 32.7069, lng: -117.157 });
  });
});
