import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import type { JobOnBus } from '@qdn/shared/events';
import { addMinutesToTime, toZonedIso, zonedTimeToInstant } from '@qdn/shared/zoned-time';
import { boardView, calendarEntryFor, entryDescription } from '../../src/domain/calendar-entry.ts';
import { calendarIdsFor, calendarName, parseCalendarId } from '../../src/domain/calendar-ids.ts';
import { BoardQuery } from '../../src/domain/calendar-input.ts';
import { internalCalendarChangeFor } from '../../src/domain/internal-calendar.ts';

const brands = testBrands;
const LA = 'America/Los_Angeles';
const CHANGED_AT = '2026-06-01T10:00:00.000Z';

/** The shared job (@qdn/local-cloud/test-factories) as Maria Lopez's pickup with crew, trailer, payment and notes. */
const job = (overrides: Partial<JobOnBus> = {}): JobOnBus =>
  jobOnBus({
    customer: { name: 'Maria Lopez', firstName: 'Maria', phone: '+16195550142' },
    address: { text: '123 Main St, San Diego, CA' },
    schedule: { date: '2026-07-04', window: 'morning' },
    crewIds: ['crew-7'],
    trailerId: 't2',
    priceCents: 61_234,
    paymentMethod: 'zelle',
    invoiceUrl: 'https://pay.example.com/inv/991',
    notes: 'gate code 4321',
    ...overrides,
  });

const entryOf = (overrides: Partial<JobOnBus> = {}) =>
  calendarEntryFor(job(overrides), brands.get(overrides.brandId ?? 'qdn'), CHANGED_AT);

describe('zoned time', () => {
  it.each([
    ['summer (PDT)', '2026-07-04', '08:00', '2026-07-04T15:00:00.000Z'],
    ['winter (PST)', '2026-01-15', '08:00', '2026-01-15T16:00:00.000Z'],
    ['the morning DST starts', '2026-03-08', '08:00', '2026-03-08T15:00:00.000Z'],
    ['a time the spring gap skips moves forward', '2026-03-08', '02:30', '2026-03-08T10:30:00.000Z'],
    ['the repeated fall hour means its first occurrence', '2026-11-01', '01:30', '2026-11-01T08:30:00.000Z'],
    ['the morning DST ends', '2026-11-01', '08:00', '2026-11-01T16:00:00.000Z'],
  ])('given %s, then the wall-clock time maps to its UTC instant', (_case, date, time, expected) => {
    expect(zonedTimeToInstant(date, time, LA).toISOString()).toBe(expected);
  });

  it('given an instant, then it is written in local time with its offset', () => {
    expect(toZonedIso(new Date('2026-07-04T15:00:00Z'), LA)).toBe('2026-07-04T08:00:00-07:00');
    expect(toZonedIso(new Date('2026-12-24T20:30:00Z'), LA)).toBe('2026-12-24T12:30:00-08:00');
  });

  it('given a slot running past midnight, then the day carries over', () => {
    expect(addMinutesToTime('23:30', 90)).toEqual({ time: '01:00', dayCarry: 1 });
    expect(addMinutesToTime('09:15', 60)).toEqual({ time: '10:15', dayCarry: 0 });
  });
});

describe('calendar entry', () => {
  it('given a job in a window, then it spans the window hours from the brand configuration', () => {
    const entry = entryOf();
    expect(entry).toMatchObject({
      allDay: false,
      startsAt: '2026-07-04T15:00:00.000Z',
      endsAt: '2026-07-04T19:00:00.000Z',
      windowHours: { start: '08:00', end: '12:00' },
      timeZone: LA,
      title: 'Trailer pickup & dump – Maria',
      location: '123 Main St, San Diego, CA',
    });
  });

  it('given another brand with the same window name, then that brand’s hours apply', () => {
    const entry = entryOf({
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '2026-07-04', window: 'morning' },
    });
    expect(entry.startsAt).toBe('2026-07-04T16:00:00.000Z');
    expect(entry.endsAt).toBe('2026-07-04T20:00:00.000Z');
  });

  it('given a multi-day rental, then it runs from the first day’s window to the end date’s', () => {
    const entry = entryOf({
      serviceType: 'trailer_drop',
      schedule: { date: '2026-07-04', window: 'afternoon', endDate: '2026-07-07' },
    });
    expect(entry).toMatchObject({
      startsAt: '2026-07-04T19:00:00.000Z',
      endsAt: '2026-07-08T00:00:00.000Z',
      firstDay: '2026-07-04',
      lastDay: '2026-07-07',
      title: 'Trailer drop-off rental – Maria',
    });
  });

  it('given a charter at a time, then it lasts the charter’s duration and meets at its meeting point', () => {
    const entry = entryOf({
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '2026-12-05', time: '17:30' },
      charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
    });
    expect(entry).toMatchObject({
      allDay: false,
      startsAt: '2026-12-06T01:30:00.000Z',
      endsAt: '2026-12-06T04:30:00.000Z',
      location: 'Dock C, 123 Main St, San Diego, CA',
    });
  });

  it('given a time and no duration, then the default hour', () => {
    const entry = entryOf({ schedule: { date: '2026-07-04', time: '09:00' } });
    expect(entry.endsAt).toBe('2026-07-04T17:00:00.000Z');
  });

  it.each([
    ['no window or time', { date: '2026-07-04' }],
    ['a window the brand does not know', { date: '2026-07-04', window: 'midnight' }],
  ])('given %s, then an all-day entry', (_case, schedule) => {
    const entry = entryOf({ schedule });
    expect(entry).toMatchObject({
      allDay: true,
      startsAt: '2026-07-04T07:00:00.000Z',
      endsAt: '2026-07-05T07:00:00.000Z',
    });
  });

  it.each([
    ['requested', 'Requested: Trailer pickup & dump – Maria'],
    ['en_route', 'Trailer pickup & dump – Maria'],
    ['complete', 'Completed: Trailer pickup & dump – Maria'],
    ['cancelled', 'Cancelled: Trailer pickup & dump – Maria'],
  ] as const)('given a %s job, then the title says so', (status, title) => {
    expect(entryOf({ status }).title).toBe(title);
  });

  it('given a job with private and customer details, then no part of the entry, its text or its push carries them', () => {
    const entry = entryOf();
    const everything = JSON.stringify([
      entry,
      entryDescription(entry),
      boardView(entry),
      internalCalendarChangeFor(entry),
    ]);
    for (const secret of [
      '6195550142',
      '61234',
      '612.34',
      'gate code',
      'Lopez',
      'zelle',
      'inv/991',
      'track/abc',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain('Maria');
  });

  it('given a job, then it is in the dispatch, brand, crew and trailer calendars', () => {
    expect(entryOf({ crewIds: ['crew-7', 'crew-9'] }).calendarIds).toEqual([
      'dispatch',
      'brand-qdn',
      'crew-crew-7',
      'crew-crew-9',
      'trailer-t2',
    ]);
    expect(calendarIdsFor({ brandId: 'jada', crewIds: [] })).toEqual(['dispatch', 'brand-jada']);
  });

  it('given the board view, then times are local with their offset', () => {
    expect(boardView(entryOf())).toMatchObject({
      start: '2026-07-04T08:00:00-07:00',
      end: '2026-07-04T12:00:00-07:00',
      status: 'scheduled',
    });
  });

  it('given a cancelled job, then the internal calendar entry is deleted; otherwise put with ISO times', () => {
    expect(internalCalendarChangeFor(entryOf({ status: 'cancelled' }))).toEqual({
      kind: 'delete',
      entryId: 'qdn_01JDEMO0000000000000000000',
    });
    expect(internalCalendarChangeFor(entryOf())).toMatchObject({
      kind: 'put',
      entryId: 'qdn_01JDEMO0000000000000000000',
      body: { start: '2026-07-04T15:00:00.000Z', end: '2026-07-04T19:00:00.000Z', version: 2 },
    });
  });
});

describe('calendar entries at the edges', () => {
  it('given a brand whose window runs past midnight, then the entry ends the next morning', () => {
    const lateBrand = { ...brands.get('qdn'), windows: { late: { start: '22:00', end: '01:00' } } };
    const entry = calendarEntryFor(
      job({ schedule: { date: '2026-07-04', window: 'late' } }),
      lateBrand,
      CHANGED_AT,
    );
    expect(entry).toMatchObject({
      startsAt: '2026-07-05T05:00:00.000Z',
      endsAt: '2026-07-05T08:00:00.000Z',
      windowHours: { start: '22:00', end: '01:00' },
    });
  });

  it('given a service the brand no longer lists, a window it does not know and no trailer, then its own name, the window by name only and no trailer', () => {
    const entry = entryOf({
      serviceType: 'boat_haul',
      schedule: { date: '2026-07-04', window: 'midnight' },
      trailerId: undefined,
    });
    expect(entry.title).toBe('boat_haul – Maria');
    expect(entryDescription(entry)).toBe(
      [
        'boat_haul for Maria (QuickDumpNow)',
        'Status: scheduled',
        'Window: midnight',
        'Where: 123 Main St, San Diego, CA',
        'Crew: crew-7',
        'Job: qdn_01JDEMO0000000000000000000',
      ].join('\n'),
    );
    expect(boardView(entry)).not.toHaveProperty('trailerId');
    expect(boardView(entry)).not.toHaveProperty('charter');
  });

  it('given a charter, then the description names the vessel, guests and duration, and the board shows the charter', () => {
    const charter = { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 };
    const entry = entryOf({
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '2026-12-05', time: '17:30' },
      trailerId: undefined,
      crewIds: [],
      charter,
    });
    expect(entryDescription(entry)).toBe(
      [
        'Private sail charter for Maria (JADA Sail Charters)',
        'Status: scheduled',
        'Where: Dock C, 123 Main St, San Diego, CA',
        'Vessel: JADA, 6 guests, 180 min',
        'Job: qdn_01JDEMO0000000000000000000',
      ].join('\n'),
    );
    expect(boardView(entry)).toMatchObject({ charter, start: '2026-12-05T17:30:00-08:00' });
  });
});

describe('calendar ids', () => {
  it.each([
    ['dispatch', { kind: 'dispatch' }],
    ['brand-jada', { kind: 'brand', brandId: 'jada' }],
    ['crew-crew-7', { kind: 'crew', crewId: 'crew-7' }],
    ['trailer-t2', { kind: 'trailer', trailerId: 't2' }],
  ])('given %s, then it names a calendar', (calendarId, ref) => {
    expect(parseCalendarId(calendarId)).toEqual(ref);
  });

  it.each(['', 'dispatch2', 'brand-', 'brand-Jada', 'crew-', 'crew-a/b', 'trailer-x y', 'job-1'])(
    'given %j, then it is no calendar',
    (calendarId) => {
      expect(parseCalendarId(calendarId)).toBeUndefined();
    },
  );

  it('given a calendar, then its name speaks the brand’s', () => {
    expect(calendarName({ kind: 'brand', brandId: 'jada' }, (id) => brands.get(id).displayName)).toBe(
      'JADA Sail Charters jobs',
    );
  });
});

describe('board query', () => {
  it('given dates, then dispatch by default', () => {
    expect(BoardQuery.parse({ from: '2026-07-01', to: '2026-07-07' })).toEqual({
      from: '2026-07-01',
      to: '2026-07-07',
      calendarId: 'dispatch',
    });
  });

  it.each([
    [{ from: '2026-13-01', to: '2026-07-07' }, 'from'],
    [{ from: '2026-07-01', to: 'tomorrow' }, 'to'],
    [{ from: '2026-07-08', to: '2026-07-01' }, 'to'],
    [{ from: '2026-01-01', to: '2026-12-31' }, 'to'],
    [{ from: '2026-07-01', to: '2026-07-02', calendarId: 'nope' }, 'calendarId'],
    [{ to: '2026-07-02' }, 'from'],
  ])('given %j, then only the field %s is refused', (query, field) => {
    const result = BoardQuery.safeParse(query);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([field]);
  });
});
