import { describe, expect, it } from '@jest/globals';
import { JobArriving, JobOnBus } from '@qdn/shared/events';
import { eventsForJobChange, type JobRecord, jobOnBus } from '../../src/domain/job-events.ts';
import { jobRecord } from './fakes.ts';

/** The shared job record (./fakes.ts) with a price, private fields and who changed it last. */
function aJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return jobRecord({
    jobId: 'qdn_01JDEMO',
    customer: { name: 'Mark Soderblom', phone: '+16195550123' },
    address: { text: '4120 Soderblom Ave, San Diego' },
    crewIds: [],
    priceCents: 60000,
    private: { revenueSplit: '70/30', internalNotes: 'tips well' },
    updatedAt: '2026-11-22T12:00:00.000Z',
    updatedBy: 'dispatcher-1',
    ...overrides,
  });
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

describe('the job on the bus, field by field', () => {
  it('given a job with every optional field, then each travels as stored and the schema accepts it', () => {
    const charter = { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 };
    const projected = jobOnBus(
      aJob({
        address: { text: 'Dock C', lat: 32.72, lng: -117.19 },
        trailerId: 'T-7',
        paymentMethod: 'zelle',
        invoiceUrl: 'https://pay.example.com/i/42',
        notes: 'gate 4471',
        crewNotes: 'cake on board',
        etaMinutes: 15,
        trackingLinkId: 'link-3',
        charter,
      }),
    );
    expect(projected).toEqual({
      jobId: 'qdn_01JDEMO',
      brandId: 'qdn',
      version: 1,
      status: 'scheduled',
      serviceType: 'trailer_pickup_and_dump',
      customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550123' },
      address: { text: 'Dock C', lat: 32.72, lng: -117.19 },
      schedule: { date: '2026-12-01', window: 'afternoon' },
      trailerId: 'T-7',
      crewIds: [],
      priceCents: 60000,
      paymentMethod: 'zelle',
      invoiceUrl: 'https://pay.example.com/i/42',
      notes: 'gate 4471',
      crewNotes: 'cake on board',
      etaMinutes: 15,
      trackingLinkId: 'link-3',
      charter,
    });
    expect(JobOnBus.safeParse(projected).success).toBe(true);
  });

  it('given a job stored without crew or price, then no crew and no price on the bus', () => {
    const { crewIds: _crewIds, priceCents: _price, ...bare } = aJob();
    const projected = jobOnBus(bare as JobRecord);
    expect(projected.crewIds).toEqual([]);
    expect(projected).not.toHaveProperty('priceCents');
    expect(JobOnBus.safeParse(projected).success).toBe(true);
  });
});

describe('status corrections, assignments and links', () => {
  it('given a step back with a reason, then JobStatusChanged is a correction carrying the reason', () => {
    const after = aJob({
      version: 3,
      status: 'scheduled',
      statusHistory: [{ status: 'scheduled', at: 'x', by: 'd', correction: true, reason: 'mis-tap' }],
    });
    const [event] = eventsForJobChange(aJob({ version: 2, status: 'en_route' }), after);
    expect(event?.detail.data).toMatchObject({
      previousStatus: 'en_route',
      status: 'scheduled',
      correction: true,
      reason: 'mis-tap',
    });
  });

  it('given a trailer swap, then JobAssignmentChanged names the previous trailer and crew', () => {
    const before = aJob({ trailerId: 'T-7', crewIds: ['crew-ana'] });
    const [event] = eventsForJobChange(before, { ...before, version: 2, trailerId: 'T-8' });
    expect(event?.detailType).toBe('JobAssignmentChanged');
    expect(event?.detail.data).toMatchObject({
      previous: { trailerId: 'T-7', crewIds: ['crew-ana'] },
      job: { trailerId: 'T-8' },
    });
  });

  it('given a first crew on a job stored without crew ids, then the previous crew is none', () => {
    const { crewIds: _crewIds, ...before } = aJob();
    const [event] = eventsForJobChange(before as JobRecord, aJob({ version: 2, crewIds: ['crew-ana'] }));
    expect(event?.detail.data).toMatchObject({ previous: { crewIds: [] } });
    expect(event?.detail.data).not.toHaveProperty('previous.trailerId');
  });

  it('given a rotated link, then the old link id is revoked and the new one issued, by id only', () => {
    const events = eventsForJobChange(
      aJob({ trackingLinkId: 'link-1', trackingTokenHash: 'hash-1' }),
      aJob({ version: 2, trackingLinkId: 'link-2', trackingTokenHash: 'hash-2' }),
    );
    expect(events.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['TrackingLinkRevoked', { jobId: 'qdn_01JDEMO', linkId: 'link-1', reason: 'rotated' }],
      ['TrackingLinkIssued', { jobId: 'qdn_01JDEMO', linkId: 'link-2' }],
    ]);
  });

  it('given a job from before link ids (a hash only), then its old link is revoked without an id; a first link is only issued', () => {
    const legacy = eventsForJobChange(
      aJob({ trackingTokenHash: 'hash-0' }),
      aJob({ version: 2, trackingLinkId: 'link-1', trackingTokenHash: 'hash-1' }),
    );
    expect(legacy.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['TrackingLinkRevoked', { jobId: 'qdn_01JDEMO', reason: 'rotated' }],
      ['TrackingLinkIssued', { jobId: 'qdn_01JDEMO', linkId: 'link-1' }],
    ]);
    const first = eventsForJobChange(aJob(), aJob({ version: 2, trackingLinkId: 'link-1' }));
    expect(first.map((event) => event.detailType)).toEqual(['TrackingLinkIssued']);
  });
});
