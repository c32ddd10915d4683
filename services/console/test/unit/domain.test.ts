import { describe, expect, it } from '@jest/globals';
import type { Job } from '../../src/api.ts';
import {
  ageText,
  allowedMoves,
  brandOptions,
  calendarLag,
  changedFields,
  checklistFrom,
  dayRangeText,
  deliveryText,
  disputeState,
  groupByStatus,
  hasDisputeToAnswer,
  hasFailedRefund,
  lateness,
  linkViewsText,
  mapMarkers,
  messagesOf,
  optedOut,
  refundState,
  replayWindow,
  STATUS_ORDER,
  shortfallCents,
  slaLevel,
  spanDayText,
  statusLabel,
  trailerRuns,
  trailersFreeFor,
  validTimeZone,
  wallClock,
  windowText,
} from '../../src/domain.ts';

const windows = { morning: { start: '08:00', end: '12:00' }, afternoon: { start: '12:00', end: '17:00' } };

function job(overrides: Partial<Job> = {}): Job {
  return {
    jobId: 'qdn_01',
    brandId: 'qdn',
    version: 3,
    status: 'scheduled',
    serviceType: 'trailer_drop',
    customer: { name: 'Ana Ruiz', phone: '+16195550123' },
    address: { text: '1 Main St' },
    schedule: { date: '2026-12-03', window: 'afternoon' },
    crewIds: ['crew-diego'],
    updatedAt: '2026-12-03T16:00:00.000Z',
    ...overrides,
  } as Job;
}

describe('the board', () => {
  it('groups jobs by status in the day order, earliest window first', () => {
    const groups = groupByStatus([
      job({ jobId: 'b', schedule: { date: '2026-12-03', window: 'morning' } }),
      job({ jobId: 'a', schedule: { date: '2026-12-03', time: '07:30' } }),
      job({ jobId: 'c', status: 'en_route' }),
    ]);
    expect(groups.map((group) => group.status)).toEqual(STATUS_ORDER);
    expect(groups[1]!.jobs.map((j) => j.jobId)).toEqual(['a', 'b']);
    expect(groups[2]!.jobs.map((j) => j.jobId)).toEqual(['c']);
  });

  it('shows which day of a rental the board’s day is: drop-off, day n of N, pick-up; nothing for a one-day job', () => {
    const rental = { date: '2026-11-30', endDate: '2026-12-02', window: 'morning' };
    expect(spanDayText(rental, '2026-11-30')).toBe('drop-off · day 1 of 3 (to 2026-12-02)');
    expect(spanDayText(rental, '2026-12-01')).toBe('day 2 of 3 (2026-11-30 → 2026-12-02)');
    expect(spanDayText(rental, '2026-12-02')).toBe('pick-up · day 3 of 3 (from 2026-11-30)');
    expect(spanDayText({ date: '2026-12-03', window: 'morning' }, '2026-12-03')).toBeUndefined();
    expect(spanDayText({ date: '2026-12-03', endDate: '2026-12-03' }, '2026-12-03')).toBeUndefined();
  });

  it('shows a window by its hours, a fixed time as "at"', () => {
    expect(windowText(job(), windows)).toBe('12:00–17:00 (afternoon)');
    expect(windowText(job({ schedule: { date: '2026-12-03', time: '09:15' } }), windows)).toBe('at 09:15');
    expect(windowText(job({ schedule: { date: '2026-12-03' } }), windows)).toBe('any time');
  });

  it('says how old a location is', () => {
    expect(ageText(20_000)).toBe('just now');
    expect(ageText(3 * 60_000 + 5_000)).toBe('3 min ago');
    expect(ageText(2 * 3_600_000)).toBe('2 h ago');
    expect(ageText(50 * 3_600_000)).toBe('2 d ago');
  });
});

describe('SLA colours', () => {
  const at = (iso: string) => wallClock(Date.parse(iso), 'America/Los_Angeles');
  const enRoute = (eta: number) =>
    job({
      status: 'en_route',
      etaMinutes: eta,
      statusHistory: [{ status: 'en_route', at: '2026-12-03T18:00:00.000Z', by: 'u' }],
    });

  it('turns an en-route job red 15 minutes past its ETA, amber once past it', () => {
    expect(slaLevel(enRoute(30), at('2026-12-03T18:20:00Z'), windows)).toBe('ok');
    expect(slaLevel(enRoute(30), at('2026-12-03T18:40:00Z'), windows)).toBe('watch');
    expect(slaLevel(enRoute(30), at('2026-12-03T18:46:00Z'), windows)).toBe('late');
  });

  it('turns a scheduled job with no crew red an hour before its window, amber two hours before', () => {
    const unassigned = job({ crewIds: [] });
    // 12:00 window start in San Diego (UTC-8): 20:00Z.
    expect(slaLevel(unassigned, at('2026-12-03T17:30:00Z'), windows)).toBe('ok');
    expect(slaLevel(unassigned, at('2026-12-03T18:30:00Z'), windows)).toBe('watch');
    expect(slaLevel(unassigned, at('2026-12-03T19:30:00Z'), windows)).toBe('late');
    expect(slaLevel(job(), at('2026-12-03T19:30:00Z'), windows)).toBe('ok');
  });

  it("follows the brand's own thresholds: a charter brand wants crews assigned three hours ahead", () => {
    const charter = {
      enRouteLateAfterEtaMinutes: 10,
      unassignedBeforeStartMinutes: 180,
      staleLocationMinutes: 5,
    };
    const unassigned = job({ crewIds: [] });
    // 10:30 in San Diego: 90 min before the 12:00 window, fine by the defaults, late for the charter.
    expect(slaLevel(unassigned, at('2026-12-03T18:30:00Z'), windows)).toBe('watch');
    expect(slaLevel(unassigned, at('2026-12-03T18:30:00Z'), windows, charter)).toBe('late');
    // 07:30: 4.5 h ahead, inside twice the charter's 3 h.
    expect(slaLevel(unassigned, at('2026-12-03T15:30:00Z'), windows)).toBe('ok');
    expect(slaLevel(unassigned, at('2026-12-03T15:30:00Z'), windows, charter)).toBe('watch');
  });

  it('reads the wall clock in the brand time zone', () => {
    expect(wallClock(Date.parse('2026-12-04T02:30:00Z'), 'America/Los_Angeles')).toMatchObject({
      date: '2026-12-03',
      minutes: 18 * 60 + 30,
    });
  });
});

describe('status buttons', () => {
  const at = (iso: string) => Date.parse(iso);
  const completed = {
    status: 'complete',
    statusHistory: [
      { status: 'arrived', at: '2026-12-04T18:00:00.000Z', by: 'crew_1' },
      { status: 'complete', at: '2026-12-04T18:30:00.000Z', by: 'crew_1' },
    ],
    undoUntil: '2026-12-04T18:31:00.000Z',
  } satisfies Partial<Job>;

  it('offer forward moves first, then the correction, per role', () => {
    expect(allowedMoves({ status: 'arrived' }, 'dispatcher')).toEqual([
      { to: 'complete', correction: false, undo: false },
      { to: 'cancelled', correction: false, undo: false },
      { to: 'en_route', correction: true, undo: false },
    ]);
    expect(allowedMoves({ status: 'arrived' }, 'driver')).toEqual([
      { to: 'complete', correction: false, undo: false },
    ]);
    expect(allowedMoves({ status: 'scheduled' }, 'driver').map((move) => move.to)).toEqual(['en_route']);
  });

  it('offer the driver an undo of a mis-tapped complete while the window is open, and nothing after it', () => {
    expect(allowedMoves(completed, 'driver', at('2026-12-04T18:30:40Z'))).toEqual([
      { to: 'arrived', correction: true, undo: true },
    ]);
    expect(allowedMoves(completed, 'driver', at('2026-12-04T18:31:00Z'))).toEqual([]);
    expect(allowedMoves(completed, 'dispatcher', at('2026-12-04T18:31:00Z'))).toEqual([
      { to: 'arrived', correction: true, undo: false },
    ]);
  });

  it('take a cancellation back to the status it ended, for dispatchers only', () => {
    const cancelled = {
      status: 'cancelled',
      statusHistory: [
        { status: 'scheduled', at: '2026-12-04T17:00:00.000Z', by: 'disp' },
        { status: 'cancelled', at: '2026-12-04T18:30:00.000Z', by: 'disp', reason: 'customer called' },
      ],
      undoUntil: '2026-12-04T18:31:00.000Z',
    } satisfies Partial<Job>;
    expect(allowedMoves(cancelled, 'dispatcher', at('2026-12-04T18:30:10Z'))).toEqual([
      { to: 'scheduled', correction: true, undo: true },
    ]);
    expect(allowedMoves(cancelled, 'driver', at('2026-12-04T18:30:10Z'))).toEqual([]);
    // Its card payment going back (or gone): the job stays cancelled, and the API would refuse a move.
    for (const payment of [
      { method: 'card', status: 'paid', refundStartedAt: '2026-12-04T18:30:05.000Z' },
      { method: 'card', status: 'refunded', refundStatus: 'failed' },
    ] as const)
      expect(allowedMoves({ ...cancelled, payment }, 'dispatcher', at('2026-12-04T18:30:10Z'))).toEqual([]);
  });
});

describe('texts in words', () => {
  it('says what happened, with the Twilio code explained', () => {
    expect(deliveryText('delivered', undefined)).toBe('delivered');
    expect(deliveryText('undelivered', '30003')).toBe(
      'not delivered — carrier rejected: number unreachable (phone off or out of service)',
    );
    expect(deliveryText('failed', '21610')).toBe('failed — the customer replied STOP: texts are blocked');
    expect(deliveryText('failed', '99999')).toBe('failed — Twilio error 99999');
  });

  it('says how late a text went out and after how many failed attempts, and nothing for one sent at once', () => {
    const sent = {
      jobId: 'j',
      type: 'SmsSent',
      eventId: 'e',
      at: '2026-12-04T10:00:43.000Z',
      firstAttemptAt: '2026-12-04T10:00:00.000Z',
      failedAttempts: [{}, {}, {}],
    };
    expect(lateness(sent)).toBe('sent 43 s late after 3 failed attempts');
    expect(lateness({ ...sent, at: '2026-12-04T10:12:00.000Z', failedAttempts: [{}] })).toBe(
      'sent 12 min late after 1 failed attempt',
    );
    expect(lateness({ ...sent, type: 'SmsFailed' })).toBe('failed 43 s late after 3 failed attempts');
    expect(lateness({ jobId: 'j', type: 'SmsSent', eventId: 'e', at: sent.at })).toBeUndefined();
  });

  it('keeps texts in and out in the thread, nothing else', () => {
    const entries = [
      { jobId: 'j', at: '1', type: 'JobStatusChanged', eventId: '1' },
      { jobId: 'j', at: '2', type: 'SmsSent', eventId: '2', body: 'Hi' },
      { jobId: 'j', at: '3', type: 'SmsReceived', eventId: '3', body: 'Thanks' },
    ];
    expect(messagesOf(entries).map((entry) => entry.eventId)).toEqual(['2', '3']);
  });
});

describe('a stale edit', () => {
  it('names the fields the other person changed', () => {
    const mine = job();
    const theirs = job({ version: 4, trailerId: 'T9', schedule: { date: '2026-12-03', window: 'morning' } });
    expect(changedFields(mine, theirs)).toEqual(['schedule', 'trailerId']);
  });
});

describe('calendarLag', () => {
  it('names what the calendar still shows differently, and nothing once it has caught up', () => {
    const shown = job({ status: 'scheduled', crewIds: ['crew-a', 'crew-b'], trailerId: 'T7' });
    expect(
      calendarLag(shown, job({ status: 'scheduled', crewIds: ['crew-b', 'crew-a'], trailerId: 'T7' })),
    ).toEqual([]);
    expect(
      calendarLag(
        shown,
        job({
          status: 'en_route',
          schedule: { ...shown.schedule, window: 'morning' },
          crewIds: ['crew-a'],
          trailerId: undefined,
        }),
      ),
    ).toEqual(['status', 'schedule', 'crew', 'trailer']);
  });
});

describe('checklistFrom', () => {
  const tick = (itemId: string, done: boolean, at: string, crewId = 'crew-sam') => ({
    jobId: 'qdn_01',
    type: 'CrewChecklistItemTicked',
    eventId: `${itemId}-${at}`,
    at,
    itemId,
    label: itemId === 'vests' ? 'Life jackets aboard' : 'Ice loaded',
    done,
    crewId,
  });

  it("keeps each item's last tick, whatever order the timeline lists them in", () => {
    const items = checklistFrom([
      tick('vests', false, '2026-12-03T17:05:00Z', 'crew-ana'),
      { jobId: 'qdn_01', type: 'SmsSent', eventId: 'e1', at: '2026-12-03T17:00:00Z' },
      tick('vests', true, '2026-12-03T17:00:00Z'),
      tick('ice', true, '2026-12-03T17:01:00Z'),
    ]);
    expect(items).toEqual([
      {
        itemId: 'vests',
        label: 'Life jackets aboard',
        done: false,
        crewId: 'crew-ana',
        at: '2026-12-03T17:05:00Z',
      },
      { itemId: 'ice', label: 'Ice loaded', done: true, crewId: 'crew-sam', at: '2026-12-03T17:01:00Z' },
    ]);
    expect(checklistFrom([])).toEqual([]);
  });
});

describe('optedOut', () => {
  const entry = (type: string, fields: Record<string, unknown> = {}) => ({
    jobId: 'qdn_01',
    at: '2026-12-03T16:00:00.000Z',
    eventId: `${type}-${JSON.stringify(fields)}`,
    type,
    ...fields,
  });

  it('follows the latest word: STOP, START, a misread reply and its undo', () => {
    expect(optedOut([entry('SmsReceived', { body: 'Thanks!' })])).toBe(false);
    expect(optedOut([entry('SmsReceived', { keyword: 'stop' })])).toBe(true);
    expect(
      optedOut([entry('SmsReceived', { keyword: 'stop' }), entry('SmsReceived', { keyword: 'start' })]),
    ).toBe(false);
    const misread = entry('SmsReceived', { body: 'please stop texting me', revokedConsent: true });
    expect(optedOut([misread])).toBe(true);
    expect(optedOut([misread, entry('SmsConsentRestored', { actor: 'dispatcher-1' })])).toBe(false);
    expect(optedOut([entry('SmsSuppressed', { reason: 'opted-out' })])).toBe(true);
  });
});

describe('linkViewsText', () => {
  const at = (iso: string) => iso.slice(11, 16);
  it('says how often the customer opened their link, and when last', () => {
    expect(linkViewsText(undefined, at)).toBe('Not opened yet');
    expect(linkViewsText({ count: 1, lastOpenedAt: '2026-12-04T10:42:00.000Z' }, at)).toBe(
      'Opened once, last 10:42',
    );
    expect(linkViewsText({ count: 3, lastOpenedAt: '2026-12-04T10:42:00.000Z' }, at)).toBe(
      'Opened 3 times, last 10:42',
    );
  });
});

describe('trailersFreeFor', () => {
  it('proposes the trailers free on every day, counting the job’s own days as free', () => {
    const day = (date: string, state: 'free' | 'out-of-service') => ({ date, state });
    const trailers = [
      {
        trailerId: 'T1',
        name: 'Trailer 1',
        size: '14 yd',
        days: [
          day('2026-12-03', 'free'),
          { date: '2026-12-04', state: 'booked' as const, jobId: 'qdn_OTHER' },
        ],
      },
      {
        trailerId: 'T2',
        name: 'Trailer 2',
        size: '14 yd',
        days: [
          { date: '2026-12-03', state: 'booked' as const, jobId: 'qdn_SELF' },
          day('2026-12-04', 'free'),
        ],
      },
      {
        trailerId: 'T4',
        name: 'Big Bertha',
        size: '20 yd',
        days: [day('2026-12-03', 'out-of-service'), day('2026-12-04', 'free')],
      },
    ];
    expect(trailersFreeFor(trailers, 'qdn_SELF')).toEqual([
      { trailerId: 'T2', name: 'Trailer 2', size: '14 yd' },
    ]);
    expect(trailersFreeFor(trailers, 'qdn_NEW')).toEqual([]);
  });
});

describe('statusLabel', () => {
  it('given a web booking that expired unconfirmed, then "Expired"; any other job, its status', () => {
    expect(statusLabel(job({ status: 'cancelled', expiredAt: '2026-12-05T20:00:00.000Z' }))).toBe('Expired');
    expect(statusLabel(job({ status: 'cancelled' }))).toBe('Cancelled');
    expect(statusLabel(job({ status: 'requested' }))).toBe('Requested');
  });
});

describe('trailerRuns', () => {
  it("given a trailer's days, then stretches: one per booking (two jobs back to back are two), free and out-of-service spans", () => {
    // Prepare
    const days = [
      { date: '2026-12-04', state: 'booked' as const, jobId: 'qdn_A' },
      { date: '2026-12-05', state: 'booked' as const, jobId: 'qdn_A' },
      { date: '2026-12-06', state: 'booked' as const, jobId: 'qdn_B' },
      { date: '2026-12-07', state: 'free' as const },
      { date: '2026-12-08', state: 'free' as const },
      { date: '2026-12-09', state: 'out-of-service' as const },
      { date: '2026-12-10', state: 'free' as const },
    ];

    // Act
    const runs = trailerRuns(days);

    // Assess
    expect(runs).toEqual([
      { state: 'booked', from: '2026-12-04', to: '2026-12-05', days: 2, jobId: 'qdn_A' },
      { state: 'booked', from: '2026-12-06', to: '2026-12-06', days: 1, jobId: 'qdn_B' },
      { state: 'free', from: '2026-12-07', to: '2026-12-08', days: 2 },
      { state: 'out-of-service', from: '2026-12-09', to: '2026-12-09', days: 1 },
      { state: 'free', from: '2026-12-10', to: '2026-12-10', days: 1 },
    ]);
  });

  it('given a gap in the dates, then the stretch breaks there', () => {
    const runs = trailerRuns([
      { date: '2026-12-04', state: 'free' },
      { date: '2026-12-06', state: 'free' },
    ]);
    expect(runs.map((run) => [run.from, run.to])).toEqual([
      ['2026-12-04', '2026-12-04'],
      ['2026-12-06', '2026-12-06'],
    ]);
    expect(trailerRuns([])).toEqual([]);
  });

  it('given a day or a span, then it reads as calendar days', () => {
    expect(dayRangeText('2026-12-04', '2026-12-04')).toBe('Fri, Dec 4');
    expect(dayRangeText('2026-12-04', '2026-12-06')).toBe('Fri, Dec 4 – Sun, Dec 6');
  });
});

describe('mapMarkers', () => {
  const now = Date.parse('2026-12-03T18:00:00.000Z');
  const located = (jobId: string, status: Job['status'], extra: Partial<Job> = {}) =>
    job({ jobId, status, address: { text: `${jobId} Main St`, lat: 32.7, lng: -117.1 }, ...extra });

  it('puts every geocoded job but the cancelled ones on the map, named for a screen reader', () => {
    const jobs = [
      located('a', 'requested'),
      located('b', 'cancelled'),
      job({ jobId: 'c', address: { text: 'no coordinates yet' } }),
      located('d', 'cancelled', { expiredAt: '2026-12-02T00:00:00.000Z' }),
    ];
    expect(mapMarkers(jobs, {}, now).jobs).toEqual([
      { jobId: 'a', status: 'requested', lat: 32.7, lng: -117.1, label: 'Ana Ruiz, a Main St (Requested)' },
    ]);
  });

  it("shows a crew's latest point only while it is on its way, with its age", () => {
    const jobs = [located('a', 'en_route'), located('b', 'arrived'), located('c', 'en_route')];
    const point = { lat: 32.71, lng: -117.15, recordedAt: '2026-12-03T17:57:00.000Z' };
    const { trucks } = mapMarkers(jobs, { a: point, b: point, c: null }, now);
    expect(trucks).toEqual([
      { jobId: 'a', lat: 32.71, lng: -117.15, label: 'Crew on the way to Ana Ruiz, seen 3 min ago' },
    ]);
  });
});

describe('a replay of the bus archive', () => {
  it('given both ends, then the window goes to the API in UTC', () => {
    expect(replayWindow('2026-12-03T08:00', '2026-12-03T09:30')).toEqual({
      from: new Date('2026-12-03T08:00').toISOString(),
      to: new Date('2026-12-03T09:30').toISOString(),
    });
  });

  it('given an end missing or before the start, then it says so and nothing is sent', () => {
    expect(replayWindow('', '')).toEqual({ problem: 'Choose when the window starts and when it ends.' });
    expect(replayWindow('2026-12-03T08:00', '')).toEqual({
      problem: 'Choose when the window starts and when it ends.',
    });
    expect(replayWindow('2026-12-03T08:00', '2026-12-03T08:00')).toEqual({
      problem: 'The window must end after it starts.',
    });
  });
});

describe("the board's brand filter", () => {
  it("given the day's jobs, then their brands, once each, in order", () => {
    expect(
      brandOptions([job({ brandId: 'qdn' }), job({ brandId: 'jada' }), job({ brandId: 'qdn' })], ''),
    ).toEqual(['jada', 'qdn']);
  });

  it('given a brand chosen on a day without its jobs, then it stays a choice', () => {
    expect(brandOptions([job({ brandId: 'jada' })], 'qdn')).toEqual(['jada', 'qdn']);
    expect(brandOptions([], 'qdn')).toEqual(['qdn']);
  });
});

describe("the business's time zone", () => {
  it('given a zone the browser knows, then it is used; given none or a typo, then it is not', () => {
    expect(validTimeZone('America/Los_Angeles')).toBe('America/Los_Angeles');
    expect(validTimeZone('America/Los Angeles')).toBeUndefined();
    expect(validTimeZone('')).toBeUndefined();
    expect(validTimeZone(undefined)).toBeUndefined();
  });

  it("given an instant late in San Diego's evening, then its day there is not New York's", () => {
    const late = Date.parse('2026-12-04T05:30:00Z'); // 21:30 on the 3rd in San Diego
    expect(wallClock(late, 'America/Los_Angeles')).toMatchObject({
      date: '2026-12-03',
      minutes: 21 * 60 + 30,
    });
    expect(wallClock(late, 'America/New_York').date).toBe('2026-12-04');
  });
});

describe('a refund, for the dispatcher', () => {
  it('says where it is: done (also one recorded before statuses were kept), pending, or failed with why and what to do', () => {
    expect(refundState({ refundStatus: 'succeeded' })).toEqual({ text: 'done', state: 'done' });
    expect(refundState({ refundedAt: '2026-12-06T10:00:00.000Z' })).toEqual({ text: 'done', state: 'done' });
    expect(refundState({ refundStatus: 'pending' })).toEqual({ text: 'pending at Stripe', state: 'pending' });
    expect(
      refundState({ refundStatus: 'failed', refundFailure: { reason: 'lost_or_stolen_card', at: 'x' } }),
    ).toEqual({
      text: 'failed: the card was reported lost or stolen — pay it back another way',
      state: 'failed',
    });
    expect(refundState({ refundStatus: 'failed', refundFailure: { reason: 'unknown', at: 'x' } }).text).toBe(
      'failed: the card could not take it — pay it back another way',
    );
  });

  it("flags a job whose own refund or a returned payment's refund failed, and no other", () => {
    const paid = { method: 'card', status: 'refunded', refundStatus: 'succeeded' } as const;
    const returned = {
      checkoutSessionId: 'cs_1',
      amountCents: 100,
      paidAt: 'x',
      why: 'paid-already',
    } as const;
    expect(hasFailedRefund({ payment: paid })).toBe(false);
    expect(hasFailedRefund({ payment: { ...paid, refundStatus: 'failed' } })).toBe(true);
    expect(
      hasFailedRefund({ payment: paid, returnedPayments: [{ ...returned, refundStatus: 'pending' }] }),
    ).toBe(false);
    expect(
      hasFailedRefund({ payment: paid, returnedPayments: [{ ...returned, refundStatus: 'failed' }] }),
    ).toBe(true);
    expect(hasFailedRefund({})).toBe(false);
  });
});

describe("a card payment's dispute", () => {
  const dispute = {
    disputeId: 'du_1',
    status: 'needs_response',
    reason: 'product_not_received',
    amountCents: 15_000,
    respondBy: '2026-12-10T23:59:59.000Z',
    openedAt: '2026-12-03T17:00:00.000Z',
  } as const;
  const day = (iso: string) => iso.slice(0, 10);

  it('says what the bank did, why, and by when to answer it in Stripe; then that it was answered, won or lost', () => {
    expect(disputeState(dispute, day)).toEqual({
      text: "Disputed: the customer's bank took back $150.00 (the customer says the service was not provided). Answer it in Stripe's Dashboard by 2026-12-10, or it is lost.",
      state: 'open',
    });
    expect(disputeState({ ...dispute, respondBy: undefined }, day).text).toBe(
      "Disputed: the customer's bank took back $150.00 (the customer says the service was not provided). See it in Stripe's Dashboard.",
    );
    expect(disputeState({ ...dispute, status: 'under_review' }, day)).toEqual({
      text: 'Dispute of $150.00 answered (the customer says the service was not provided): the bank decides.',
      state: 'review',
    });
    const closedAt = '2026-12-20T17:00:00.000Z';
    expect(disputeState({ ...dispute, status: 'won', closedAt }, day)).toEqual({
      text: 'Dispute won 2026-12-20: the $150.00 is back.',
      state: 'won',
    });
    expect(disputeState({ ...dispute, status: 'lost', closedAt, reason: 'bank_said_so' }, day)).toEqual({
      text: 'Dispute lost 2026-12-20: the bank kept $150.00 (bank said so).',
      state: 'lost',
    });
  });

  it('says an inquiry is the bank asking, with no money moved yet, then answered or closed', () => {
    const inquiry = { ...dispute, inquiry: true } as const;
    expect(disputeState(inquiry, day)).toEqual({
      text: "Inquiry: the customer's bank is asking about $150.00 (the customer says the service was not provided). No money has moved yet. Answer it in Stripe's Dashboard by 2026-12-10, or it may become a chargeback.",
      state: 'open',
    });
    expect(disputeState({ ...inquiry, status: 'under_review' }, day).state).toBe('review');
    expect(disputeState({ ...inquiry, status: 'won', closedAt: '2026-12-20T17:00:00.000Z' }, day)).toEqual({
      text: 'Inquiry closed 2026-12-20: the $150.00 stays paid.',
      state: 'won',
    });
  });

  it('says a lost dispute can be appealed, by when, then filed, then won or lost on appeal', () => {
    const appeal = { ...dispute, appeal: true } as const;
    expect(disputeState(appeal, day)).toEqual({
      text: "Dispute of $150.00 lost (the customer says the service was not provided); it can be appealed. Appeal it in Stripe's Dashboard by 2026-12-10, or the bank keeps it.",
      state: 'open',
    });
    expect(disputeState({ ...appeal, status: 'under_review' }, day).state).toBe('review');
    const closedAt = '2026-12-30T17:00:00.000Z';
    expect(disputeState({ ...appeal, status: 'won', closedAt }, day).text).toBe(
      'Dispute won on appeal 2026-12-30: the $150.00 is back.',
    );
    expect(disputeState({ ...appeal, status: 'lost', closedAt }, day).text).toBe(
      'Dispute lost on appeal 2026-12-30: the bank kept $150.00 (the customer says the service was not provided).',
    );
  });

  it('flags the job on the board while a dispute of its payment or a returned one waits for an answer', () => {
    const paid = { method: 'card', status: 'paid' } as const;
    const returned = {
      checkoutSessionId: 'cs_2',
      amountCents: 5_000,
      paidAt: 'x',
      why: 'paid-already',
    } as const;
    expect(hasDisputeToAnswer({ payment: paid })).toBe(false);
    expect(hasDisputeToAnswer({ payment: { ...paid, dispute } })).toBe(true);
    expect(
      hasDisputeToAnswer({ payment: { ...paid, dispute: { ...dispute, status: 'under_review' } } }),
    ).toBe(false);
    expect(hasDisputeToAnswer({ payment: paid, returnedPayments: [{ ...returned, dispute }] })).toBe(true);
    expect(hasDisputeToAnswer({})).toBe(false);
  });
});

describe('a payment that left something owing', () => {
  it('is the due amount less what was paid, for a paid payment only, and none when paid in full or over', () => {
    const paid = { status: 'paid', amountDueCents: 20_000, amountPaidCents: 15_000 } as const;
    expect(shortfallCents(paid)).toBe(5_000);
    expect(shortfallCents({ ...paid, amountPaidCents: 20_000 })).toBeUndefined();
    expect(shortfallCents({ ...paid, amountPaidCents: 25_000 })).toBeUndefined();
    expect(shortfallCents({ ...paid, status: 'due' })).toBeUndefined();
    expect(shortfallCents({ status: 'paid', amountPaidCents: 15_000 })).toBeUndefined();
  });
});
