import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CapturedEvent,
  startTestCloud,
  TEST_DRIVER_CREW_ID,
  type TestCloud,
  todayIn,
} from '@qdn/local-cloud/test-harness';

// GPS telemetry on the local cloud, as a driver's phone, the dashboard and the customer's tracking page
// use it. The bus is watched by a test rule and a queue of our own, to count JobArriving.
let jobs: TestCloud;
let cloud: TestCloud['cloud'];

beforeAll(async () => {
  jobs = await startTestCloud('locations', { capture: ['qdn.jobs'] });
  cloud = jobs.cloud;
}, 90_000);

afterAll(async () => {
  await jobs?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => jobs.api(...args);
/** A job's events in version order, once one satisfying `until` has arrived. */
const eventsUntil = (jobId: string, until: (event: CapturedEvent) => boolean) =>
  jobs.eventsUntil(jobId, (events) => events.some(until));

// The customer's address, a point about 89 m from it and one about 5 km away.
const HOME = { lat: 32.83, lng: -117.14 };
const NEAR = { lat: 32.8308, lng: -117.14 };
const FAR = { lat: 32.875, lng: -117.14 };
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const LOCATIONS_TABLE = 'qdn-local-job-locations';
const UNKNOWN_JOB = 'qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ';

async function aJob(name = 'Mark Soderblom') {
  const created = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name, phone: '+16195550142' },
      address: { text: 'Soderblom Ave, San Diego, CA', ...HOME },
      serviceType: 'trailer_pickup_and_dump',
      // The driver's own job today: a driver posts points only for that.
      schedule: { date: todayIn(), window: 'afternoon' },
      crewIds: [TEST_DRIVER_CREW_ID],
    },
  });
  expect(created.status).toBe(201);
  return {
    jobId: created.body.job.jobId as string,
    trackingToken: (created.body.trackingUrl as string).split('/track/')[1]!,
  };
}

const moveTo = async (jobId: string, status: string) =>
  expect((await api('POST', `/jobs/${jobId}/status`, { role: 'driver', body: { status } })).status).toBe(200);

const postPoints = (jobId: string, points: unknown[]) =>
  api('POST', `/jobs/${jobId}/locations`, { role: 'driver', body: { points } });

describe('location points', () => {
  it('given points posted out of order, when listed, then newest first, and since narrows them', async () => {
    // Prepare
    const { jobId } = await aJob();

    // Act
    const posted = await postPoints(jobId, [
      { ...FAR, recordedAt: secondsAgo(120), speed: 12.5, heading: 180, accuracy: 6 },
      { ...FAR, recordedAt: secondsAgo(30) },
      { ...FAR, recordedAt: secondsAgo(300) },
    ]);
    const all = await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' });
    const recent = await api('GET', `/jobs/${jobId}/locations?since=${encodeURIComponent(secondsAgo(200))}`, {
      role: 'admin',
    });

    // Assess
    expect(posted).toEqual({ status: 202, body: { accepted: 3, expired: 0 } });
    expect(all.status).toBe(200);
    const times = all.body.points.map((point: { recordedAt: string }) => Date.parse(point.recordedAt));
    expect(times).toHaveLength(3);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.body.points[1]).toMatchObject({ ...FAR, speed: 12.5, heading: 180, accuracy: 6 });
    expect(recent.body.points).toHaveLength(2);
  });

  it('given the same batch sent twice (a phone retrying), then each point is stored once', async () => {
    const { jobId } = await aJob();
    const points = [{ ...FAR, recordedAt: secondsAgo(10) }];
    await postPoints(jobId, points);
    expect((await postPoints(jobId, points)).status).toBe(202);
    expect((await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' })).body.points).toHaveLength(
      1,
    );
  });

  it('given a stored point, then it carries a 7-day TTL in a table without a stream', async () => {
    // Prepare
    const { jobId } = await aJob();
    const recordedAt = secondsAgo(60);

    // Act
    await postPoints(jobId, [{ ...FAR, recordedAt }]);

    // Assess
    const [stored] = (await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' })).body.points;
    expect(stored).toMatchObject({ recordedAt, recordedBy: expect.any(String) });
    expect(stored).not.toHaveProperty('expiresAt');
    const { Items = [] } = await cloud.clients.dynamodb.send(
      new QueryCommand({
        TableName: LOCATIONS_TABLE,
        KeyConditionExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': { S: jobId } },
      }),
    );
    expect(Items.map((item) => Number(item.expiresAt?.N))).toEqual([
      Math.ceil((Date.parse(recordedAt) + 7 * 86_400_000) / 1000),
    ]);
    const table = await cloud.clients.dynamodb.send(new DescribeTableCommand({ TableName: LOCATIONS_TABLE }));
    expect(table.Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    const ttl = await cloud.clients.dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: LOCATIONS_TABLE }),
    );
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });

  it('given a point older than 7 days that TTL has not deleted yet, then reads leave it out', async () => {
    // Prepare: DynamoDB deletes expired items up to days late, so one is still in the table.
    const { jobId } = await aJob();
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await cloud.clients.dynamodb.send(
      new PutItemCommand({
        TableName: LOCATIONS_TABLE,
        Item: {
          jobId: { S: jobId },
          pointKey: { S: `${eightDaysAgo}#${FAR.lat},${FAR.lng}` },
          lat: { N: String(FAR.lat) },
          lng: { N: String(FAR.lng) },
          recordedAt: { S: eightDaysAgo },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 86_400) },
        },
      }),
    );
    await postPoints(jobId, [{ ...FAR, recordedAt: secondsAgo(5) }]);

    // Act
    const listed = await api('GET', `/jobs/${jobId}/locations?since=${encodeURIComponent(eightDaysAgo)}`, {
      role: 'dispatcher',
    });

    // Assess
    expect(listed.body.points.map((point: { recordedAt: string }) => point.recordedAt)).not.toContain(
      eightDaysAgo,
    );
    expect(listed.body.points).toHaveLength(1);
  });

  it('given 101 points, then 400 on points and nothing stored', async () => {
    const { jobId } = await aJob();
    const refused = await postPoints(
      jobId,
      Array.from({ length: 101 }, (_, index) => ({ ...FAR, recordedAt: secondsAgo(index) })),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((detail: { field: string }) => detail.field)).toEqual(['body.points']);
    expect((await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' })).body.points).toEqual([]);
  });

  it('given lat 91, then 400 naming that point and nothing stored', async () => {
    const { jobId } = await aJob();
    const refused = await postPoints(jobId, [
      { ...FAR, recordedAt: secondsAgo(5) },
      { lat: 91, lng: -117.14, recordedAt: secondsAgo(1) },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((detail: { field: string }) => detail.field)).toEqual([
      'body.points.1.lat',
    ]);
    expect((await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' })).body.points).toEqual([]);
  });

  it('given an unknown job, then 404 for posting and for listing', async () => {
    expect((await postPoints(UNKNOWN_JOB, [{ ...FAR, recordedAt: secondsAgo(1) }])).status).toBe(404);
    expect((await api('GET', `/jobs/${UNKNOWN_JOB}/locations`, { role: 'dispatcher' })).status).toBe(404);
  });

  it('given no token, then 401; given a driver listing points, then 403', async () => {
    const { jobId } = await aJob();
    const anonymous = await api('POST', `/jobs/${jobId}/locations`, {
      body: { points: [{ ...FAR, recordedAt: secondsAgo(1) }] },
    });
    expect(anonymous.status).toBe(401);
    expect((await api('GET', `/jobs/${jobId}/locations`)).status).toBe(401);
    expect((await api('GET', `/jobs/${jobId}/locations`, { role: 'driver' })).status).toBe(403);
  });
});

describe('arrival', () => {
  it('given a driver en route posting far then near points, then exactly one JobArriving even as near points keep coming', async () => {
    // Prepare
    const { jobId } = await aJob();
    await moveTo(jobId, 'en_route');
    // Points recorded after setting off: earlier ones (a phone's backlog) never count as arriving.
    const setOff = Date.now();
    const afterSettingOff = (ms: number) => new Date(setOff + ms).toISOString();

    // Act
    await postPoints(jobId, [
      { ...FAR, recordedAt: afterSettingOff(100) },
      { ...FAR, recordedAt: afterSettingOff(200) },
    ]);
    expect((await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job.arrivingAt).toBeUndefined();
    expect((await postPoints(jobId, [{ ...NEAR, recordedAt: afterSettingOff(300) }])).status).toBe(202);
    const more = await Promise.all([
      postPoints(jobId, [{ ...NEAR, recordedAt: afterSettingOff(400) }]),
      postPoints(jobId, [{ ...HOME, recordedAt: afterSettingOff(500) }]),
    ]);
    await moveTo(jobId, 'arrived');

    // Assess
    expect(more.map((answer) => answer.status)).toEqual([202, 202]);
    const events = await eventsUntil(
      jobId,
      (event) => event['detail-type'] === 'JobStatusChanged' && event.detail.data.status === 'arrived',
    );
    expect(events.map((event) => [event['detail-type'], event.detail.meta.version])).toEqual([
      ['JobCreated', 1],
      ['JobStatusChanged', 2],
      ['JobArriving', 3],
      ['JobStatusChanged', 4],
    ]);
    expect(events[2]?.detail.data).toMatchObject({ distanceMeters: 89, job: { jobId, status: 'en_route' } });
  });

  it('given a job not yet en route, when a near point comes in, then no JobArriving', async () => {
    const { jobId } = await aJob();
    await postPoints(jobId, [{ ...NEAR, recordedAt: secondsAgo(1) }]);
    await moveTo(jobId, 'en_route');
    const events = await eventsUntil(jobId, (event) => event['detail-type'] === 'JobStatusChanged');
    expect(events.map((event) => event['detail-type'])).toEqual(['JobCreated', 'JobStatusChanged']);
    expect((await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job.arrivingAt).toBeUndefined();
  });
});

describe('the tracking view', () => {
  it('given a truck en route, then the customer sees its last location, and no longer once it has arrived', async () => {
    // Prepare
    const { jobId, trackingToken } = await aJob('Ana Ruiz');
    await postPoints(jobId, [{ ...FAR, recordedAt: secondsAgo(3) }]);
    const beforeSettingOff = await api('GET', `/track/${trackingToken}`);
    await moveTo(jobId, 'en_route');

    // Act
    await postPoints(jobId, [
      { ...FAR, recordedAt: secondsAgo(2), heading: 180, speed: 11 },
      { ...FAR, lat: 32.87, recordedAt: secondsAgo(1), heading: 175, speed: 11 },
    ]);
    const onTheWay = await api('GET', `/track/${trackingToken}`);
    await moveTo(jobId, 'arrived');
    const arrived = await api('GET', `/track/${trackingToken}`);

    // Assess
    expect(beforeSettingOff.body.job.lastLocation).toBeUndefined();
    expect(onTheWay.status).toBe(200);
    expect(onTheWay.body.job).toMatchObject({
      status: 'en_route',
      lastLocation: { lat: 32.87, lng: FAR.lng, heading: 175 },
    });
    expect(onTheWay.body.job.lastLocation).not.toHaveProperty('speed');
    // Its map: a static map image of that point with the site's maps key (DescribeKey), from the local
    // stand-in for Amazon Location's GetStaticMap.
    const mapImage = await fetch(onTheWay.body.job.mapImageUrl);
    expect(onTheWay.body.job.mapImageUrl).toContain(
      '/v2/static/map@2x?style=Satellite&center=-117.1400%2C32.8700',
    );
    expect(mapImage.status).toBe(200);
    expect(mapImage.headers.get('content-type')).toBe('image/svg+xml');
    expect(arrived.body.job).not.toHaveProperty('mapImageUrl');
    expect(arrived.status).toBe(200);
    expect(arrived.body.job.status).toBe('arrived');
    expect(arrived.body.job.lastLocation).toBeUndefined();
  });

  it('given an en-route truck whose last point is over 10 minutes old, then no location is shown', async () => {
    const { jobId, trackingToken } = await aJob();
    await moveTo(jobId, 'en_route');
    await postPoints(jobId, [{ ...FAR, recordedAt: secondsAgo(11 * 60) }]);
    const view = await api('GET', `/track/${trackingToken}`);
    expect(view.body.job.status).toBe('en_route');
    expect(view.body.job.lastLocation).toBeUndefined();
  });
});
