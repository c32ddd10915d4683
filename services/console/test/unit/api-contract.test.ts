import { describe, expect, it } from '@jest/globals';
import { StatusInput, UpdateJobInput } from '../../../jobs/src/domain/job-input.ts';
import { UploadRequest } from '../../../media/src/domain/photo-input.ts';
import type { Job } from '../../src/api.ts';
import { changesOf, formOf } from '../../src/job-form.ts';

// The console's request bodies, parsed by the API's own zod schemas: a renamed or tightened field
// fails here (the types already fail `npm run typecheck`; this checks the values the forms build).

const job = {
  jobId: 'qdn_01',
  brandId: 'qdn',
  version: 3,
  status: 'requested',
  serviceType: 'trailer_drop',
  customer: { name: 'Ana Ruiz', phone: '+16195550123' },
  address: { text: '1 Main St' },
  schedule: { date: '2026-12-03', window: 'afternoon' },
  crewIds: [],
  priceCents: 35000,
  updatedAt: '2026-12-03T16:00:00.000Z',
} as unknown as Job;

describe("the console's requests", () => {
  it('an edit sends only what changed, in a body PATCH /jobs accepts', () => {
    const form = {
      ...formOf(job),
      window: 'morning',
      trailerId: 'T7',
      crewIds: 'crew-diego, crew-riley',
      price: '380.50',
      notes: 'Side gate',
      crewNotes: 'Ramp on the left',
    };
    const body = { ...changesOf(job, form, false), expectedVersion: job.version };
    expect(body).toEqual({
      schedule: { date: '2026-12-03', window: 'morning' },
      trailerId: 'T7',
      crewIds: ['crew-diego', 'crew-riley'],
      priceCents: 38050,
      notes: 'Side gate',
      crewNotes: 'Ramp on the left',
      expectedVersion: 3,
    });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
  });

  it('clearing a field sends null, which the API takes as "remove"', () => {
    const withTrailer = { ...job, trailerId: 'T7', notes: 'x' } as Job;
    const body = changesOf(withTrailer, { ...formOf(withTrailer), trailerId: '', notes: '' }, false);
    expect(body).toEqual({ trailerId: null, notes: null });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
  });

  it('private fields go only in an admin edit', () => {
    const form = { ...formOf(job), internalNotes: 'Pays late', captainFee: '120' };
    expect(changesOf(job, form, false)).toEqual({});
    const body = changesOf(job, form, true);
    expect(body).toEqual({ private: { internalNotes: 'Pays late', captainFeeCents: 12000 } });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
  });

  it('status moves, corrections and uploads parse', () => {
    expect(StatusInput.safeParse({ status: 'en_route', expectedVersion: 3, etaMinutes: 25 }).success).toBe(
      true,
    );
    expect(
      StatusInput.safeParse({ status: 'scheduled', reason: 'mis-tap', expectedVersion: 4 }).success,
    ).toBe(true);
    expect(StatusInput.safeParse({ status: 'cancelled', note: 'Declined: no trailer free' }).success).toBe(
      true,
    );
    expect(UploadRequest.safeParse({ contentType: 'image/png', size: 5_000 }).success).toBe(true);
  });
});
