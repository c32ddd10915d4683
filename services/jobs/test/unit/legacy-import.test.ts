import { describe, expect, it } from '@jest/globals';
import { MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import { trackingTokenHash } from '@qdn/shared/tracking-link';
import { type JobsContext, jobForTrackingToken, rotateTrackingLink } from '../../src/domain/job-commands.ts';
import { eventsForJobChange } from '../../src/domain/job-events.ts';
import { checkManifest, importedJobId, importLegacyJobs } from '../../src/domain/legacy-import.ts';
import { MemoryJobRepository, MemoryLinkViews } from './fakes.ts';

// The first system's jobs.json, in the seed's shape (shared/seeds/000: Mark's job on Soderblom Ave).
const NOW = new Date('2026-12-04T18:00:00.000Z');
const MARK_TOKEN = 'f3c9a1b2d4e5f60718293a4b5c6d7e8f';
const mark = {
  jobId: 'qdn_1764806400000',
  customerName: 'Mark',
  address: 'Soderblom Ave',
  serviceType: 'trailer_pickup_and_dump',
  price: 600,
  status: 'scheduled',
  scheduledTime: 'afternoon',
  trackingToken: MARK_TOKEN,
  created: '2026-12-04T17:30:00.000Z',
};

function context(repository = new MemoryJobRepository()) {
  const jobs: JobsContext = {
    repository,
    brands: testBrands,
    now: () => NOW,
    newJobId: () => 'qdn_01JNEW00000000000000000001',
    siteBaseUrl: (brandId) => `https://${brandId}.example.test`,
    trackingLinkSecret: async () => 'tracking-link-secret-for-tests!!',
    bookingLimits: { perPhonePerDay: 2, perIpPerHour: 3, maxDaysAhead: 60, maxRentalDays: 14 },
    limits: new MemoryRateLimits(),
    trackLookupsPerIpPerMinute: 100,
    trackingLinkDaysAfterClose: 3,
    linkViews: new MemoryLinkViews(),
  };
  return { jobs, repository };
}

describe('checking a manifest of the first system', () => {
  it("given the seed's record, then the job it becomes: same day's afternoon in San Diego, cents, the old id kept", () => {
    // Act
    const { jobs, problems } = checkManifest(testBrands.get('qdn'), [mark], 'import');

    // Assess
    expect(problems).toEqual([]);
    expect(jobs[0]?.job).toMatchObject({
      jobId: importedJobId('qdn', mark),
      legacyJobId: 'qdn_1764806400000',
      status: 'scheduled',
      customer: { name: 'Mark' },
      address: { text: 'Soderblom Ave' },
      schedule: { date: '2026-12-04', window: 'afternoon' },
      priceCents: 60_000,
      origin: 'import',
      createdAt: '2026-12-04T17:30:00.000Z',
    });
    expect(jobs[0]?.job.customer.phone).toBeUndefined();
  });

  it('given bad records among good ones, then each bad one is reported by index with its field errors', () => {
    // Prepare
    const manifest = [
      mark,
      { ...mark, jobId: 'qdn_2', price: -5, trackingToken: 'short', status: 'lost' },
      {
        ...mark,
        jobId: 'qdn_3',
        trackingToken: `${MARK_TOKEN}x`,
        serviceType: 'charter',
        scheduledTime: 'dusk',
      },
      { ...mark, trackingToken: `${MARK_TOKEN}y` },
      'not a job',
      {
        ...mark,
        jobId: 'qdn_6',
        trackingToken: `${MARK_TOKEN}z`,
        scheduledTime: '2026-12-09T09:30:00-08:00',
      },
    ];

    // Act
    const { jobs, problems } = checkManifest(testBrands.get('qdn'), manifest, 'import');

    // Assess
    expect(jobs.map((job) => job.index)).toEqual([0, 5]);
    expect(jobs[1]?.job.schedule).toEqual({ date: '2026-12-09', time: '09:30' });
    expect(problems.map((problem) => [problem.index, problem.errors.map((error) => error.field)])).toEqual([
      [1, ['price', 'status', 'trackingToken']],
      [2, ['serviceType', 'scheduledTime']],
      [3, ['jobId']],
      [4, ['(record)']],
    ]);
    expect(problems[0]?.jobId).toBe('qdn_2');
  });

  it('given a window or status named like a property every object has, then a field error, not a job', () => {
    const manifest = [
      { ...mark, scheduledTime: 'constructor' },
      { ...mark, jobId: 'qdn_2', trackingToken: `${MARK_TOKEN}x`, status: 'toString' },
    ];

    const { jobs, problems } = checkManifest(testBrands.get('qdn'), manifest, 'import');

    expect(jobs).toEqual([]);
    expect(problems.map((problem) => [problem.index, problem.errors.map((error) => error.field)])).toEqual([
      [0, ['scheduledTime']],
      [1, ['status']],
    ]);
  });

  it('given a day the calendar does not have (or one out of range), then a field error, not a job on no board', () => {
    const manifest = [
      { ...mark, scheduledTime: '2026-02-30' },
      { ...mark, jobId: 'qdn_2', trackingToken: `${MARK_TOKEN}x`, scheduledTime: '2027-02-29' },
      { ...mark, jobId: 'qdn_3', trackingToken: `${MARK_TOKEN}y`, scheduledTime: '1999-12-31' },
      { ...mark, jobId: 'qdn_4', trackingToken: `${MARK_TOKEN}z`, scheduledTime: '2028-02-29' },
    ];

    const { jobs, problems } = checkManifest(testBrands.get('qdn'), manifest, 'import');

    expect(jobs.map((job) => job.job.schedule)).toEqual([{ date: '2028-02-29' }]);
    expect(problems.map((problem) => [problem.index, problem.errors])).toEqual([
      [0, [{ field: 'scheduledTime', message: 'must be a date, YYYY-MM-DD' }]],
      [1, [{ field: 'scheduledTime', message: 'must be a date, YYYY-MM-DD' }]],
      [2, [{ field: 'scheduledTime', message: 'must be between 2000-01-01 and 2099-12-31' }]],
    ]);
  });

  it('given something other than an array, then one problem and no job', () => {
    const { jobs, problems } = checkManifest(testBrands.get('qdn'), { jobs: [mark] }, 'import');
    expect(jobs).toEqual([]);
    expect(problems).toEqual([
      { index: -1, errors: [{ field: '(manifest)', message: 'must be a JSON array of jobs' }] },
    ]);
  });

  it('given the same record, then always the same job id, in the API’s id format; another record, another id', () => {
    expect(importedJobId('qdn', mark)).toBe(importedJobId('qdn', { ...mark }));
    expect(importedJobId('qdn', mark)).toMatch(/^qdn_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(importedJobId('qdn', { ...mark, jobId: 'qdn_other' })).not.toBe(importedJobId('qdn', mark));
    expect(importedJobId('jada', mark)).not.toBe(importedJobId('qdn', mark));
  });
});

describe('importing the first system’s jobs', () => {
  it('given a manifest, when imported twice, then the jobs once, the second run changes nothing', async () => {
    // Prepare
    const { jobs, repository } = context();
    const manifest = [mark, { ...mark, jobId: 'qdn_bad', price: 'lots' }];

    // Act
    const first = await importLegacyJobs(jobs, { manifest, importedBy: 'import' });
    const stored = await repository.get(importedJobId('qdn', mark));
    const second = await importLegacyJobs(jobs, { manifest, importedBy: 'import' });

    // Assess
    expect(first.imported).toEqual([
      { index: 0, legacyJobId: mark.jobId, jobId: importedJobId('qdn', mark) },
    ]);
    expect(first.problems.map((problem) => problem.index)).toEqual([1]);
    expect(second.imported).toEqual([]);
    expect(second.alreadyImported.map((job) => job.jobId)).toEqual([importedJobId('qdn', mark)]);
    expect(await repository.get(importedJobId('qdn', mark))).toEqual(stored);
    expect(repository.jobs.size).toBe(1);
    // The job's own link and the old token: two links, nothing else.
    expect(repository.links.size).toBe(2);
  });

  it('given an imported job, then its old token opens it, and stops when the link is rotated', async () => {
    // Prepare
    const { jobs } = context();
    await importLegacyJobs(jobs, { manifest: [mark], importedBy: 'import' });
    const jobId = importedJobId('qdn', mark);

    // Act
    const opened = await jobForTrackingToken(jobs, MARK_TOKEN);
    const { trackingUrl } = await rotateTrackingLink(jobs, jobId, {
      userId: 'dispatcher-1',
      roles: ['dispatcher'],
    });
    const afterRotation = await jobForTrackingToken(jobs, MARK_TOKEN);

    // Assess
    expect(opened?.jobId).toBe(jobId);
    expect(afterRotation).toBeUndefined();
    expect((await jobForTrackingToken(jobs, trackingUrl.split('/track/')[1]!))?.jobId).toBe(jobId);
  });

  it('given a token nobody imported, then nothing opens (an imported link is found by the hash only)', async () => {
    const { jobs, repository } = context();
    await importLegacyJobs(jobs, { manifest: [mark], importedBy: 'import' });
    expect(await jobForTrackingToken(jobs, `${MARK_TOKEN.slice(0, -1)}0`)).toBeUndefined();
    expect(repository.links.get(trackingTokenHash(MARK_TOKEN))).toMatchObject({ imported: true });
    expect(JSON.stringify([...repository.jobs.values()])).not.toContain(MARK_TOKEN);
  });
});

describe('the events of an imported job', () => {
  it('given an imported job (with or without a phone), then its insert publishes nothing: nobody is texted', async () => {
    // Prepare
    const { jobs, repository } = context();
    await importLegacyJobs(jobs, {
      manifest: [
        mark,
        {
          ...mark,
          jobId: 'qdn_with_phone',
          trackingToken: `${MARK_TOKEN}p`,
          customerPhone: '(619) 555-0142',
        },
      ],
      importedBy: 'import',
    });
    const imported = [...repository.jobs.values()];

    // Act
    const events = imported.flatMap((job) => eventsForJobChange(undefined, job));

    // Assess
    expect(imported.map((job) => job.customer.phone).sort()).toEqual(['+16195550142', undefined]);
    expect(events).toEqual([]);
  });

  it('given an imported job with a phone, when it later moves on, then its events publish as any job’s', async () => {
    const { jobs, repository } = context();
    await importLegacyJobs(jobs, {
      manifest: [{ ...mark, customerPhone: '+16195550142' }],
      importedBy: 'import',
    });
    const before = [...repository.jobs.values()][0]!;
    const after = { ...before, version: 2, status: 'en_route' as const, updatedAt: NOW.toISOString() };
    expect(eventsForJobChange(before, after).map((event) => event.detailType)).toEqual(['JobStatusChanged']);
  });

  it('given an imported job without a phone, then nothing goes on the bus until a dispatcher adds one', async () => {
    const { jobs, repository } = context();
    await importLegacyJobs(jobs, { manifest: [mark], importedBy: 'import' });
    const before = [...repository.jobs.values()][0]!;
    const moved = { ...before, version: 2, status: 'en_route' as const };
    const withPhone = { ...before, version: 2, customer: { name: 'Mark', phone: '+16195550142' } };
    expect(eventsForJobChange(before, moved)).toEqual([]);
    expect(eventsForJobChange(before, withPhone).map((event) => event.detailType)).toEqual([
      'JobDetailsChanged',
    ]);
  });
});
