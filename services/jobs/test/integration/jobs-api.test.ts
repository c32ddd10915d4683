import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, TEST_DRIVER_CREW_ID, type TestCloud, todayIn } from '@qdn/local-cloud/test-harness';
import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import { verifyTrackingGrant } from '@qdn/shared/tracking-grant';

// The jobs API on the local cloud, as the dashboard, a driver's phone and the public site use it; the
// events it publishes are captured by a test rule on the bus and a queue of our own.
let jobs: TestCloud;
let cloud: TestCloud['cloud'];
let tokens: TestCloud['tokens'];

beforeAll(async () => {
  jobs = await startTestCloud('jobs', { capture: ['qdn.jobs'] });
  ({ cloud, tokens } = jobs);
}, 90_000);

afterAll(async () => {
  await jobs?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => jobs.api(...args);
const eventsFor = (jobId: string, count: number) => jobs.eventsFor(jobId, count);

const newJob = (overrides: Record<string, unknown> = {}) => ({
  customer: { name: 'Mark Soderblom', phone: '(619) 555-0142' },
  address: { text: 'Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
  serviceType: 'trailer_pickup_and_dump',
  schedule: { date: '2026-12-01', window: 'afternoon' },
  priceCents: 60000,
  paymentMethod: 'zelle',
  crewIds: [],
  notes: 'gate code 1234',
  ...overrides,
});

describe('jobs API', () => {
  it('given an admin, when a job is created with private fields, then 201 with the job, its link, and JobCreated without them', async () => {
    // Act
    const created = await api('POST', '/jobs', {
      role: 'admin',
      body: newJob({
        private: { revenueSplit: '70/30', captainFeeCents: 0, internalNotes: 'repeat customer' },
      }),
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.job).toMatchObject({
      status: 'scheduled',
      version: 1,
      brandId: 'qdn',
      customer: { phone: '+16195550142' },
      private: { revenueSplit: '70/30' },
    });
    expect(created.body.job.jobId).toMatch(/^qdn_[0-9A-Z]{26}$/);
    expect(created.body.trackingUrl).toMatch(new RegExp(`^${cloud.siteUrl}/track/[A-Za-z0-9_-]{32}$`));
    const [event] = await eventsFor(created.body.job.jobId, 1);
    expect(event?.['detail-type']).toBe('JobCreated');
    expect(JSON.stringify(event)).not.toMatch(/revenueSplit|repeat customer|70\/30/);
  });

  it('given a dispatcher, when sending private fields, then 403 and nothing is stored', async () => {
    const refused = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ private: { internalNotes: 'x' } }),
    });
    expect(refused.status).toBe(403);
    const board = await api('GET', '/jobs?date=2026-12-01', { role: 'dispatcher' });
    expect(board.body.jobs.every((job: { private?: unknown }) => job.private === undefined)).toBe(true);
  });

  it('given an admin emptying private fields, when patched with null, then they are gone on the next read', async () => {
    const { body } = await api('POST', '/jobs', {
      role: 'admin',
      body: newJob({ private: { revenueSplit: '70/30', captainFeeCents: 5000, internalNotes: 'old' } }),
    });
    const jobId = body.job.jobId;
    const patch = (changes: Record<string, unknown>) =>
      api('PATCH', `/jobs/${jobId}`, { role: 'admin', body: { private: changes } });

    expect((await patch({ captainFeeCents: null, internalNotes: null })).status).toBe(200);
    expect((await api('GET', `/jobs/${jobId}`, { role: 'admin' })).body.job.private).toEqual({
      revenueSplit: '70/30',
    });
    expect((await patch({ revenueSplit: null })).status).toBe(200);
    expect((await api('GET', `/jobs/${jobId}`, { role: 'admin' })).body.job.private).toEqual({});
  });

  it('given a job, when it moves through its statuses with a double tap, then one event per real move with rising versions', async () => {
    // Prepare
    const { body } = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ schedule: { date: todayIn(), window: 'morning' }, crewIds: [TEST_DRIVER_CREW_ID] }),
    });
    const jobId = body.job.jobId;

    // Act
    expect(
      (
        await api('POST', `/jobs/${jobId}/status`, {
          role: 'driver',
          body: { status: 'en_route', etaMinutes: 25 },
        })
      ).status,
    ).toBe(200);
    const doubleTap = await api('POST', `/jobs/${jobId}/status`, {
      role: 'driver',
      body: { status: 'en_route' },
    });
    expect(
      (await api('POST', `/jobs/${jobId}/status`, { role: 'driver', body: { status: 'arrived' } })).status,
    ).toBe(200);
    const done = await api('POST', `/jobs/${jobId}/status`, { role: 'driver', body: { status: 'complete' } });

    // Assess
    expect(doubleTap.status).toBe(200);
    expect(doubleTap.body.job.version).toBe(2);
    expect(done.body.job).toMatchObject({ status: 'complete', version: 4 });
    const events = await eventsFor(jobId, 4);
    expect(
      events.map((event) => [event['detail-type'], event.detail.meta.version, event.detail.data.status]),
    ).toEqual([
      ['JobCreated', 1, undefined],
      ['JobStatusChanged', 2, 'en_route'],
      ['JobStatusChanged', 3, 'arrived'],
      ['JobStatusChanged', 4, 'complete'],
    ]);
    expect(events[1]?.detail.data).toMatchObject({
      previousStatus: 'scheduled',
      correction: false,
      job: { etaMinutes: 25 },
    });
  });

  it('given a complete job, when moved again, then 409 with the allowed moves', async () => {
    const { body } = await api('POST', '/jobs', { role: 'dispatcher', body: newJob() });
    const refused = await api('POST', `/jobs/${body.job.jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'complete' },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details).toEqual([{ allowed: ['en_route', 'cancelled'] }]);
  });

  it('given a mis-tap, when a dispatcher corrects it with a reason, then the event says it is a correction', async () => {
    const { body } = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ schedule: { date: todayIn(), window: 'morning' }, crewIds: [TEST_DRIVER_CREW_ID] }),
    });
    const jobId = body.job.jobId;
    await api('POST', `/jobs/${jobId}/status`, { role: 'driver', body: { status: 'en_route' } });
    const noReason = await api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'scheduled' },
    });
    expect(noReason.status).toBe(400);
    const byDriver = await api('POST', `/jobs/${jobId}/status`, {
      role: 'driver',
      body: { status: 'scheduled', reason: 'oops' },
    });
    expect(byDriver.status).toBe(403);
    const corrected = await api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'scheduled', reason: 'driver tapped the wrong job' },
    });
    expect(corrected.status).toBe(200);
    const events = await eventsFor(jobId, 3);
    expect(events[2]?.detail.data).toMatchObject({
      status: 'scheduled',
      correction: true,
      reason: 'driver tapped the wrong job',
    });
  });

  it('given a stale expectedVersion, when patched, then 409 with the current version and no change', async () => {
    const { body } = await api('POST', '/jobs', { role: 'dispatcher', body: newJob() });
    const jobId = body.job.jobId;
    expect(
      (
        await api('PATCH', `/jobs/${jobId}`, {
          role: 'dispatcher',
          body: { notes: 'first', expectedVersion: 1 },
        })
      ).status,
    ).toBe(200);
    const stale = await api('PATCH', `/jobs/${jobId}`, {
      role: 'dispatcher',
      body: { notes: 'second', expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.details).toEqual([{ field: 'expectedVersion', currentVersion: 2 }]);
    expect((await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job.notes).toBe('first');
  });

  it('given a trailer booked on overlapping dates, when assigned to another job, then 409 naming the conflicting job', async () => {
    const rental = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({
        serviceType: 'trailer_drop',
        trailerId: 'T2',
        schedule: { date: '2026-12-10', window: 'morning', endDate: '2026-12-12' },
      }),
    });
    expect(rental.status).toBe(201);
    const other = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ schedule: { date: '2026-12-12', window: 'afternoon' } }),
    });
    const clash = await api('PATCH', `/jobs/${other.body.job.jobId}`, {
      role: 'dispatcher',
      body: { trailerId: 'T2' },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.details[0]).toMatchObject({
      trailerId: 'T2',
      day: '2026-12-12',
      conflictingJobId: rental.body.job.jobId,
    });
    const elsewhere = await api('PATCH', `/jobs/${other.body.job.jobId}`, {
      role: 'dispatcher',
      body: { trailerId: 'T3' },
    });
    expect(elsewhere.status).toBe(200);
  });

  it('given a customer opening their link twice (and the page refreshing), then staff see 2 opens and the time of the last; a rotated link starts at none', async () => {
    const { body } = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ customer: { name: 'Ana Ruiz', phone: '+16195550151' } }),
    });
    const token = body.trackingUrl.split('/track/')[1];
    const before = await api('GET', `/jobs/${body.job.jobId}`, { role: 'dispatcher' });
    const firstOpen = await api('GET', `/track/${token}?open=1`);
    await api('GET', `/track/${token}`);
    await api('GET', `/track/${token}`);
    const secondOpen = await api('GET', `/track/${token}?open=1`);
    const unknownOpen = await api('GET', `/track/${'B'.repeat(32)}?open=1`);
    const badOpen = await api('GET', `/track/${token}?open=yes`);
    const after = await api('GET', `/jobs/${body.job.jobId}`, { role: 'dispatcher' });
    await api('POST', `/jobs/${body.job.jobId}/tracking-link`, { role: 'dispatcher' });
    const rotated = await api('GET', `/jobs/${body.job.jobId}`, { role: 'dispatcher' });

    expect(before.body.trackingLinkViews).toBeUndefined();
    expect([firstOpen.status, secondOpen.status, unknownOpen.status, badOpen.status]).toEqual([
      200, 200, 404, 400,
    ]);
    expect(after.body.trackingLinkViews).toEqual({
      count: 2,
      firstOpenedAt: expect.any(String),
      lastOpenedAt: expect.any(String),
    });
    expect(Date.parse(after.body.trackingLinkViews.lastOpenedAt)).toBeGreaterThanOrEqual(
      Date.parse(after.body.trackingLinkViews.firstOpenedAt),
    );
    expect(rotated.body.trackingLinkViews).toBeUndefined();
  });

  it("given QuickDumpNow's four trailers, then the public sees free ones per size, staff see who holds each, unknown trailers are refused and a booking with none free is 409", async () => {
    const day = (offset: number) =>
      new Date(Date.parse(`${todayIn()}T12:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
    const [first, second] = [day(50), day(51)];
    const before = await api('GET', `/brands/qdn/availability?from=${first}&to=${second}`);
    const rental = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({
        serviceType: 'trailer_drop',
        trailerId: 'T1',
        schedule: { date: first, endDate: second },
      }),
    });
    const unknown = await api('POST', '/jobs', { role: 'dispatcher', body: newJob({ trailerId: 'T9' }) });
    const after = await api('GET', `/brands/qdn/availability?from=${first}&to=${second}`);
    const fleet = await api('GET', `/brands/qdn/trailers?from=${first}&to=${first}`, { role: 'dispatcher' });
    const byDriver = await api('GET', `/brands/qdn/trailers?from=${first}&to=${first}`, { role: 'driver' });
    const tooLong = await api('GET', `/brands/qdn/availability?from=${first}&to=${day(200)}`);
    for (const trailerId of ['T2', 'T3', 'T4']) {
      const held = await api('POST', '/jobs', {
        role: 'dispatcher',
        body: newJob({ serviceType: 'trailer_drop', trailerId, schedule: { date: second } }),
      });
      expect(held.status).toBe(201);
    }
    const booking = await api('POST', '/bookings', {
      body: {
        brandId: 'qdn',
        name: 'Rosa Delgado',
        phone: '(619) 555-0179',
        address: { text: '3820 Ray St, San Diego' },
        serviceType: 'trailer_drop',
        preferredDate: first,
        endDate: second,
        smsConsent: true,
      },
    });

    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      brandId: 'qdn',
      sizes: ['14 yd', '20 yd'],
      days: [
        { date: first, free: { '14 yd': 3, '20 yd': 1 } },
        { date: second, free: { '14 yd': 3, '20 yd': 1 } },
      ],
    });
    expect(rental.status).toBe(201);
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([
      { field: 'body.trailerId', message: "QuickDumpNow's trailers are T1, T2, T3, T4" },
    ]);
    expect(after.body.days.map((entry: { free: Record<string, number> }) => entry.free['14 yd'])).toEqual([
      2, 2,
    ]);
    expect(JSON.stringify(after.body)).not.toContain(rental.body.job.jobId);
    expect(fleet.body.trailers[0]).toEqual({
      trailerId: 'T1',
      name: 'Trailer 1',
      size: '14 yd',
      days: [{ date: first, state: 'booked', jobId: rental.body.job.jobId }],
    });
    expect(byDriver.status).toBe(403);
    expect(tooLong.status).toBe(400);
    expect(booking.status).toBe(409);
    expect(booking.body.details).toEqual([
      { field: 'body.preferredDate', message: 'no trailer is free on those days' },
    ]);
  });

  it('given a rotated tracking link, then the old one is 404 (the same answer as an unknown one) and the new one works', async () => {
    const { body } = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ customer: { name: 'Ana Ruiz', phone: '+16195550150' } }),
    });
    const oldToken = body.trackingUrl.split('/track/')[1];
    const before = await api('GET', `/track/${oldToken}`);
    expect(before.status).toBe(200);
    expect(before.body.job).toMatchObject({
      firstName: 'Ana',
      status: 'scheduled',
      schedule: { windowStart: '12:00', windowEnd: '17:00' },
    });
    expect(JSON.stringify(before.body)).not.toMatch(/\+1619|priceCents|gate code/);

    const rotated = await api('POST', `/jobs/${body.job.jobId}/tracking-link`, { role: 'dispatcher' });
    expect(rotated.status).toBe(201);
    const oldAnswer = await api('GET', `/track/${oldToken}`);
    const unknown = await api('GET', `/track/${'A'.repeat(32)}`);
    const garbage = await api('GET', '/track/not-a-token');
    expect(oldAnswer).toEqual({
      status: 404,
      body: { error: 'Job not found, or this tracking link is no longer valid' },
    });
    expect(unknown).toEqual(oldAnswer);
    expect(garbage).toEqual(oldAnswer);
    expect((await api('GET', `/track/${rotated.body.trackingUrl.split('/track/')[1]}`)).status).toBe(200);
    // The grant opens this job's photos and messages and no other job's.
    process.env.AWS_ENDPOINT_URL_SSM = cloud.endpoints.ssm;
    process.env.TRACKING_GRANT_PUBLIC_KEY_PARAMETER = '/qdn/local/tracking-grant-public-jwk';
    Object.assign(process.env, {
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const { grant } = before.body.grant;
    expect(await verifyTrackingGrant(grant, body.job.jobId)).toBe(true);
    expect(await verifyTrackingGrant(grant, 'qdn_01JOTHERJOB00000000000000')).toBe(false);
    expect(await verifyTrackingGrant(`${grant.slice(0, -6)}AAAAAA`, body.job.jobId)).toBe(false);
    const events = await eventsFor(body.job.jobId, 3);
    expect(events.map((event) => event['detail-type']).sort()).toEqual([
      'JobCreated',
      'TrackingLinkIssued',
      'TrackingLinkRevoked',
    ]);
  });

  it('given rentals over several days (one across a year end, one of the longest span), then each is on the board of every day of its span and of no other', async () => {
    const create = async (date: string, endDate: string) =>
      (
        await api('POST', '/jobs', {
          role: 'dispatcher',
          body: newJob({ schedule: { date, endDate, window: 'morning' } }),
        })
      ).body.job.jobId as string;
    const newYear = await create('2031-12-30', '2032-01-02');
    // MAX_JOB_DAYS (45): its last day is 44 days after its first.
    const longest = await create('2031-11-20', '2032-01-03');
    const board = async (date: string) =>
      (await api('GET', `/jobs?date=${date}`, { role: 'dispatcher' })).body.jobs
        .map((job: { jobId: string }) => job.jobId)
        .filter((jobId: string) => jobId === newYear || jobId === longest)
        .sort();

    expect(await board('2031-11-19')).toEqual([]);
    expect(await board('2031-11-20')).toEqual([longest]);
    expect(await board('2031-12-29')).toEqual([longest]);
    expect(await board('2032-01-01')).toEqual([newYear, longest].sort());
    expect(await board('2032-01-03')).toEqual([longest]);
    expect(await board('2032-01-04')).toEqual([]);
  });

  it('given the day board, when listed by date and status, then only that day and status come back', async () => {
    // The job the driver completed above is today's (a driver acts only on the day's work).
    const board = await api('GET', `/jobs?date=${todayIn()}&status=complete`, { role: 'dispatcher' });
    expect(board.status).toBe(200);
    expect(board.body.jobs.length).toBeGreaterThan(0);
    expect(
      board.body.jobs.every(
        (job: { status: string; schedule: { date: string } }) =>
          job.status === 'complete' && job.schedule.date === todayIn(),
      ),
    ).toBe(true);
  });
});

describe('publishing when the bus refuses events', () => {
  it('given the bus failing every attempt of the publisher, then the events are parked and published by publish-retry', async () => {
    // Prepare: the publisher tries 4 times; all fail. The retry worker's attempt succeeds. The earlier
    // tests' events are all published first, so none of them takes one of the injected faults.
    await cloud.settled();
    const faults = await fetch(`${cloud.apiUrl}/_local/events/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 4 }),
    });
    expect(faults.status).toBe(201);

    // Act
    const { body } = await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ schedule: { date: '2026-12-20', window: 'morning' } }),
    });

    // Assess
    const [created] = await eventsFor(body.job.jobId, 1);
    expect(created?.['detail-type']).toBe('JobCreated');
    // An invocation is logged when it returns, a moment after the event it put on the bus.
    await cloud.settled();
    const retried = cloud.invocations.filter((invocation) => invocation.functionKey === 'jobs.publishRetry');
    expect(retried.map((invocation) => invocation.outcome)).toContain('ok');
  });
});

describe('bookings', () => {
  const booking = (overrides: Record<string, unknown> = {}) => ({
    name: 'Dana Cole',
    phone: '+16195550199',
    address: { text: '77 Rosecrans St, San Diego' },
    serviceType: 'trailer_pickup_and_dump',
    preferredDate: '2027-01-15',
    window: 'morning',
    smsConsent: true,
    ...overrides,
  });

  it('given a valid booking, then 201 with a quote from the price table and a requested job', async () => {
    const booked = await api('POST', '/bookings', { body: booking() });
    expect(booked.status).toBe(201);
    expect(booked.body).toMatchObject({ status: 'requested', quote: { totalCents: 60000, currency: 'USD' } });
    const [created] = await eventsFor(booked.body.jobId, 1);
    expect(created?.detail.data).toMatchObject({ job: { status: 'requested' } });
  });

  it('given a booking with photos of the load uploaded first, then JobCreated names their draft by its hash, never the draft id', async () => {
    const draftId = 'q3JxWmC0yLbN8sVtA1dE2f';
    const booked = await api('POST', '/bookings', {
      body: booking({ phone: '+16195550172', photoDraftId: draftId }),
    });
    const malformed = await api('POST', '/bookings', {
      body: booking({ phone: '+16195550173', photoDraftId: '../../etc' }),
    });

    expect(booked.status).toBe(201);
    const [created] = await eventsFor(booked.body.jobId, 1);
    expect(created?.detail.data).toMatchObject({ job: { photoDraftRef: bookingPhotoDraftRef(draftId) } });
    expect(JSON.stringify(created)).not.toContain(draftId);
    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].field).toBe('body.photoDraftId');
  });

  it('given invalid bookings, then 400 naming each field', async () => {
    const invalid = await api('POST', '/bookings', {
      body: booking({
        phone: '12',
        preferredDate: '2027-02-30',
        smsConsent: false,
        serviceType: 'helicopter',
      }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'body.phone',
      'body.preferredDate',
      'body.smsConsent',
    ]);
    const unknownService = await api('POST', '/bookings', { body: booking({ serviceType: 'helicopter' }) });
    expect(unknownService.status).toBe(400);
    expect(unknownService.body.details[0].field).toBe('body.serviceType');
  });

  it('given a JADA charter booking, then 201 with the charter quote and a requested job at the marina whose JobCreated carries the charter; over the boat’s capacity, 400 naming the field', async () => {
    // Prepare
    const charter = {
      brandId: 'jada',
      name: 'Dana Whitfield',
      phone: '+16195550171',
      serviceType: 'charter',
      preferredDate: '2027-01-16',
      charter: { departureTime: '17:00', durationMinutes: 180, guestCount: 6, occasion: 'Anniversary' },
      smsConsent: true,
    };

    // Act
    const booked = await api('POST', '/bookings', { body: charter });
    const tooMany = await api('POST', '/bookings', {
      body: { ...charter, charter: { ...charter.charter, guestCount: 12 } },
    });

    // Assess
    expect(booked.status).toBe(201);
    expect(booked.body.quote).toMatchObject({
      label: 'Private sail charter',
      totalCents: 3 * 40000,
      charter: { durationMinutes: 180, guestCount: 6 },
    });
    const [created] = await eventsFor(booked.body.jobId, 1);
    expect(created?.detail.data.job).toMatchObject({
      status: 'requested',
      serviceType: 'charter',
      address: { text: 'Kona Kai Marina, 1551 Shelter Island Dr' },
      schedule: { date: '2027-01-16', time: '17:00' },
      charter: {
        vessel: 'JADA',
        meetingPoint: 'Kona Kai Marina, 1551 Shelter Island Dr',
        guestCount: 6,
        durationMinutes: 180,
        occasion: 'Anniversary',
      },
      priceCents: 120000,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details).toEqual([
      { field: 'body.charter.guestCount', message: 'JADA takes at most 6 guests' },
    ]);
    const profile = await api('GET', '/brands/jada');
    expect(profile.body.serviceTypes[0].charter).toMatchObject({ capacity: 6, hourlyCents: 40000 });
  });

  it('given too many bookings from one phone, then 429', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await api('POST', '/bookings', { body: booking({ phone: '+16195550188' }) })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});

describe('hostile input', () => {
  it.each([
    ['malformed JSON', { raw: '{"customer": ' }, 'body'],
    ['wrong types', { body: newJob({ priceCents: '600' }) }, 'body.priceCents'],
    ['an unknown field', { body: newJob({ revenue: 100 }) }, 'body'],
    [
      'a phone that is not a phone',
      { body: newJob({ customer: { name: 'X', phone: '555' } }) },
      'body.customer.phone',
    ],
    [
      'a date that is not a date',
      { body: newJob({ schedule: { date: '2026-13-45' } }) },
      'body.schedule.date',
    ],
    ['lat 91', { body: newJob({ address: { text: 'x', lat: 91, lng: 0 } }) }, 'body.address.lat'],
  ])('given %s, then 400 with field errors and nothing stored', async (_, request, field) => {
    const before = (await api('GET', '/jobs?date=2026-12-01', { role: 'dispatcher' })).body.jobs.length;
    const response = await api('POST', '/jobs', { role: 'dispatcher', ...request });
    expect(response.status).toBe(400);
    expect(response.body.details.map((detail: { field: string }) => detail.field)).toContain(field);
    expect((await api('GET', '/jobs?date=2026-12-01', { role: 'dispatcher' })).body.jobs.length).toBe(before);
  });

  it("given a driver, when they read or act on a job that is not theirs today, then the unknown job's 404 and nothing changes", async () => {
    // Prepare: the driver's own job today, another crew's job today, their own job tomorrow.
    const today = todayIn();
    const tomorrow = todayIn('America/Los_Angeles', new Date(Date.now() + 86_400_000));
    const create = async (crewIds: string[], date: string) =>
      (
        await api('POST', '/jobs', {
          role: 'dispatcher',
          body: newJob({ crewIds, schedule: { date, window: 'morning' } }),
        })
      ).body.job.jobId as string;
    const own = await create([TEST_DRIVER_CREW_ID], today);
    const others = await create(['crew_someone_else'], today);
    const notToday = await create([TEST_DRIVER_CREW_ID], tomorrow);
    const noCrewClaim = await jobs.tokenFor('driver', { sub: 'driver-without-crew' });
    const unknown = await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ', { role: 'driver' });

    // Act / Assess: their own job works; everything else is exactly the unknown job's answer.
    expect((await api('GET', `/jobs/${own}`, { role: 'driver' })).status).toBe(200);
    expect(unknown.status).toBe(404);
    for (const jobId of [others, notToday]) {
      expect(await api('GET', `/jobs/${jobId}`, { role: 'driver' })).toEqual(unknown);
      expect(
        await api('POST', `/jobs/${jobId}/status`, { role: 'driver', body: { status: 'en_route' } }),
      ).toEqual(unknown);
      expect(
        await api('POST', `/jobs/${jobId}/locations`, {
          role: 'driver',
          body: { points: [{ lat: 32.83, lng: -117.14, recordedAt: new Date().toISOString() }] },
        }),
      ).toEqual(unknown);
    }
    expect(await api('GET', `/jobs/${own}`, { token: noCrewClaim })).toEqual(unknown);
    for (const jobId of [others, notToday]) {
      const job = (await api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
      expect(job).toMatchObject({ status: 'scheduled', version: 1 });
      expect((await api('GET', `/jobs/${jobId}/locations`, { role: 'dispatcher' })).body.points).toEqual([]);
    }
  });

  it('given no token, a forged token or the wrong role, then 401, 401 and 403', async () => {
    expect((await api('GET', '/jobs?date=2026-12-01')).status).toBe(401);
    tokens.forged = `${tokens.admin!.slice(0, -4)}AAAA`;
    expect((await api('GET', '/jobs?date=2026-12-01', { role: 'forged' })).status).toBe(401);
    expect((await api('POST', '/jobs', { role: 'driver', body: {} })).status).toBe(403);
    // A driver may list the day, but sees only jobs whose crew holds their crew id: without one, none.
    const driverDay = await api('GET', '/jobs?date=2026-12-01', { role: 'driver' });
    expect(driverDay.status).toBe(200);
    expect(driverDay.body.jobs).toEqual([]);
    expect((await api('GET', '/requests', { role: 'driver' })).status).toBe(403);
  });
});

describe('the console routes', () => {
  const today = () =>
    new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(new Date());
  const booking = (name: string, phone: string) => ({
    brandId: 'qdn',
    name,
    phone,
    address: { text: '1 Harbor Dr, San Diego, CA' },
    serviceType: 'junk_removal',
    preferredDate: today(),
    window: 'morning',
    smsConsent: true,
  });

  it('given two web bookings, then GET /requests lists them oldest first until each is confirmed or declined', async () => {
    const first = (await api('POST', '/bookings', { body: booking('Ann First', '+16195550181') })).body.jobId;
    const second = (await api('POST', '/bookings', { body: booking('Bo Second', '+16195550182') })).body
      .jobId;
    const listed = await api('GET', '/requests', { role: 'dispatcher' });
    expect(listed.status).toBe(200);
    const ids = listed.body.jobs.map((job: { jobId: string }) => job.jobId);
    expect(ids.indexOf(first)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));
    expect(listed.body.jobs[0]).not.toHaveProperty('gsi2pk');

    expect(
      (await api('POST', `/jobs/${first}/status`, { role: 'dispatcher', body: { status: 'scheduled' } }))
        .status,
    ).toBe(200);
    expect(
      (
        await api('POST', `/jobs/${second}/status`, {
          role: 'dispatcher',
          body: { status: 'cancelled', note: 'Declined: no trailer' },
        })
      ).status,
    ).toBe(200);
    const after = (await api('GET', '/requests', { role: 'admin' })).body.jobs.map(
      (job: { jobId: string }) => job.jobId,
    );
    expect(after).not.toContain(first);
    expect(after).not.toContain(second);
  });

  it('given the ETag of a day, then an unchanged day is a 304 without a body and a change is a 200 with a new tag', async () => {
    const day = '2026-12-09';
    const get = (etag?: string) =>
      fetch(`${cloud.apiUrl}/jobs?date=${day}`, {
        headers: { authorization: `Bearer ${tokens.dispatcher}`, ...(etag ? { 'if-none-match': etag } : {}) },
      });
    const first = await get();
    const etag = first.headers.get('etag')!;
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^W\/"/);
    const unchanged = await get(etag);
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    await api('POST', '/jobs', {
      role: 'dispatcher',
      body: newJob({ schedule: { date: day, window: 'morning' } }),
    });
    const changed = await get(etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('given a driver with a crew id, then their day lists only jobs whose crew holds it, and only today: another day is an empty list', async () => {
    const day = today();
    const tomorrow = todayIn('America/Los_Angeles', new Date(Date.now() + 86_400_000));
    const create = async (date: string, crewId: string) =>
      (
        await api('POST', '/jobs', {
          role: 'dispatcher',
          body: newJob({ schedule: { date }, crewIds: [crewId] }),
        })
      ).body.job.jobId as string;
    const mine = await create(day, 'crew-7');
    await create(day, 'crew-8');
    const mineTomorrow = await create(tomorrow, 'crew-7');
    const token = await jobs.tokenFor('driver', { crewId: 'crew-7' });
    const list = async (date: string) => {
      const response = await fetch(`${cloud.apiUrl}/jobs?date=${date}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: response.status, body: (await response.json()) as { jobs: { jobId: string }[] } };
    };

    // A rental of theirs that began yesterday is theirs today too (its pick-up, say).
    const yesterday = todayIn('America/Los_Angeles', new Date(Date.now() - 86_400_000));
    const rental = (
      await api('POST', '/jobs', {
        role: 'dispatcher',
        body: newJob({ schedule: { date: yesterday, endDate: day }, crewIds: ['crew-7'] }),
      })
    ).body.job.jobId as string;

    expect((await list(day)).body.jobs.map((job) => job.jobId).sort()).toEqual([mine, rental].sort());
    // Tomorrow's job is the driver's crew's, but not theirs to see before its day (nor is 2026-12-01's);
    // the rental is theirs today, not on its first day.
    for (const date of [tomorrow, yesterday, '2026-12-01'])
      expect(await list(date)).toEqual({ status: 200, body: { jobs: [] } });
    const board = await api('GET', `/jobs?date=${tomorrow}`, { role: 'dispatcher' });
    expect(board.body.jobs.map((job: { jobId: string }) => job.jobId)).toContain(mineTomorrow);
  });
});
