import { describe, expect, it } from '@jest/globals';
import { StatusInput, UpdateJobInput } from '../../../jobs/src/domain/job-input.ts';
import { UploadRequest } from '../../../media/src/domain/photo-input.ts';
import { ApiError, errorText, isRefusal, isVersionConflict, type Job } from '../../src/api.ts';
import {
  changesOf,
  confirmation,
  confirmDraftOf,
  consentMissing,
  draftOf,
  formOf,
  rebase,
  rebaseConfirmation,
  rescheduled,
} from '../../src/job-form.ts';

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

  it('given a new number, then how its owner agreed to texts is sent as the dispatcher chose it, never by default', () => {
    const form = { ...formOf(job), phone: '+16195550199' };
    expect(consentMissing(job, form)).toBe(true);
    expect(changesOf(job, form, false)).not.toHaveProperty('smsConsent');
    for (const how of ['asked-by-phone', 'texted-us', 'none'] as const) {
      const answered = { ...form, smsConsent: how };
      expect(consentMissing(job, answered)).toBe(false);
      const body = changesOf(job, answered, false);
      expect(body).toEqual({
        customer: { name: 'Ana Ruiz', phone: '+16195550199' },
        smsConsent: { how },
      });
      expect(UpdateJobInput.safeParse({ ...body, expectedVersion: 3 }).success).toBe(true);
    }
    // The same number (a name corrected): nothing asked, nothing sent about consent.
    const renamed = { ...formOf(job), name: 'Ana Ruiz-Lee', smsConsent: 'texted-us' as const };
    expect(consentMissing(job, renamed)).toBe(false);
    expect(changesOf(job, renamed, false)).toEqual({
      customer: { name: 'Ana Ruiz-Lee', phone: '+16195550123' },
    });
  });

  it('private fields go only in an admin edit', () => {
    const form = { ...formOf(job), internalNotes: 'Pays late', captainFee: '120' };
    expect(changesOf(job, form, false)).toEqual({});
    const body = changesOf(job, form, true);
    expect(body).toEqual({ private: { internalNotes: 'Pays late', captainFeeCents: 12000 } });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
  });

  it('given private fields emptied by an admin, then only those are sent, as null, which the API takes as "remove"', () => {
    const withPrivate = {
      ...job,
      private: { revenueSplit: '70/30', captainFeeCents: 12000, internalNotes: 'Pays late' },
    } as Job;
    const form = { ...formOf(withPrivate), captainFee: '', internalNotes: '' };
    const body = changesOf(withPrivate, form, true);
    expect(body).toEqual({ private: { captainFeeCents: null, internalNotes: null } });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
    expect(changesOf(withPrivate, { ...form, revenueSplit: '60/40' }, true)).toEqual({
      private: { revenueSplit: '60/40', captainFeeCents: null, internalNotes: null },
    });
  });

  it('status moves, corrections and uploads parse', () => {
    expect(StatusInput.safeParse({ status: 'en_route', expectedVersion: 3, etaMinutes: 25 }).success).toBe(
      true,
    );
    expect(
      StatusInput.safeParse({ status: 'scheduled', reason: 'mis-tap', expectedVersion: 4 }).success,
    ).toBe(true);
    expect(
      StatusInput.safeParse({ status: 'cancelled', note: 'Declined: no trailer free', expectedVersion: 3 })
        .success,
    ).toBe(true);
    expect(UploadRequest.safeParse({ contentType: 'image/png', size: 5_000 }).success).toBe(true);
  });
});

describe('moving a job', () => {
  const rental = {
    ...job,
    schedule: { date: '2026-12-01', window: 'morning', endDate: '2026-12-03' },
  } as Job;
  const charter = { ...job, serviceType: 'charter', schedule: { date: '2026-12-05', time: '17:30' } } as Job;

  it('given a three-day rental given a new window, then its last day is kept', () => {
    const body = changesOf(rental, { ...formOf(rental), window: 'afternoon' }, false);
    expect(body).toEqual({ schedule: { date: '2026-12-01', window: 'afternoon', endDate: '2026-12-03' } });
    expect(UpdateJobInput.safeParse({ ...body, expectedVersion: 3 }).success).toBe(true);
  });

  it('given a three-day rental moved two days later (across a month end too), then all three days move', () => {
    expect(rescheduled(rental.schedule, '2026-12-03', 'morning')).toEqual({
      date: '2026-12-03',
      window: 'morning',
      endDate: '2026-12-05',
    });
    expect(
      rescheduled({ date: '2026-12-30', endDate: '2027-01-01', window: 'morning' }, '2027-01-02', ''),
    ).toEqual({ date: '2027-01-02', endDate: '2027-01-04' });
  });

  it('given a charter moved to another day, then it keeps its departure time; given a window, the window replaces it', () => {
    expect(changesOf(charter, { ...formOf(charter), date: '2026-12-06' }, false)).toEqual({
      schedule: { date: '2026-12-06', time: '17:30' },
    });
    expect(rescheduled(charter.schedule, '2026-12-06', 'evening')).toEqual({
      date: '2026-12-06',
      window: 'evening',
    });
  });

  it('given the date cleared, then the last day stays as it was and the API names the date', () => {
    const body = changesOf(rental, { ...formOf(rental), date: '' }, false);
    expect(body.schedule).toEqual({ date: '', window: 'morning', endDate: '2026-12-03' });
    const parsed = UpdateJobInput.safeParse({ ...body, expectedVersion: 3 });
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain('schedule.date');
  });
});

describe('an edit left as a draft', () => {
  const v3 = { ...job, crewIds: ['crew-diego'], notes: 'Side gate' } as Job;
  // Another dispatcher moved the job to the next day and changed its crew meanwhile.
  const v4 = {
    ...v3,
    version: 4,
    schedule: { date: '2026-12-04', window: 'afternoon' },
    crewIds: ['crew-riley'],
  } as Job;

  it('given a draft from an older version, then only what was typed in it is sent against the newer one', () => {
    const draft = { ...draftOf(v3), form: { ...formOf(v3), notes: 'Side gate, dog in yard' } };
    const rebased = rebase(draft, v4);
    expect(rebased.form).toEqual({ ...formOf(v4), notes: 'Side gate, dog in yard' });
    expect(changesOf(v4, rebased.form, false)).toEqual({ notes: 'Side gate, dog in yard' });
  });

  it('given a field changed on both sides, then the draft’s value stays (the dispatcher was told of the conflict)', () => {
    const draft = { ...draftOf(v3), form: { ...formOf(v3), crewIds: 'crew-sam' } };
    expect(changesOf(v4, rebase(draft, v4).form, false)).toEqual({ crewIds: ['crew-sam'] });
  });

  it('given a draft nobody typed in, then it is the job as it is now', () => {
    expect(rebase(draftOf(v3), v4)).toEqual(draftOf(v4));
  });
});

describe('a web booking confirmed from the requests inbox', () => {
  const request = {
    ...job,
    schedule: { date: '2026-12-03', window: 'afternoon', endDate: '2026-12-04' },
  } as Job;
  // Another dispatcher moved it a day later meanwhile.
  const moved = {
    ...request,
    version: 4,
    schedule: { date: '2026-12-04', window: 'afternoon', endDate: '2026-12-05' },
  } as Job;

  it('is sent against the version the form started from, in a body PATCH /jobs accepts', () => {
    const draft = confirmDraftOf(request);
    const typed = { ...draft, form: { ...draft.form, trailerId: 'T1', crewIds: 'crew-diego, ' } };
    const body = confirmation(request, typed);
    expect(body).toEqual({
      expectedVersion: 3,
      schedule: { date: '2026-12-03', window: 'afternoon', endDate: '2026-12-04' },
      trailerId: 'T1',
      crewIds: ['crew-diego'],
    });
    expect(UpdateJobInput.safeParse(body).success).toBe(true);
  });

  it('given a 409 after another change, then the form takes their date, keeps what was typed, and says what changed', () => {
    const draft = confirmDraftOf(request);
    const typed = { ...draft, form: { ...draft.form, crewIds: 'crew-riley', reason: '' } };
    const { draft: rebased, changed } = rebaseConfirmation(typed, moved);
    expect(changed).toEqual(['the date']);
    expect(rebased.version).toBe(4);
    expect(rebased.form).toMatchObject({ date: '2026-12-04', window: 'afternoon', crewIds: 'crew-riley' });
    expect(confirmation(moved, rebased)).toMatchObject({
      expectedVersion: 4,
      schedule: { date: '2026-12-04', window: 'afternoon', endDate: '2026-12-05' },
      crewIds: ['crew-riley'],
    });
  });

  it('given the date changed on both sides, then the one typed stays (the dispatcher was told)', () => {
    const draft = confirmDraftOf(request);
    const typed = { ...draft, form: { ...draft.form, date: '2026-12-10' } };
    expect(rebaseConfirmation(typed, moved).draft.form.date).toBe('2026-12-10');
  });
});

describe('an answer the API gave', () => {
  it('given a 4xx, then it is a refusal: the same request sent again gets the same answer', () => {
    for (const status of [400, 403, 404, 409, 422]) expect(isRefusal(new ApiError(status, 'no'))).toBe(true);
  });

  it('given a 5xx, a 408, a 429 or no answer at all, then it is not: the request may yet be taken', () => {
    for (const status of [408, 429, 500, 503]) expect(isRefusal(new ApiError(status, 'later'))).toBe(false);
    expect(isRefusal(new TypeError('Failed to fetch'))).toBe(false);
  });

  it('given a 409 naming expectedVersion, then it is a version conflict; another 409 is not', () => {
    const stale = new ApiError(409, 'The job was changed since you loaded it', [
      { field: 'expectedVersion', currentVersion: 5 } as unknown as { field: string; message: string },
    ]);
    expect(isVersionConflict(stale)).toBe(true);
    expect(isVersionConflict(new ApiError(409, 'A complete job can no longer be changed'))).toBe(false);
    expect(
      isVersionConflict(new ApiError(400, 'Invalid body', [{ field: 'expectedVersion', message: 'x' }])),
    ).toBe(false);
  });

  it("is said in the API's words with the fields it named", () => {
    const window = new ApiError(400, 'Invalid replay window', [
      { field: 'body.from', message: "is older than the archive's 7-day retention" },
    ]);
    expect(errorText(window)).toBe("Invalid replay window: from is older than the archive's 7-day retention");
    expect(errorText(new ApiError(409, 'A complete job can no longer be changed'))).toBe(
      'A complete job can no longer be changed',
    );
    expect(errorText(new TypeError('Failed to fetch'))).toBe('Failed to fetch');
  });
});
