import { describe, expect, it } from '@jest/globals';
import { JobArriving, JobOnBus } from '@qdn/shared/events';
import { eventsForJobChange, type JobRecord, jobOnBus } from '../../src/domain/job-events.ts';

function aJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: 'qdn_01JDEMO',
    brandId: 'qdn',
    version: 1,
    status: 'scheduled',
    serviceType: 'trailer_pickup_and_dump',
    customer: { name: 'Mark Soderblom', phone: '+16195550123' },
    address: { text: '4120 Soderblom Ave, San Diego' },
    schedule: { date: '2026-12-01', window: 'afternoon' },
    crewIds: [],
    priceCents: 60000,
    private: { revenueSplit: '70/30', internalNotes: 'tips well' },
    updatedAt: '2026-11-22T12:00:00.000Z',
    updatedBy: 'dispatcher-1',
    ...overrides,
  };
}

describe('jobOnBus', () => {
  it('given a job with private fields, when projected, then none of them travel and the schema accepts it', () => {
    const projected = jobOnBus(aJob());
    expect(JSON.stringify(projected)).not.toMatch(/revenueSplit|internalNotes|tips well/);
    expect(JobOnBus.parse(projected).customer.firstName).toBe('Mark');
  });
});

describe('eventsForJobChange', () => {
  it('given a new job, then JobCreated with a stable event id and the actor', () => {
    const [event, ...rest] = eventsForJobChange(undefined, aJob());
    expect(rest).toEqual([]);
    expect(event?.detailType).toBe('JobCreated');
    expect(event?.detail.meta).toMatchObject({
      eventId: 'qdn_01JDEMO:1:JobCreated',
      actor: 'dispatcher-1',
      version: 1,
    });
  });

  it('given a status move, then JobStatusChanged with the previous status', () => {
    const events = eventsForJobChange(aJob(), aJob({ version: 2, status: 'en_route', etaMinutes: 20 }));
    expect(events.map((event) => event.detailType)).toEqual(['JobStatusChanged']);
    expect(events[0]?.detail.data).toMatchObject({ previousStatus: 'scheduled', status: 'en_route' });
  });

  it('given a reschedule, a crew change and a new address in one write, then one event of each kind', () => {
    const after = aJob({
      version: 2,
      schedule: { date: '2026-12-02', window: 'morning' },
      crewIds: ['crew-ana'],
      address: { text: '1 Harbor Dr' },
    });
    const events = eventsForJobChange(aJob(), after);
    expect(events.map((event) => event.detailType)).toEqual([
      'JobScheduleChanged',
      'JobAssignmentChanged',
      'JobDetailsChanged',
    ]);
    expect(events[2]?.detail.data).toMatchObject({ changedFields: ['address'] });
  });

  it('given only a private field changed, then no event at all', () => {
    const events = eventsForJobChange(aJob(), aJob({ version: 2, private: { internalNotes: 'changed' } }));
    expect(events).toEqual([]);
  });

  it('given a stale image (version not newer) or a deletion, then nothing', () => {
    expect(eventsForJobChange(aJob({ version: 3 }), aJob({ version: 3, status: 'complete' }))).toEqual([]);
    expect(eventsForJobChange(aJob(), undefined)).toEqual([]);
  });
});

describe('JobArriving', () => {
  const enRoute = (overrides: Partial<JobRecord> = {}) =>
    aJob({ version: 2, status: 'en_route', ...overrides });

  it('given an en-route job whose arrival was just recorded, then one JobArriving with the distance', () => {
    // Act
    const events = eventsForJobChange(
      enRoute(),
      enRoute({ version: 3, arrivingAt: '2026-12-01T20:10:00.000Z', arrivingDistanceMeters: 88 }),
    );

    // Assess
    expect(events.map((event) => event.detailType)).toEqual(['JobArriving']);
    expect(events[0]?.detail.meta).toMatchObject({ eventId: 'qdn_01JDEMO:3:JobArriving', version: 3 });
    expect(events[0]?.detail.data).toMatchObject({ distanceMeters: 88, job: { status: 'en_route' } });
    expect(JobArriving.safeParse(events[0]?.detail).success).toBe(true);
  });

  it('given a job that was already arriving, when it changes again, then no second JobArriving', () => {
    const arriving = enRoute({
      version: 3,
      arrivingAt: '2026-12-01T20:10:00.000Z',
      arrivingDistanceMeters: 88,
    });
    const events = eventsForJobChange(arriving, { ...arriving, version: 4, etaMinutes: 2 });
    expect(events.map((event) => event.detailType)).not.toContain('JobArriving');
  });

  it('given a job that is not en route, when arrivingAt appears, then no JobArriving', () => {
    const events = eventsForJobChange(
      aJob({ version: 2, status: 'arrived' }),
      aJob({ version: 3, status: 'arrived', arrivingAt: '2026-12-01T20:10:00.000Z' }),
    );
    expect(events).toEqual([]);
  });

  it('given the same stream record read twice, then the same event id (a retry is recognisable)', () => {
    const before = enRoute();
    const after = enRoute({ version: 3, arrivingAt: '2026-12-01T20:10:00.000Z' });
    expect(eventsForJobChange(before, after)[0]?.detail.meta.eventId).toBe(
      eventsForJobChange(before, after)[0]?.detail.meta.eventId,
    );
  });
});
