import { describe, expect, it } from '@jest/globals';
import { MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '@qdn/shared/errors';
import { trackingToken, trackingTokenHash } from '@qdn/shared/tracking-link';
import { brandAvailability, brandFleet } from '../../src/domain/fleet-commands.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import {
  type Actor,
  changeStatus,
  createBooking,
  createJob,
  EXPIRY_ACTOR,
  expireRequests,
  getJob,
  type JobsContext,
  jobForTrackingToken,
  listJobs,
  listRequests,
  rotateTrackingLink,
  staffViews,
  trackingLinkViews,
  updateJob,
} from '../../src/domain/job-commands.ts';
import { jobOnBus } from '../../src/domain/job-events.ts';
import { type BookingInput, type CreateJobInput, UpdateJobInput } from '../../src/domain/job-input.ts';
import { jobRecord, MemoryJobRepository, MemoryLinkViews } from './fakes.ts';

// 2026-12-01 at noon in San Diego.
const NOW = new Date('2026-12-01T20:00:00.000Z');
const SECRET = 'tracking-link-secret-for-tests!!';

const dispatcher: Actor = { userId: 'dispatcher-1', roles: ['dispatcher'] };
const admin: Actor = { userId: 'admin-1', roles: ['admin'] };
const driver: Actor = { userId: 'driver-1', roles: ['driver'], crewId: 'crew_ana' };

function jobsContext(jobs: JobRecord[] = []) {
  const repository = new MemoryJobRepository(jobs);
  const limits = new MemoryRateLimits();
  let clock = NOW;
  let secret = SECRET;
  let ids = 0;
  const context: JobsContext = {
    repository,
    brands: testBrands,
    now: () => clock,
    newJobId: () => `qdn_01JNEW00000000000000000${String(++ids).padStart(3, '0')}`,
    siteBaseUrl: (brandId) => `https://${brandId}.example.test/`,
    trackingLinkSecret: async () => secret,
    bookingLimits: { perPhonePerDay: 2, perIpPerHour: 3, maxDaysAhead: 60, maxRentalDays: 14 },
    limits,
    trackLookupsPerIpPerMinute: 3,
    trackingLinkDaysAfterClose: 7,
    linkViews: new MemoryLinkViews(),
  };
  return {
    context,
    repository,
    limits,
    setNow: (at: Date) => {
      clock = at;
    },
    rotateSecret: (next: string) => {
      secret = next;
    },
  };
}

const tokenOf = (url: string) => url.split('/track/')[1]!;

const newJob = (overrides: Partial<CreateJobInput> = {}): CreateJobInput =>
  ({
    brandId: 'qdn',
    customer: { name: 'Mark Soderblom', phone: '+16195550142' },
    address: { text: '4521 Soderblom Ave, San Diego, CA' },
    serviceType: 'trailer_pickup_and_dump',
    schedule: { date: '2026-12-03', window: 'morning' },
    crewIds: ['crew_ana'],
    smsConsent: { how: 'asked-by-phone' },
    ...overrides,
  }) as CreateJobInput;

describe('creating a job', () => {
  it('given a dispatcher and a valid job, when created, then it is stored scheduled at version 1 with its quote, history and a working tracking link', async () => {
    const { context, repository } = jobsContext();

    const { job, trackingUrl } = await createJob(context, newJob({ notes: 'gate code 4471' }), dispatcher);

    const stored = repository.jobs.get(job.jobId)!;
    expect(stored).toMatchObject({
      jobId: 'qdn_01JNEW00000000000000000001',
      brandId: 'qdn',
      version: 1,
      status: 'scheduled',
      priceCents: 60000,
      notes: 'gate code 4471',
      origin: 'dashboard',
      statusHistory: [{ status: 'scheduled', at: NOW.toISOString(), by: 'dispatcher-1' }],
      createdAt: NOW.toISOString(),
      updatedBy: 'dispatcher-1',
    });
    expect(trackingUrl).toBe(
      `https://qdn.example.test/track/${trackingToken(SECRET, stored.trackingLinkId!)}`,
    );
    expect(job.trackingUrl).toBe(trackingUrl);
    // Stored by the token's hash only, pointing at the job.
    expect(repository.links.get(stored.trackingTokenHash!)).toEqual({
      tokenHash: trackingTokenHash(tokenOf(trackingUrl)),
      linkId: stored.trackingLinkId,
      jobId: job.jobId,
      createdAt: NOW.toISOString(),
    });
    expect(JSON.stringify(stored)).not.toContain(tokenOf(trackingUrl));
    expect(job).not.toHaveProperty('trackingTokenHash');
    expect(job).not.toHaveProperty('private');
    expect((await jobForTrackingToken(context, tokenOf(trackingUrl)))?.jobId).toBe(job.jobId);
  });

  it('given no consent entry, then the consent on record is the dispatcher’s "asked by phone"; given none, then none', async () => {
    const { context, repository } = jobsContext();

    const asked = await createJob(context, newJob(), dispatcher);
    const texted = await createJob(
      context,
      newJob({ smsConsent: { how: 'texted-us', note: 'Texted the QDN line on Monday' } }),
      dispatcher,
    );
    const refused = await createJob(context, newJob({ smsConsent: { how: 'none' } }), dispatcher);

    expect(repository.jobs.get(asked.job.jobId)?.smsConsent).toEqual({
      phone: '+16195550142',
      source: 'dispatcher',
      statement: 'Customer asked by phone for texts about this job',
      at: NOW.toISOString(),
      by: 'dispatcher-1',
    });
    expect(repository.jobs.get(texted.job.jobId)?.smsConsent).toMatchObject({
      source: 'inbound-text',
      statement: 'Texted the QDN line on Monday',
    });
    expect(repository.jobs.get(refused.job.jobId)).not.toHaveProperty('smsConsent');
  });

  it('given a new number in an edit, then its consent is recorded for that number; an edit of something else keeps the old record', async () => {
    const { context, repository } = jobsContext();
    const { job } = await createJob(context, newJob(), dispatcher);

    await updateJob(context, job.jobId, { notes: 'call first' }, dispatcher);
    const kept = repository.jobs.get(job.jobId)?.smsConsent;
    await updateJob(
      context,
      job.jobId,
      { customer: { name: 'Mark Soderblom', phone: '+16195550199' } },
      dispatcher,
    );
    const renumbered = repository.jobs.get(job.jobId)?.smsConsent;
    await updateJob(context, job.jobId, { smsConsent: { how: 'none' } }, dispatcher);

    expect(kept).toMatchObject({ phone: '+16195550142', source: 'dispatcher' });
    expect(renumbered).toMatchObject({ phone: '+16195550199', source: 'dispatcher', by: 'dispatcher-1' });
    expect(repository.jobs.get(job.jobId)).not.toHaveProperty('smsConsent');
  });

  it('given a price, then it is kept over the quote; given none, then the brand’s list price', async () => {
    const { context, repository } = jobsContext();
    const priced = await createJob(context, newJob({ priceCents: 12345 }), dispatcher);
    const charter = await createJob(
      context,
      newJob({ brandId: 'jada', serviceType: 'charter', schedule: { date: '2026-12-03', time: '17:30' } }),
      dispatcher,
    );
    expect(repository.jobs.get(priced.job.jobId)?.priceCents).toBe(12345);
    // A charter without its length and guests: the brand's least price for a charter.
    expect(repository.jobs.get(charter.job.jobId)?.priceCents).toBe(80000);
  });

  it('given private fields from a dispatcher, then 403 and nothing stored', async () => {
    const { context, repository } = jobsContext();
    await expect(
      createJob(context, newJob({ private: { captainFeeCents: 5000 } }), dispatcher),
    ).rejects.toBeInstanceOf(ForbiddenError);
    expect(repository.jobs.size).toBe(0);
    expect(repository.links.size).toBe(0);
  });

  it('given private fields from an admin, then they are stored and only the admin view shows them', async () => {
    const { context, repository } = jobsContext();
    const { job } = await createJob(context, newJob({ private: { captainFeeCents: 5000 } }), admin);
    expect(job).toMatchObject({ private: { captainFeeCents: 5000 } });
    const [dispatcherView] = await staffViews(context, dispatcher, [repository.jobs.get(job.jobId)!]);
    expect(dispatcherView).not.toHaveProperty('private');
  });

  it('given a service and a window the brand does not offer, then 400 naming both fields and nothing stored', async () => {
    const { context, repository } = jobsContext();
    const refused = createJob(
      context,
      newJob({ serviceType: 'charter', schedule: { date: '2026-12-03', window: 'sunset' } }),
      dispatcher,
    );
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      details: [
        {
          field: 'body.serviceType',
          message: 'QuickDumpNow offers trailer_pickup_and_dump, trailer_drop, junk_removal',
        },
        { field: 'body.schedule.window', message: 'windows are morning, afternoon' },
      ],
    });
    expect(repository.jobs.size).toBe(0);
  });

  it('given a window named like a property every object has ("toString", "constructor", "__proto__"), then 400 on the window and nothing stored', async () => {
    const { context, repository } = jobsContext();
    for (const window of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      await expect(
        createJob(context, newJob({ schedule: { date: '2026-12-03', window } }), dispatcher),
      ).rejects.toMatchObject({
        statusCode: 400,
        details: [{ field: 'body.schedule.window', message: 'windows are morning, afternoon' }],
      });
    }
    expect(repository.jobs.size).toBe(0);
  });

  it('given a trailer the brand does not have, or one out of service, then 400 naming it and nothing stored', async () => {
    const { context, repository } = jobsContext();
    await expect(createJob(context, newJob({ trailerId: 'T-7' }), dispatcher)).rejects.toMatchObject({
      statusCode: 400,
      details: [{ field: 'body.trailerId', message: "QuickDumpNow's trailers are T1, T2, T3, T4" }],
    });
    await expect(
      createJob(
        context,
        newJob({
          trailerId: 'T4',
          serviceType: 'trailer_drop',
          schedule: { date: '2026-01-03', endDate: '2026-01-05' },
        }),
        dispatcher,
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      details: [{ field: 'body.trailerId', message: 'T4 is out of service on 2026-01-05' }],
    });
    expect(repository.jobs.size).toBe(0);
  });

  it('given a job whose trailer is not in the fleet (from before the fleet was configured), then an edit of something else still saves', async () => {
    const legacy = jobRecord({ trailerId: 'T-7', schedule: { date: '2026-12-03' } });
    const { context } = jobsContext([legacy]);
    const saved = await updateJob(context, legacy.jobId, { notes: 'gate code 4410' }, dispatcher);
    expect(saved).toMatchObject({ notes: 'gate code 4410', trailerId: 'T-7' });
    await expect(updateJob(context, legacy.jobId, { trailerId: 'T-8' }, dispatcher)).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('given the fleet, then the public sees free trailers per size and staff see who holds each, day by day', async () => {
    const { context, repository } = jobsContext();
    const rental = await createJob(
      context,
      newJob({
        trailerId: 'T1',
        serviceType: 'trailer_drop',
        schedule: { date: '2026-12-03', endDate: '2026-12-04' },
      }),
      dispatcher,
    );
    expect([...repository.trailerDays.keys()]).toEqual(['T1/2026-12-03', 'T1/2026-12-04']);

    const open = await brandAvailability(
      context,
      'qdn',
      { from: '2026-11-30', to: '2026-12-04' },
      { sourceIp: '203.0.113.9' },
    );
    const fleet = await brandFleet(context, 'qdn', { from: '2026-12-03', to: '2026-12-03' });

    // The past (before 1 Dec in San Diego) is left out.
    expect(open).toEqual({
      brandId: 'qdn',
      sizes: ['14 yd', '20 yd'],
      days: [
        { date: '2026-12-01', free: { '14 yd': 3, '20 yd': 1 } },
        { date: '2026-12-02', free: { '14 yd': 3, '20 yd': 1 } },
        { date: '2026-12-03', free: { '14 yd': 2, '20 yd': 1 } },
        { date: '2026-12-04', free: { '14 yd': 2, '20 yd': 1 } },
      ],
    });
    expect(fleet.trailers[0]).toEqual({
      trailerId: 'T1',
      name: 'Trailer 1',
      size: '14 yd',
      days: [{ date: '2026-12-03', state: 'booked', jobId: rental.job.jobId }],
    });
    await expect(
      brandAvailability(
        context,
        'qdn',
        { from: '2026-12-01', to: '2027-03-01' },
        { sourceIp: '203.0.113.9' },
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      details: [{ field: 'query.to', message: 'at most 62 days from from' }],
    });
    await expect(
      brandAvailability(
        context,
        'qdn',
        { from: '2026-12-05', to: '2026-12-01' },
        { sourceIp: '203.0.113.9' },
      ),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('given a trailer another job holds on one of the days, then 409 naming the trailer, day and job, and nothing stored', async () => {
    const { context, repository } = jobsContext();
    const first = await createJob(
      context,
      newJob({ trailerId: 'T1', schedule: { date: '2026-12-03', endDate: '2026-12-05' } }),
      dispatcher,
    );

    const refused = createJob(
      context,
      newJob({ trailerId: 'T1', serviceType: 'trailer_drop', schedule: { date: '2026-12-05' } }),
      dispatcher,
    );

    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({
      details: [
        { field: 'trailerId', trailerId: 'T1', day: '2026-12-05', conflictingJobId: first.job.jobId },
      ],
    });
    expect([...repository.jobs.keys()]).toEqual([first.job.jobId]);
    expect(repository.links.size).toBe(1);
  });
});

describe('who sees which job', () => {
  const theirs = jobRecord({ crewIds: ['crew_ana'], schedule: { date: '2026-12-01', window: 'afternoon' } });

  it('given a driver, then only a job of their crew on its day; anything else is the unknown job 404', async () => {
    const tomorrow = jobRecord({ jobId: 'qdn_tomorrow', schedule: { date: '2026-12-02' } });
    const others = jobRecord({ jobId: 'qdn_others', crewIds: ['crew_bo'] });
    const { context } = jobsContext([theirs, tomorrow, others]);

    expect((await getJob(context, theirs.jobId, driver)).jobId).toBe(theirs.jobId);
    for (const jobId of ['qdn_tomorrow', 'qdn_others', 'qdn_unknown']) {
      await expect(getJob(context, jobId, driver)).rejects.toThrow(new NotFoundError('Job not found'));
    }
    // The driver's day is San Diego's: at 5 am UTC on the 2nd it is still the 1st there.
    const { context: evening, setNow } = jobsContext([theirs]);
    setNow(new Date('2026-12-02T05:00:00Z'));
    expect((await getJob(evening, theirs.jobId, driver)).jobId).toBe(theirs.jobId);
  });

  it('given a dispatcher, then any job on any day', async () => {
    const { context } = jobsContext([jobRecord({ crewIds: [], schedule: { date: '2027-03-01' } })]);
    expect((await getJob(context, 'qdn_01JDEMO0000000000000000000', dispatcher)).schedule.date).toBe(
      '2027-03-01',
    );
  });

  it('given a day board, then filtered by status and brand; a driver sees only their crew’s jobs, and none without a crew id', async () => {
    const { context } = jobsContext([
      jobRecord({ jobId: 'qdn_a', crewIds: ['crew_ana'] }),
      jobRecord({ jobId: 'qdn_b', crewIds: ['crew_bo'], status: 'en_route' }),
      jobRecord({ jobId: 'qdn_c', brandId: 'jada', serviceType: 'charter', crewIds: ['crew_ana'] }),
      jobRecord({ jobId: 'qdn_d', schedule: { date: '2026-12-02' } }),
    ]);
    const ids = (jobs: JobRecord[]) => jobs.map((job) => job.jobId).sort();

    expect(ids(await listJobs(context, { date: '2026-12-01' }, dispatcher))).toEqual([
      'qdn_a',
      'qdn_b',
      'qdn_c',
    ]);
    expect(ids(await listJobs(context, { date: '2026-12-01', status: 'en_route' }, dispatcher))).toEqual([
      'qdn_b',
    ]);
    expect(ids(await listJobs(context, { date: '2026-12-01', brandId: 'jada' }, admin))).toEqual(['qdn_c']);
    expect(ids(await listJobs(context, { date: '2026-12-01' }, driver))).toEqual(['qdn_a', 'qdn_c']);
    expect(
      await listJobs(context, { date: '2026-12-01' }, { userId: 'driver-2', roles: ['driver'] }),
    ).toEqual([]);
  });

  it('given jobs over several days, then each is on the board of every day of its span (across a year end, up to the longest span) and of no other', async () => {
    const { context } = jobsContext([
      jobRecord({ jobId: 'qdn_day', schedule: { date: '2026-12-01' } }),
      jobRecord({ jobId: 'qdn_rental', schedule: { date: '2026-11-29', endDate: '2026-12-03' } }),
      // MAX_JOB_DAYS (45) days: its last is 44 days after its first.
      jobRecord({ jobId: 'qdn_longest', schedule: { date: '2026-10-19', endDate: '2026-12-02' } }),
      jobRecord({ jobId: 'qdn_new_year', schedule: { date: '2026-12-30', endDate: '2027-01-02' } }),
    ]);
    const ids = async (date: string) =>
      (await listJobs(context, { date }, dispatcher)).map((job) => job.jobId).sort();

    expect(await ids('2026-10-18')).toEqual([]);
    expect(await ids('2026-10-19')).toEqual(['qdn_longest']);
    expect(await ids('2026-11-29')).toEqual(['qdn_longest', 'qdn_rental']);
    expect(await ids('2026-12-01')).toEqual(['qdn_day', 'qdn_longest', 'qdn_rental']);
    expect(await ids('2026-12-03')).toEqual(['qdn_rental']);
    expect(await ids('2026-12-04')).toEqual([]);
    expect(await ids('2027-01-01')).toEqual(['qdn_new_year']);
    expect(await ids('2027-01-03')).toEqual([]);
  });

  it('given a driver asking for another day than today (the brand’s), then an empty list, as for a day without their jobs; a rental running through today is listed', async () => {
    const { context, setNow } = jobsContext([
      jobRecord({ jobId: 'qdn_today', crewIds: ['crew_ana'], schedule: { date: '2026-12-01' } }),
      jobRecord({ jobId: 'qdn_yesterday', crewIds: ['crew_ana'], schedule: { date: '2026-11-30' } }),
      jobRecord({ jobId: 'qdn_tomorrow', crewIds: ['crew_ana'], schedule: { date: '2026-12-02' } }),
      jobRecord({
        jobId: 'qdn_rental',
        crewIds: ['crew_ana'],
        schedule: { date: '2026-11-29', endDate: '2026-12-03' },
      }),
    ]);
    const ids = (jobs: JobRecord[]) => jobs.map((job) => job.jobId);

    // The rental's other days are not today either: its first (2026-11-29) no more than the 2nd.
    for (const date of ['2026-11-29', '2026-11-30', '2026-12-02', '2027-01-15']) {
      expect(await listJobs(context, { date }, driver)).toEqual([]);
    }
    expect(ids(await listJobs(context, { date: '2026-12-02' }, dispatcher))).toEqual([
      'qdn_tomorrow',
      'qdn_rental',
    ]);
    expect(ids(await listJobs(context, { date: '2026-12-01' }, driver))).toEqual(['qdn_today', 'qdn_rental']);
    // Today is San Diego's: at 5 am UTC on the 2nd the driver still has the 1st, not the 2nd.
    setNow(new Date('2026-12-02T05:00:00Z'));
    expect(ids(await listJobs(context, { date: '2026-12-01' }, driver))).toEqual(['qdn_today', 'qdn_rental']);
    expect(await listJobs(context, { date: '2026-12-02' }, driver)).toEqual([]);
  });

  it('given web bookings and scheduled jobs, then the inbox lists only the requests, oldest first', async () => {
    const { context } = jobsContext([
      jobRecord({ jobId: 'qdn_new', status: 'requested', createdAt: '2026-11-30T10:00:00Z' }),
      jobRecord({ jobId: 'qdn_scheduled' }),
      jobRecord({ jobId: 'qdn_old', status: 'requested', createdAt: '2026-11-29T10:00:00Z' }),
    ]);
    expect((await listRequests(context)).map((job) => job.jobId)).toEqual(['qdn_old', 'qdn_new']);
  });

  it('given jobs with and without a link, then staff views derive the tracking URL and never show the hash', async () => {
    const { context } = jobsContext();
    const views = await staffViews(context, admin, [
      jobRecord({ trackingLinkId: 'link-9', trackingTokenHash: 'hash-9' }),
      jobRecord({ jobId: 'qdn_nolink' }),
    ]);
    expect(views[0]).toMatchObject({
      trackingUrl: `https://qdn.example.test/track/${trackingToken(SECRET, 'link-9')}`,
    });
    expect(views[1]).not.toHaveProperty('trackingUrl');
    expect(JSON.stringify(views)).not.toMatch(/hash-9|link-9/);
    expect(views[1]).toMatchObject({ private: {} });
  });
});

describe('updating a job', () => {
  it('given changes, then set, cleared with null, merged for private fields, and the version bumped', async () => {
    const { context, repository } = jobsContext([
      jobRecord({ crewNotes: 'call first', private: { revenueSplit: '70/30', internalNotes: 'old' } }),
    ]);

    const view = await updateJob(
      context,
      'qdn_01JDEMO0000000000000000000',
      { expectedVersion: 1, notes: 'side gate', crewNotes: null, private: { internalNotes: 'new' } },
      admin,
    );

    const stored = repository.jobs.get('qdn_01JDEMO0000000000000000000')!;
    expect(stored).toMatchObject({
      version: 2,
      notes: 'side gate',
      private: { revenueSplit: '70/30', internalNotes: 'new' },
      updatedAt: NOW.toISOString(),
      updatedBy: 'admin-1',
    });
    expect(stored).not.toHaveProperty('crewNotes');
    expect(view).toMatchObject({ version: 2, notes: 'side gate' });
  });

  it('given private fields sent as null, then those keys are removed, and private goes when none is left', async () => {
    const { context, repository } = jobsContext([
      jobRecord({ private: { revenueSplit: '70/30', captainFeeCents: 5000, internalNotes: 'old' } }),
    ]);
    const jobId = 'qdn_01JDEMO0000000000000000000';

    await updateJob(context, jobId, UpdateJobInput.parse({ private: { captainFeeCents: null } }), admin);
    expect(repository.jobs.get(jobId)!.private).toEqual({ revenueSplit: '70/30', internalNotes: 'old' });

    const view = await updateJob(
      context,
      jobId,
      UpdateJobInput.parse({ private: { revenueSplit: null, internalNotes: null } }),
      admin,
    );
    expect(repository.jobs.get(jobId)).not.toHaveProperty('private');
    expect(view).toMatchObject({ private: {} });
  });

  it('given an expectedVersion that is not the current one, then 409 with the current version and nothing changed', async () => {
    const { context, repository } = jobsContext([jobRecord({ version: 4 })]);
    const refused = updateJob(
      context,
      'qdn_01JDEMO0000000000000000000',
      { expectedVersion: 3, notes: 'x' },
      dispatcher,
    );
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({
      details: [{ field: 'expectedVersion', currentVersion: 4 }],
    });
    expect(repository.jobs.get('qdn_01JDEMO0000000000000000000')).toMatchObject({ version: 4 });
    expect(repository.jobs.get('qdn_01JDEMO0000000000000000000')).not.toHaveProperty('notes');
  });

  it('given someone else saves between our read and our write, then 409 on expectedVersion with their version', async () => {
    const { context, repository } = jobsContext([jobRecord()]);
    const read = repository.get.bind(repository);
    repository.get = async (jobId) => {
      const seen = await read(jobId);
      // The other writer lands right after our read.
      await repository.save({ ...seen!, version: 2, notes: 'theirs' }, 1, {
        claim: undefined,
        release: undefined,
      });
      return seen;
    };
    await expect(
      updateJob(context, 'qdn_01JDEMO0000000000000000000', { expectedVersion: 1, notes: 'ours' }, dispatcher),
    ).rejects.toMatchObject({ statusCode: 409, details: [{ field: 'expectedVersion', currentVersion: 2 }] });
    expect(repository.jobs.get('qdn_01JDEMO0000000000000000000')?.notes).toBe('theirs');
  });

  it('given a background write between our read and our write (the geocoder), when we named no version, then ours is decided again on a fresh read and both stand', async () => {
    // Prepare: the geocoder's coordinates land right after the dispatcher's first read, once.
    const { context, repository } = jobsContext([jobRecord()]);
    const read = repository.get.bind(repository);
    let reads = 0;
    repository.get = async (jobId) => {
      const seen = await read(jobId);
      reads += 1;
      if (reads === 1) {
        await repository.save(
          { ...seen!, version: seen!.version + 1, address: { ...seen!.address, lat: 32.7, lng: -117.1 } },
          seen!.version,
          { claim: undefined, release: undefined },
        );
      }
      return seen;
    };

    // Act
    const updated = await updateJob(context, 'qdn_01JDEMO0000000000000000000', { notes: 'ours' }, dispatcher);
    const moved = await changeStatus(
      context,
      'qdn_01JDEMO0000000000000000000',
      { status: 'en_route' },
      dispatcher,
    );

    // Assess
    expect(updated.notes).toBe('ours');
    expect(moved.status).toBe('en_route');
    const stored = repository.jobs.get('qdn_01JDEMO0000000000000000000');
    expect(stored).toMatchObject({ notes: 'ours', status: 'en_route', address: { lat: 32.7, lng: -117.1 } });
    expect(reads).toBe(3);
  });

  it.each(['complete', 'cancelled'] as const)(
    'given a %s job, then 409 and nothing changed',
    async (status) => {
      const { context, repository } = jobsContext([jobRecord({ status })]);
      await expect(
        updateJob(context, 'qdn_01JDEMO0000000000000000000', { notes: 'late' }, dispatcher),
      ).rejects.toThrow(new ConflictError(`A ${status} job can no longer be changed`));
      expect(repository.jobs.get('qdn_01JDEMO0000000000000000000')?.version).toBe(1);
    },
  );

  it('given private fields from a dispatcher or a window the brand lacks, then 403 / 400 and nothing changed', async () => {
    const { context, repository } = jobsContext([jobRecord()]);
    await expect(
      updateJob(context, 'qdn_01JDEMO0000000000000000000', { private: { internalNotes: 'x' } }, dispatcher),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      updateJob(
        context,
        'qdn_01JDEMO0000000000000000000',
        { schedule: { date: '2026-12-02', window: 'sunset' } },
        dispatcher,
      ),
    ).rejects.toMatchObject({ details: [{ field: 'body.schedule.window' }] });
    expect(repository.jobs.get('qdn_01JDEMO0000000000000000000')?.version).toBe(1);
  });

  it('given a rental moved by a day, then only the days it leaves are released and the new one claimed', async () => {
    const rental = jobRecord({
      serviceType: 'trailer_drop',
      trailerId: 'T1',
      schedule: { date: '2026-12-03', endDate: '2026-12-04' },
    });
    const { context, repository } = jobsContext([rental]);
    repository.trailerDays.set('T1/2026-12-03', rental.jobId);
    repository.trailerDays.set('T1/2026-12-04', rental.jobId);

    await updateJob(
      context,
      rental.jobId,
      { schedule: { date: '2026-12-04', endDate: '2026-12-05' } },
      dispatcher,
    );

    expect(Object.fromEntries(repository.trailerDays)).toEqual({
      'T1/2026-12-04': rental.jobId,
      'T1/2026-12-05': rental.jobId,
    });
  });

  it('given a job moved to another trailer, then every day of the old one is released and the new one claimed', async () => {
    const rental = jobRecord({ trailerId: 'T1', schedule: { date: '2026-12-03' } });
    const { context, repository } = jobsContext([rental]);
    repository.trailerDays.set('T1/2026-12-03', rental.jobId);

    await updateJob(context, rental.jobId, { trailerId: 'T2' }, dispatcher);

    expect(Object.fromEntries(repository.trailerDays)).toEqual({ 'T2/2026-12-03': rental.jobId });
  });
});

describe('changing status', () => {
  const jobId = 'qdn_01JDEMO0000000000000000000';

  it('given a forward move with an ETA and a note, then the history records who, when and the note', async () => {
    const { context, repository } = jobsContext([jobRecord()]);

    const view = await changeStatus(
      context,
      jobId,
      { status: 'en_route', etaMinutes: 25, note: 'traffic' },
      driver,
    );

    expect(view).toMatchObject({ status: 'en_route', version: 2, etaMinutes: 25 });
    expect(repository.jobs.get(jobId)?.statusHistory).toEqual([
      { status: 'scheduled', at: '2026-11-28T12:00:00.000Z', by: 'dispatcher-1' },
      { status: 'en_route', at: NOW.toISOString(), by: 'driver-1', note: 'traffic' },
    ]);
  });

  it('given the same status again, then nothing is written; with a new ETA, only the ETA and version change', async () => {
    const { context, repository } = jobsContext([jobRecord({ status: 'en_route', etaMinutes: 20 })]);

    const doubleTap = await changeStatus(context, jobId, { status: 'en_route', etaMinutes: 20 }, driver);
    expect(doubleTap).toMatchObject({ version: 1, etaMinutes: 20 });
    expect(repository.jobs.get(jobId)?.version).toBe(1);

    const newEta = await changeStatus(context, jobId, { status: 'en_route', etaMinutes: 35 }, driver);
    expect(newEta).toMatchObject({ version: 2, etaMinutes: 35, status: 'en_route' });
    expect(repository.jobs.get(jobId)?.statusHistory).toHaveLength(1);
  });

  it('given a driver cancelling, then 403 naming what drivers may do, and nothing changed', async () => {
    const { context, repository } = jobsContext([jobRecord()]);
    await expect(changeStatus(context, jobId, { status: 'cancelled' }, driver)).rejects.toThrow(
      new ForbiddenError('Drivers may move a job to en_route, arrived, complete'),
    );
    expect(repository.jobs.get(jobId)?.status).toBe('scheduled');
  });

  it('given a step back, then 400 on body.reason without a reason, and a correction with it', async () => {
    const { context, repository } = jobsContext([jobRecord({ status: 'en_route' })]);

    await expect(changeStatus(context, jobId, { status: 'scheduled' }, dispatcher)).rejects.toMatchObject({
      statusCode: 400,
      details: [{ field: 'body.reason', message: 'say why the status goes back' }],
    });
    expect(repository.jobs.get(jobId)?.status).toBe('en_route');

    await changeStatus(context, jobId, { status: 'scheduled', reason: 'mis-tap' }, dispatcher);
    expect(repository.jobs.get(jobId)?.statusHistory?.at(-1)).toEqual({
      status: 'scheduled',
      at: NOW.toISOString(),
      by: 'dispatcher-1',
      correction: true,
      reason: 'mis-tap',
    });
  });

  it('given a driver’s mis-tapped complete, then an undo without a reason inside the window, and none after it', async () => {
    const completedAt = new Date(NOW.getTime() - 30_000).toISOString();
    const completed = jobRecord({
      status: 'complete',
      crewIds: ['crew_ana'],
      statusHistory: [
        { status: 'arrived', at: '2026-12-01T19:00:00.000Z', by: 'driver-1' },
        { status: 'complete', at: completedAt, by: 'driver-1' },
      ],
    });
    const { context, repository } = jobsContext([completed]);
    expect((await staffViews(context, dispatcher, [completed]))[0]?.undoUntil).toBe(
      new Date(Date.parse(completedAt) + 60_000).toISOString(),
    );

    const undone = await changeStatus(context, jobId, { status: 'arrived' }, driver);

    expect(undone).toMatchObject({ status: 'arrived', version: 2 });
    expect(undone).not.toHaveProperty('undoUntil');
    expect(repository.jobs.get(jobId)?.statusHistory?.at(-1)).toEqual({
      status: 'arrived',
      at: NOW.toISOString(),
      by: 'driver-1',
      correction: true,
      undo: true,
    });

    const late = jobsContext([completed]);
    late.setNow(new Date(Date.parse(completedAt) + 61_000));
    await expect(changeStatus(late.context, jobId, { status: 'arrived' }, driver)).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('given a cancelled job whose card payment was refunded, then no way back (409), even inside the window', async () => {
    const cancelled = jobRecord({
      status: 'cancelled',
      payment: { method: 'card', status: 'refunded' },
      statusHistory: [
        { status: 'scheduled', at: '2026-11-28T12:00:00.000Z', by: 'dispatcher-1' },
        { status: 'cancelled', at: NOW.toISOString(), by: 'dispatcher-1', reason: 'customer called' },
      ],
    });
    const { context, repository } = jobsContext([cancelled]);

    await expect(changeStatus(context, jobId, { status: 'scheduled' }, dispatcher)).rejects.toMatchObject({
      statusCode: 409,
      details: [{ field: 'body.status', payment: 'refunded' }],
    });
    expect(repository.jobs.get(jobId)?.status).toBe('cancelled');
  });

  it('given a move the machine does not allow, then 409 with the allowed moves', async () => {
    const { context } = jobsContext([jobRecord()]);
    await expect(changeStatus(context, jobId, { status: 'complete' }, dispatcher)).rejects.toMatchObject({
      statusCode: 409,
      message: 'A scheduled job cannot move to complete',
      details: [{ allowed: ['en_route', 'cancelled'] }],
    });
  });

  it('given an expectedVersion that is not the current one, then 409 and nothing changed', async () => {
    const { context, repository } = jobsContext([jobRecord({ version: 3 })]);
    await expect(
      changeStatus(context, jobId, { status: 'en_route', expectedVersion: 2 }, dispatcher),
    ).rejects.toMatchObject({ details: [{ field: 'expectedVersion', currentVersion: 3 }] });
    expect(repository.jobs.get(jobId)?.status).toBe('scheduled');
  });

  it('given a cancelled rental, then its trailer days are free for another job', async () => {
    const { context, repository } = jobsContext([
      jobRecord({ trailerId: 'T1', schedule: { date: '2026-12-03' } }),
    ]);
    repository.trailerDays.set('T1/2026-12-03', jobId);

    await changeStatus(context, jobId, { status: 'cancelled' }, dispatcher);
    const other = await createJob(context, newJob({ trailerId: 'T1' }), dispatcher);

    expect(repository.trailerDays.get('T1/2026-12-03')).toBe(other.job.jobId);
  });
});

describe('tracking links', () => {
  it('given a rotation, then the old link stops working at once and the new one shows the job', async () => {
    const { context, repository } = jobsContext();
    const created = await createJob(context, newJob(), dispatcher);

    const { trackingUrl } = await rotateTrackingLink(context, created.job.jobId, dispatcher);

    expect(trackingUrl).not.toBe(created.trackingUrl);
    expect(await jobForTrackingToken(context, tokenOf(created.trackingUrl))).toBeUndefined();
    expect((await jobForTrackingToken(context, tokenOf(trackingUrl)))?.version).toBe(2);
    expect([...repository.links.keys()]).toEqual([trackingTokenHash(tokenOf(trackingUrl))]);
  });

  it("given opens of a link, then staff see the current link's count, and a rotation starts it afresh", async () => {
    const { context, repository } = jobsContext();
    const created = await createJob(context, newJob(), dispatcher);
    const opened = await jobForTrackingToken(context, tokenOf(created.trackingUrl));
    await context.linkViews.recordOpen(opened!.trackingLinkId!, NOW);
    await context.linkViews.recordOpen(opened!.trackingLinkId!, new Date(NOW.getTime() + 60_000));

    expect(await trackingLinkViews(context, repository.jobs.get(created.job.jobId)!)).toEqual({
      count: 2,
      firstOpenedAt: NOW.toISOString(),
      lastOpenedAt: new Date(NOW.getTime() + 60_000).toISOString(),
    });
    await rotateTrackingLink(context, created.job.jobId, dispatcher);
    expect(await trackingLinkViews(context, repository.jobs.get(created.job.jobId)!)).toBeUndefined();
  });

  it('given a job stored with a legacy trackingUrl, then a rotation drops it', async () => {
    const legacy = { ...jobRecord(), trackingUrl: 'https://qdn.example.test/track/old' } as JobRecord;
    const { context, repository } = jobsContext([legacy]);
    await rotateTrackingLink(context, legacy.jobId, dispatcher);
    expect(repository.jobs.get(legacy.jobId)).not.toHaveProperty('trackingUrl');
  });

  it('given a rotated secret, then every existing link ends', async () => {
    const { context, rotateSecret } = jobsContext();
    const { trackingUrl } = await createJob(context, newJob(), dispatcher);
    rotateSecret('another-secret-of-32-characters!');
    expect(await jobForTrackingToken(context, tokenOf(trackingUrl))).toBeUndefined();
  });

  it('given a closed job, then its link works for 7 days after it closed and not after', async () => {
    const { context, setNow } = jobsContext();
    const { job, trackingUrl } = await createJob(context, newJob(), dispatcher);
    setNow(new Date('2026-12-03T18:00:00Z'));
    await changeStatus(context, job.jobId, { status: 'cancelled' }, dispatcher);

    setNow(new Date('2026-12-10T17:59:59Z'));
    expect((await jobForTrackingToken(context, tokenOf(trackingUrl)))?.status).toBe('cancelled');
    setNow(new Date('2026-12-10T18:00:01Z'));
    expect(await jobForTrackingToken(context, tokenOf(trackingUrl))).toBeUndefined();
  });

  it('given a closed job with no history, then the 7 days run from its last update', async () => {
    const closed = jobRecord({
      status: 'complete',
      statusHistory: [],
      updatedAt: '2026-11-20T12:00:00.000Z',
      trackingLinkId: 'link-1',
      trackingTokenHash: trackingTokenHash(trackingToken(SECRET, 'link-1')),
    });
    const { context, repository } = jobsContext([closed]);
    repository.links.set(closed.trackingTokenHash!, {
      tokenHash: closed.trackingTokenHash!,
      linkId: 'link-1',
      jobId: closed.jobId,
      createdAt: '2026-11-20T12:00:00.000Z',
    });
    expect(await jobForTrackingToken(context, trackingToken(SECRET, 'link-1'))).toBeUndefined();
  });

  it('given more lookups from one address than allowed per minute, then 429 and the unknown answer before that', async () => {
    const { context } = jobsContext();
    const request = { sourceIp: '203.0.113.9' };
    for (let lookup = 0; lookup < 3; lookup++) {
      expect(await jobForTrackingToken(context, 'A'.repeat(32), request)).toBeUndefined();
    }
    await expect(jobForTrackingToken(context, 'A'.repeat(32), request)).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    expect(await jobForTrackingToken(context, 'A'.repeat(32), { sourceIp: '203.0.113.10' })).toBeUndefined();
  });
});

describe('web bookings', () => {
  const booking = (overrides: Partial<BookingInput> = {}): BookingInput => ({
    brandId: 'qdn',
    name: 'Ana Ruiz',
    phone: '+16195550150',
    email: 'ana@example.com',
    address: { text: '1 Harbor Dr, San Diego' },
    serviceType: 'trailer_drop',
    preferredDate: '2026-12-05',
    endDate: '2026-12-07',
    window: 'morning',
    notes: 'driveway on the left',
    smsConsent: true,
    ...overrides,
  });
  const web = { sourceIp: '203.0.113.7' };

  it('given every trailer held on one of its days, then 409 and nothing stored; a service without a trailer still books', async () => {
    const { context, repository } = jobsContext();
    for (const trailerId of ['T1', 'T2', 'T3', 'T4'])
      repository.trailerDays.set(`${trailerId}/2026-12-06`, 'qdn_X');

    const refused = createBooking(context, booking(), web);

    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toMatchObject({
      details: [{ field: 'body.preferredDate', message: 'no trailer is free on those days' }],
    });
    expect(repository.jobs.size).toBe(0);
    const junk = await createBooking(
      context,
      booking({ serviceType: 'junk_removal', endDate: undefined }),
      web,
    );
    expect(junk.status).toBe('requested');
    repository.trailerDays.delete('T4/2026-12-06');
    expect((await createBooking(context, booking({ phone: '+16195550151' }), web)).status).toBe('requested');
  });

  it('given a valid booking, then a requested job with the customer’s consent, a quote and a link, but no trailer claimed', async () => {
    const { context, repository } = jobsContext();

    const answer = await createBooking(context, booking(), web);

    expect(answer).toEqual({
      jobId: 'qdn_01JNEW00000000000000000001',
      status: 'requested',
      quote: expect.objectContaining({ days: 3, totalCents: 35000 + 2 * 7500 }),
    });
    const stored = repository.jobs.get(answer.jobId)!;
    expect(stored).toMatchObject({
      status: 'requested',
      origin: 'booking',
      smsConsent: {
        phone: '+16195550150',
        source: 'web-booking',
        statement: expect.stringMatching(
          /^Text me about this booking from QuickDumpNow: .*Reply STOP to opt out/,
        ),
        at: NOW.toISOString(),
        by: 'customer',
      },
      customer: { name: 'Ana Ruiz', phone: '+16195550150', email: 'ana@example.com' },
      schedule: { date: '2026-12-05', endDate: '2026-12-07', window: 'morning' },
      crewIds: [],
      priceCents: 50000,
      notes: 'driveway on the left',
      statusHistory: [{ status: 'requested', at: NOW.toISOString(), by: 'customer' }],
      updatedBy: 'customer',
    });
    expect(repository.links.get(stored.trackingTokenHash!)?.jobId).toBe(answer.jobId);
    expect(repository.trailerDays.size).toBe(0);
    expect(await listRequests(context)).toHaveLength(1);
  });

  it('given photos of the load uploaded first, then the job names their draft by its hash only, on the bus too', async () => {
    // Prepare
    const { context, repository } = jobsContext();
    const draftId = 'q3JxWmC0yLbN8sVtA1dE2f';

    // Act
    const { jobId } = await createBooking(context, booking({ photoDraftId: draftId }), web);

    // Assess
    const stored = repository.jobs.get(jobId)!;
    expect(stored.photoDraftRef).toBe(bookingPhotoDraftRef(draftId));
    expect(jobOnBus(stored).photoDraftRef).toBe(bookingPhotoDraftRef(draftId));
    expect(JSON.stringify(stored)).not.toContain(draftId);
  });

  it('given a booking without email, window, end date or notes, then none is stored', async () => {
    const { context, repository } = jobsContext();
    const { jobId } = await createBooking(
      context,
      booking({
        email: undefined,
        window: undefined,
        endDate: undefined,
        notes: undefined,
        serviceType: 'junk_removal',
      }),
      web,
    );
    const stored = repository.jobs.get(jobId)!;
    expect(stored.customer).toEqual({ name: 'Ana Ruiz', phone: '+16195550150' });
    expect(stored.schedule).toEqual({ date: '2026-12-05' });
    expect(stored).not.toHaveProperty('notes');
  });

  it.each([
    [
      'yesterday',
      { preferredDate: '2026-11-30', endDate: undefined },
      'body.preferredDate',
      'must be today or later',
    ],
    [
      '61 days ahead',
      { preferredDate: '2027-01-31', endDate: undefined },
      'body.preferredDate',
      'must be within 60 days',
    ],
    [
      'a 15-day rental',
      { preferredDate: '2026-12-05', endDate: '2026-12-19' },
      'body.endDate',
      'a rental is at most 14 days online; call us for longer',
    ],
  ])(
    'given %s, then 400 on that field, nothing stored and no allowance used',
    async (_case, dates, field, message) => {
      const { context, repository, limits } = jobsContext();
      await expect(createBooking(context, booking(dates), web)).rejects.toMatchObject({
        statusCode: 400,
        details: [{ field, message }],
      });
      expect(repository.jobs.size).toBe(0);
      expect(limits.taken).toEqual([]);
    },
  );

  it('given 6 pm in San Diego (already tomorrow in UTC), then today is still bookable', async () => {
    const { context, setNow } = jobsContext();
    setNow(new Date('2026-12-02T02:00:00Z'));
    await expect(
      createBooking(context, booking({ preferredDate: '2026-12-01', endDate: undefined }), web),
    ).resolves.toMatchObject({
      status: 'requested',
    });
  });

  it('given a service or window the brand does not offer, then 400 on those fields', async () => {
    const { context } = jobsContext();
    await expect(
      createBooking(context, booking({ serviceType: 'charter', window: 'sunset' }), web),
    ).rejects.toMatchObject({
      details: [{ field: 'body.serviceType' }, { field: 'body.schedule.window' }],
    });
  });

  it('given a window named like a property every object has, then 400 on the window and nothing stored (the job could never be texted)', async () => {
    const { context, repository } = jobsContext();
    for (const window of ['toString', 'constructor', '__proto__', 'valueOf']) {
      await expect(createBooking(context, booking({ window }), web)).rejects.toMatchObject({
        statusCode: 400,
        details: [{ field: 'body.schedule.window', message: 'windows are morning, afternoon' }],
      });
    }
    expect(repository.jobs.size).toBe(0);
  });

  it('given the phone’s daily allowance used up, then 429; another phone from the same address still books', async () => {
    const { context, repository } = jobsContext();
    await createBooking(context, booking(), web);
    await createBooking(context, booking(), { sourceIp: '198.51.100.1' });

    await expect(createBooking(context, booking(), { sourceIp: '198.51.100.2' })).rejects.toMatchObject({
      statusCode: 429,
      message: 'Too many bookings from this phone or network; call or text us instead',
    });
    await createBooking(context, booking({ phone: '+16195550151' }), web);
    expect(repository.jobs.size).toBe(3);
  });

  it('given an address over its hourly allowance, then 429 without using up the phone’s allowance', async () => {
    const { context, repository } = jobsContext();
    for (const phone of ['+16195550161', '+16195550162', '+16195550163']) {
      await createBooking(context, booking({ phone }), web);
    }

    await expect(createBooking(context, booking(), web)).rejects.toBeInstanceOf(TooManyRequestsError);
    // The refused request took nothing from Ana's phone: she books twice from home.
    await createBooking(context, booking(), { sourceIp: '198.51.100.1' });
    await createBooking(context, booking(), { sourceIp: '198.51.100.1' });
    expect(repository.jobs.size).toBe(5);
  });
});

describe('web bookings of a charter', () => {
  const charterBooking = (overrides: Partial<BookingInput> = {}): BookingInput => ({
    brandId: 'queen-of-san-diego',
    name: 'Dana Whitfield',
    phone: '+16195550170',
    serviceType: 'charter',
    preferredDate: '2026-12-12',
    charter: { departureTime: '17:00', durationMinutes: 180, guestCount: 25, occasion: 'Birthday' },
    smsConsent: true,
    ...overrides,
  });
  const web = { sourceIp: '203.0.113.8' };

  it('given a charter within the boat’s capacity, then a requested job at the meeting point, departing at the chosen time, priced by the brand’s charter pricing', async () => {
    // Prepare
    const { context, repository } = jobsContext();

    // Act
    const answer = await createBooking(context, charterBooking(), web);

    // Assess
    expect(answer.quote).toMatchObject({
      label: 'Harbor charter',
      totalCents: 3 * 60000 + 5 * 2500,
      charter: { durationMinutes: 180, guestCount: 25, extraGuests: 5 },
    });
    expect(repository.jobs.get(answer.jobId)).toMatchObject({
      status: 'requested',
      serviceType: 'charter',
      address: { text: 'Dock B, Harbor Island West Marina' },
      schedule: { date: '2026-12-12', time: '17:00' },
      charter: {
        vessel: 'Queen of San Diego',
        meetingPoint: 'Dock B, Harbor Island West Marina',
        guestCount: 25,
        durationMinutes: 180,
        occasion: 'Birthday',
      },
      priceCents: 192500,
    });
  });

  it('given more guests than the boat takes, a departure, length and occasion it does not offer, then 400 naming each and nothing stored', async () => {
    const { context, repository, limits } = jobsContext();

    const refused = createBooking(
      context,
      charterBooking({
        brandId: 'jada',
        charter: { departureTime: '08:00', durationMinutes: 90, guestCount: 7, occasion: 'Bachelor party' },
      }),
      web,
    );

    await expect(refused).rejects.toMatchObject({
      statusCode: 400,
      details: [
        { field: 'body.charter.departureTime', message: 'departures are at 10:00, 13:30, 17:00' },
        { field: 'body.charter.durationMinutes', message: 'charters are 120, 180, 240 minutes long' },
        { field: 'body.charter.guestCount', message: 'JADA takes at most 6 guests' },
        { field: 'body.charter.occasion', message: expect.stringMatching(/^occasions are Birthday, /) },
      ],
    });
    expect(repository.jobs.size).toBe(0);
    expect(limits.taken).toEqual([]);
  });

  it('given the address form’s fields for a charter, or no charter details, then 400 on each', async () => {
    const { context } = jobsContext();
    await expect(
      createBooking(
        context,
        charterBooking({
          address: { text: '1 Harbor Dr' },
          window: 'sunset',
          endDate: '2026-12-13',
          charter: undefined,
        }),
        web,
      ),
    ).rejects.toMatchObject({
      details: [
        { field: 'body.address', message: 'a charter boards at Dock B, Harbor Island West Marina' },
        { field: 'body.window', message: 'a charter has a departure time, not a window' },
        { field: 'body.endDate', message: 'a charter is one day' },
        { field: 'body.charter', message: expect.stringMatching(/^required for a charter/) },
      ],
    });
  });

  it('given a trailer service with charter details and no address, then 400 on both', async () => {
    const { context } = jobsContext();
    await expect(
      createBooking(
        context,
        charterBooking({ brandId: 'qdn', serviceType: 'junk_removal', preferredDate: '2026-12-05' }),
        web,
      ),
    ).rejects.toMatchObject({
      details: [
        { field: 'body.address', message: 'required: where the job is' },
        { field: 'body.charter', message: 'Junk removal is not a charter' },
      ],
    });
  });

  it('given a dispatcher’s charter over the boat’s capacity, then 400; within it, priced by the charter pricing', async () => {
    const { context, repository } = jobsContext();
    const charter = {
      vessel: 'JADA',
      meetingPoint: 'Kona Kai Marina',
      guestCount: 8,
      durationMinutes: 180,
    };
    const trip = newJob({
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '2026-12-03', time: '17:30' },
      charter,
    });

    await expect(createJob(context, trip, dispatcher)).rejects.toMatchObject({
      details: [{ field: 'body.charter.guestCount', message: 'JADA takes at most 6 guests' }],
    });
    const { job } = await createJob(context, { ...trip, charter: { ...charter, guestCount: 6 } }, dispatcher);
    expect(repository.jobs.get(job.jobId)?.priceCents).toBe(3 * 40000);
    await expect(
      updateJob(context, job.jobId, { charter: { ...charter, guestCount: 9 } }, dispatcher),
    ).rejects.toMatchObject({ details: [{ field: 'body.charter.guestCount' }] });
  });
});

describe('expiring web bookings nobody confirmed', () => {
  const booked = (overrides: Partial<JobRecord>) =>
    jobRecord({
      status: 'requested',
      origin: 'booking',
      crewIds: [],
      statusHistory: [{ status: 'requested', at: '2026-12-01T20:00:00.000Z', by: 'customer' }],
      createdAt: '2026-12-01T20:00:00.000Z',
      updatedAt: '2026-12-01T20:00:00.000Z',
      ...overrides,
    });

  it("given requests of two brands, when the schedule runs, then only those past their brand's days expire", async () => {
    // Prepare: QuickDumpNow waits 3 days, JADA 14 (shared/config/brands.local.json).
    const { context, repository } = jobsContext([
      booked({ jobId: 'qdn_01JOLDQDN0000000000000000A' }),
      booked({ jobId: 'qdn_01JNEWQDN0000000000000000B', createdAt: '2026-12-03T20:00:00.000Z' }),
      booked({ jobId: 'qdn_01JOLDJADA000000000000000C', brandId: 'jada', serviceType: 'charter' }),
      jobRecord({ jobId: 'qdn_01JSCHEDULED0000000000000D', createdAt: '2026-11-01T00:00:00.000Z' }),
    ]);
    const fourDaysLater = new Date('2026-12-05T20:00:00.000Z');

    // Act
    const result = await expireRequests(context, fourDaysLater);

    // Assess
    expect(result).toEqual({ expired: ['qdn_01JOLDQDN0000000000000000A'], waiting: 2 });
    const expired = await repository.get('qdn_01JOLDQDN0000000000000000A');
    expect(expired).toMatchObject({
      status: 'cancelled',
      version: 2,
      expiredAt: fourDaysLater.toISOString(),
      updatedBy: EXPIRY_ACTOR,
    });
    expect(expired?.statusHistory?.at(-1)).toEqual({
      status: 'cancelled',
      at: fourDaysLater.toISOString(),
      by: EXPIRY_ACTOR,
      note: 'expired: not confirmed within 3 days',
    });
    expect((await repository.get('qdn_01JNEWQDN0000000000000000B'))?.status).toBe('requested');
    expect((await repository.get('qdn_01JOLDJADA000000000000000C'))?.status).toBe('requested');
    expect((await listRequests(context)).map((job) => job.jobId)).toEqual([
      'qdn_01JOLDJADA000000000000000C',
      'qdn_01JNEWQDN0000000000000000B',
    ]);
  });

  it('given an expired request holding a trailer, then its days are released', async () => {
    const { context, repository } = jobsContext([booked({ trailerId: 'T1' })]);
    repository.trailerDays.set('T1/2026-12-01', 'qdn_01JDEMO0000000000000000000');
    await expireRequests(context, new Date('2026-12-10T00:00:00.000Z'));
    expect(repository.trailerDays.size).toBe(0);
  });

  it('given a dispatcher confirms it while the schedule runs, then the confirmation stands', async () => {
    // Prepare: the expiry read version 1; the dispatcher saved version 2 in between.
    const { context, repository } = jobsContext([booked({})]);
    const listed = await repository.listRequested(10);
    repository.listRequested = async () => listed;
    const confirmed = { ...listed[0]!, status: 'scheduled' as const, version: 2 };
    await repository.save(confirmed, 1, { claim: undefined, release: undefined });

    // Act
    const result = await expireRequests(context, new Date('2026-12-10T00:00:00.000Z'));

    // Assess
    expect(result.expired).toEqual([]);
    expect((await repository.get(confirmed.jobId))?.status).toBe('scheduled');
  });
});
