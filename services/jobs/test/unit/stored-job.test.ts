import { describe, expect, it } from '@jest/globals';
import { StoredRecordError } from '@qdn/shared/stored-record';
import { jobOfItem, storedJob } from '../../src/adapters/stored-job.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import { jobRecord } from './fakes.ts';

/** A job with every kind of field filled in, as a busy day leaves it: the read's worst case. */
const fullJob: JobRecord = jobRecord({
  status: 'en_route',
  customer: { name: 'Mark Soderblom', phone: '+16195550142', email: 'mark@example.com' },
  schedule: { date: '2026-12-01', window: 'afternoon', time: '13:30', endDate: '2026-12-03' },
  trailerId: 'T-7',
  crewIds: ['crew_ana', 'crew_bo'],
  priceCents: 24_900,
  paymentMethod: 'card',
  invoiceUrl: 'https://example.com/invoice/1',
  notes: 'Gate code 1234',
  crewNotes: 'Back in by the garage',
  etaMinutes: 20,
  trackingLinkId: 'lnk_01JDEMO',
  trackingTokenHash: 'a'.repeat(64),
  private: { revenueSplit: '70/30', captainFeeCents: 5_000, internalNotes: 'VIP' },
  statusHistory: [
    { status: 'requested', at: '2026-11-28T11:00:00.000Z', by: 'customer' },
    { status: 'scheduled', at: '2026-11-28T12:00:00.000Z', by: 'dispatcher-1', note: 'confirmed' },
    { status: 'en_route', at: '2026-12-01T13:00:00.000Z', by: 'crew_ana' },
  ],
  origin: 'booking',
  smsConsent: {
    phone: '+16195550142',
    source: 'web-booking',
    statement: 'Text me about this booking',
    at: '2026-11-28T11:00:00.000Z',
    by: 'customer',
  },
  updatedBy: 'crew_ana',
  correlationId: 'corr-1',
});

/** The job's item as the table (and its stream) holds it: keys and index attributes beside the record. */
const itemOf = (job: JobRecord): Record<string, unknown> => ({
  pk: `JOB#${job.jobId}`,
  sk: 'JOB',
  gsi1pk: `DATE#${job.schedule.date}`,
  gsi1sk: job.jobId,
  gsi2pk: 'REQUESTED',
  gsi2sk: `${job.createdAt}#${job.jobId}`,
  ...job,
});

describe('storedJob (a job item back into a JobRecord)', () => {
  it('given a job item, then the record is the job without keys or index attributes', () => {
    expect(storedJob(itemOf(fullJob))).toStrictEqual(fullJob);
  });

  it('given a job item written before trackingUrl was dropped from records, then the legacy attribute is not read', () => {
    const legacy = { ...itemOf(jobRecord()), trackingUrl: 'https://qdn.example/t/old-token' };

    expect(storedJob(legacy)).toStrictEqual(jobRecord());
  });

  it('given a corrupt job item, then the error names its key and the fields', () => {
    const corrupt = { ...itemOf(jobRecord()), status: 'lost', version: '3' };

    expect(() => storedJob(corrupt)).toThrow(StoredRecordError);
    expect(() => storedJob(corrupt)).toThrow(
      /^Stored job \(pk=JOB#qdn_01JDEMO0000000000000000000 sk=JOB\) does not match its schema: version: .*; status: /,
    );
  });

  it('given stream images, then only job items become jobs', () => {
    expect(jobOfItem(itemOf(fullJob))).toStrictEqual(fullJob);
    expect(jobOfItem({ pk: 'LINK#abc', sk: 'LINK', jobId: fullJob.jobId })).toBeUndefined();
    expect(jobOfItem(undefined)).toBeUndefined();
  });

  it('measures a hot read: validating a full job item costs microseconds, next to a DynamoDB call of milliseconds', () => {
    // Prepare: warm up (V8 optimises the parser over the first calls).
    const item = itemOf(fullJob);
    for (let i = 0; i < 2_000; i++) storedJob(item);
    const reads = 4_000;

    // Act: the best of five batches (as the event-pattern matcher's bound): a GC pause or another step's
    // burst on a 2-core machine lands in one batch and says nothing of the parser.
    const batches = Array.from({ length: 5 }, () => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < reads; i++) storedJob(item);
      return Number(process.hrtime.bigint() - started) / 1_000 / reads;
    });
    const microsPerRead = Math.min(...batches);

    // Assess: the ceiling is far above what it measures (31 µs here, best of five, alone) so a busy CI
    // machine doesn't fail it, and far below a GetItem (~2-10 ms), so a schema that got expensive would.
    // One batch of 20,000 measured 46–170 µs in CI runs and once 200.7 µs with more work beside it: the
    // best of five keeps such a burst out of the figure rather than raising the ceiling.
    console.log(`storedJob: ${microsPerRead.toFixed(2)} µs per full job item (best of 5 × ${reads} reads)`);
    expect(microsPerRead).toBeLessThan(200);
  });
});
