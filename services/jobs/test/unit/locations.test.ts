import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import { NotFoundError, ValidationError } from '@qdn/shared/errors';
import { type Arrival, arrivalOf } from '../../src/domain/arrival.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import { ListLocationsQuery, LocationsInput } from '../../src/domain/job-input.ts';
import {
  expiresAtFor,
  type LocationLog,
  lastLocationForCustomer,
  readableFrom,
  type StoredLocationPoint,
  withinRetention,
} from '../../src/domain/job-locations.ts';
import { listLocations, recordLocations } from '../../src/domain/location-commands.ts';
import type { JobRepository } from '../../src/domain/ports.ts';
import { trackingView } from '../../src/domain/tracking-view.ts';
import { jobRecord } from './fakes.ts';

const brands = testBrands;
const NOW = new Date('2026-12-01T20:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

// The customer's address, a point 88 m north of it and one about 5 km away.
const HOME = { lat: 32.83, lng: -117.14 };
const NEAR = { lat: 32.8308, lng: -117.14 };
const FAR = { lat: 32.875, lng: -117.14 };

/** The shared job record (./fakes.ts) on its way for half an hour, at the address above. */
const job = (overrides: Partial<JobRecord> = {}): JobRecord =>
  jobRecord({
    version: 2,
    status: 'en_route',
    address: { text: 'Soderblom Ave, San Diego, CA', ...HOME },
    statusHistory: [
      { status: 'scheduled', at: daysAgo(3), by: 'dispatcher-1' },
      { status: 'en_route', at: minutesAgo(30), by: 'driver-1' },
    ],
    updatedAt: minutesAgo(30),
    ...overrides,
  });

const point = (at: string, where = FAR) => ({ ...where, recordedAt: at });

describe('the 7-day retention', () => {
  it('given points on both sides of 7 days, when read, then only the last 7 days come back', () => {
    const points = [point(minutesAgo(1)), point(daysAgo(6.9)), point(daysAgo(7.1)), point(daysAgo(30))];
    expect(withinRetention(points, NOW).map((kept) => kept.recordedAt)).toEqual([
      minutesAgo(1),
      daysAgo(6.9),
    ]);
  });

  it('given a since older than 7 days or none, then reads start 7 days back; a later since is kept', () => {
    expect(readableFrom(undefined, NOW)).toBe(daysAgo(7));
    expect(readableFrom(daysAgo(30), NOW)).toBe(daysAgo(7));
    expect(readableFrom('2026-12-01T11:30:00-08:00', NOW)).toBe('2026-12-01T19:30:00.000Z');
  });

  it('given a point, then it expires 7 days after it was recorded (epoch seconds, for DynamoDB TTL)', () => {
    expect(expiresAtFor(point('2026-12-01T20:00:00.000Z'))).toBe(Date.parse('2026-12-08T20:00:00Z') / 1000);
  });
});

describe('the last location on the tracking view', () => {
  it('given an en-route job and a point under 10 minutes old, then the customer sees it', () => {
    expect(lastLocationForCustomer(job(), { ...point(minutesAgo(9.9)), heading: 90 }, NOW)).toEqual({
      ...FAR,
      heading: 90,
      recordedAt: minutesAgo(9.9),
    });
  });

  it('given a point 10 minutes old or more, then nothing is shown', () => {
    expect(lastLocationForCustomer(job(), point(minutesAgo(10)), NOW)).toBeUndefined();
    expect(lastLocationForCustomer(job(), point(minutesAgo(45)), NOW)).toBeUndefined();
  });

  it.each(['scheduled', 'arrived', 'complete', 'cancelled'] as const)(
    'given a %s job and a fresh point, then nothing is shown',
    (status) => {
      expect(lastLocationForCustomer(job({ status }), point(minutesAgo(1)), NOW)).toBeUndefined();
    },
  );

  it('given the tracking view, then the last location appears only under the same rule, without speed or accuracy', () => {
    const fresh = { ...point(minutesAgo(2)), speed: 13, accuracy: 5 };
    const shown = trackingView(job(), brands.get('qdn'), { lastPoint: fresh, now: NOW });
    const arrived = trackingView(job({ status: 'arrived' }), brands.get('qdn'), {
      lastPoint: fresh,
      now: NOW,
    });
    expect(shown.job.lastLocation).toEqual({ ...FAR, recordedAt: minutesAgo(2) });
    expect(arrived.job.lastLocation).toBeUndefined();
    expect(JSON.stringify(shown)).not.toMatch(/speed|accuracy/);
  });
});

describe('arrival', () => {
  it('given an en-route job and points far then near, then the truck is arriving from the first near point', () => {
    const arrival = arrivalOf(
      job(),
      [point(minutesAgo(1), NEAR), point(minutesAgo(5)), point(minutesAgo(2), NEAR)],
      150,
    );
    expect(arrival).toEqual({ arrivingAt: minutesAgo(2), distanceMeters: 89 });
  });

  it('given only points beyond the radius, then not arriving', () => {
    expect(arrivalOf(job(), [point(minutesAgo(1))], 150)).toBeUndefined();
    expect(arrivalOf(job(), [point(minutesAgo(1), NEAR)], 50)).toBeUndefined();
  });

  it('given a job that is not en route or is already arriving, then nothing new', () => {
    const near = [point(minutesAgo(1), NEAR)];
    expect(arrivalOf(job({ status: 'scheduled' }), near, 150)).toBeUndefined();
    expect(arrivalOf(job({ status: 'arrived' }), near, 150)).toBeUndefined();
    expect(arrivalOf(job({ arrivingAt: minutesAgo(3) }), near, 150)).toBeUndefined();
  });

  it('given a near point recorded before the truck set off (a phone backlog), then it does not count', () => {
    expect(arrivalOf(job(), [point(minutesAgo(31), NEAR)], 150)).toBeUndefined();
  });
});

describe('location input', () => {
  const valid = { lat: 32.83, lng: -117.14, recordedAt: NOW.toISOString() };

  it('given 100 points, then accepted; given 101 or none, then refused on points', () => {
    expect(LocationsInput.safeParse({ points: Array(100).fill(valid) }).success).toBe(true);
    const tooMany = LocationsInput.safeParse({ points: Array(101).fill(valid) });
    const none = LocationsInput.safeParse({ points: [] });
    expect(tooMany.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['points']);
    expect(none.success).toBe(false);
  });

  it('given lat 91, lng 181, an unknown field or a recordedAt that is not a time, then each is named', () => {
    const result = LocationsInput.safeParse({
      points: [
        { ...valid, lat: 91 },
        { ...valid, lng: 181 },
        { ...valid, altitude: 3 },
        { ...valid, recordedAt: 'now' },
      ],
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'points.0.lat',
      'points.1.lng',
      'points.2',
      'points.3.recordedAt',
    ]);
  });

  it('given a list query, then since must be a time and limit defaults to 1000', () => {
    expect(ListLocationsQuery.parse({})).toEqual({ limit: 1000 });
    expect(ListLocationsQuery.safeParse({ since: 'yesterday' }).success).toBe(false);
  });
});

/** In-memory stand-ins for the two tables: just enough to watch the commands' decisions. */
function fakes(stored: JobRecord | undefined) {
  const points: StoredLocationPoint[] = [];
  const arrivals: Arrival[] = [];
  let current = stored;
  const repository = {
    get: async () => current,
    recordArrival: async (_jobId: string, arrival: Arrival) => {
      if (current?.status !== 'en_route' || current.arrivingAt) return false;
      current = { ...current, version: current.version + 1, arrivingAt: arrival.arrivingAt };
      arrivals.push(arrival);
      return true;
    },
  } as unknown as JobRepository;
  const locations: LocationLog = {
    record: async (_jobId, batch) => {
      points.push(...batch);
    },
    list: async (_jobId, from, limit) =>
      points
        .filter((kept) => kept.recordedAt >= from)
        .toSorted((a, b) => b.recordedAt.localeCompare(a.recordedAt))
        .slice(0, limit),
    latest: async () => points.at(-1),
  };
  const context = {
    repository,
    locations,
    now: () => NOW,
    arrivalRadiusMeters: 150,
    timeZoneOf: async () => 'America/Los_Angeles',
  };
  return { context, points, arrivals };
}

const driver = { userId: 'driver-1', roles: ['driver' as const], crewId: 'crew_ana' };
const dispatcher = { userId: 'dispatcher-1', roles: ['dispatcher' as const] };

describe('recording locations', () => {
  it('given far then near batches and more near points after, then the arrival is recorded once', async () => {
    // Prepare
    const { context, points, arrivals } = fakes(job());

    // Act
    await recordLocations(context, 'qdn_x', { points: [point(minutesAgo(3))] }, driver);
    await recordLocations(context, 'qdn_x', { points: [point(minutesAgo(2), NEAR)] }, driver);
    const last = await recordLocations(context, 'qdn_x', { points: [point(minutesAgo(1), NEAR)] }, driver);

    // Assess
    expect(last).toEqual({ accepted: 1, expired: 0 });
    expect(points).toHaveLength(3);
    expect(points[0]).toMatchObject({ recordedBy: 'driver-1', expiresAt: expiresAtFor(points[0]!) });
    expect(arrivals).toEqual([{ arrivingAt: minutesAgo(2), distanceMeters: 89 }]);
  });

  it('given points older than 7 days, then they are not stored and counted as expired', async () => {
    const { context, points } = fakes(job());
    const answer = await recordLocations(
      context,
      'qdn_x',
      { points: [point(daysAgo(8)), point(minutesAgo(1))] },
      driver,
    );
    expect(answer).toEqual({ accepted: 1, expired: 1 });
    expect(points.map((kept) => kept.recordedAt)).toEqual([minutesAgo(1)]);
  });

  it('given a point from the future beyond clock skew, then 400 on that point and nothing stored', async () => {
    const { context, points } = fakes(job());
    const future = new Date(NOW.getTime() + 10 * 60_000).toISOString();
    const refused = recordLocations(
      context,
      'qdn_x',
      { points: [point(minutesAgo(1)), point(future)] },
      driver,
    );
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      details: [{ field: 'body.points.1.recordedAt', message: 'must not be in the future' }],
    });
    expect(points).toEqual([]);
  });

  it('given an unknown job, then 404 and nothing stored', async () => {
    const { context, points } = fakes(undefined);
    await expect(
      recordLocations(context, 'qdn_x', { points: [point(minutesAgo(1))] }, driver),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(listLocations(context, 'qdn_x', { limit: 10 }, dispatcher)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(points).toEqual([]);
  });

  it.each([
    ['another crew', { userId: 'driver-2', roles: ['driver' as const], crewId: 'crew_bo' }, job()],
    ['no crew id', { userId: 'driver-3', roles: ['driver' as const] }, job()],
    ['tomorrow', driver, job({ schedule: { date: '2026-12-02', window: 'morning' } })],
    ['yesterday', driver, job({ schedule: { date: '2026-11-30', window: 'morning' } })],
  ])(
    "given a driver and a job that is not theirs today (%s), then the unknown job's 404 and nothing stored",
    async (_case, who, theirs) => {
      const { context, points, arrivals } = fakes(theirs);
      await expect(
        recordLocations(context, 'qdn_x', { points: [point(minutesAgo(1), NEAR)] }, who),
      ).rejects.toThrow('Job not found');
      expect(points).toEqual([]);
      expect(arrivals).toEqual([]);
    },
  );

  it('given a multi-day rental assigned to the driver, then every day of it is theirs', async () => {
    const { context, points } = fakes(job({ schedule: { date: '2026-11-29', endDate: '2026-12-03' } }));
    await recordLocations(context, 'qdn_x', { points: [point(minutesAgo(1))] }, driver);
    expect(points).toHaveLength(1);
  });

  it('given stored points, when listed since a time, then newest first without the TTL attribute', async () => {
    const { context } = fakes(job());
    await recordLocations(
      context,
      'qdn_x',
      { points: [point(minutesAgo(20)), point(minutesAgo(5)), point(minutesAgo(10))] },
      driver,
    );
    const listed = await listLocations(context, 'qdn_x', { since: minutesAgo(15), limit: 10 }, dispatcher);
    expect(listed.map((kept) => kept.recordedAt)).toEqual([minutesAgo(5), minutesAgo(10)]);
    expect(listed[0]).not.toHaveProperty('expiresAt');
  });
});
