import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import { CharterOffer } from '@qdn/shared/brands';
import {
  isTrackingTokenFor,
  looksLikeTrackingToken,
  newTrackingLinkId,
  redactLinkTokens,
  restoreLinkTokens,
  trackingToken,
  trackingTokenHash,
} from '@qdn/shared/tracking-link';
import { zonedDate } from '@qdn/shared/zoned-time';
import { arrivalPoint, distanceMeters } from '../../src/domain/arrival.ts';
import { brandProfile } from '../../src/domain/brand-profile.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import { reachedAt, scheduleDays, staffView } from '../../src/domain/job.ts';
import { eventsForJobChange } from '../../src/domain/job-events.ts';
import { AddressInput, BookingInput, LocationPointInput, ScheduleInput } from '../../src/domain/job-input.ts';
import { charterQuote, quoteFor } from '../../src/domain/quote.ts';
import { decideStatusChange, FORWARD_MOVES, undoableUntil } from '../../src/domain/status-machine.ts';
import { trackingView } from '../../src/domain/tracking-view.ts';
import { jobRecord } from './fakes.ts';

const brands = testBrands;
const SECRET = 'SECRET-MARKER';

/** The shared job record (./fakes.ts) as a JADA sunset charter with private fields to keep out of views. */
const job = (overrides: Partial<JobRecord> = {}): JobRecord =>
  jobRecord({
    brandId: 'jada',
    serviceType: 'charter',
    customer: { name: 'Ana Ruiz', phone: '+16195550150', email: 'ana@example.com' },
    address: { text: 'Harbor Island West Marina', lat: 32.72, lng: -117.19 },
    schedule: { date: '2026-12-05', window: 'sunset' },
    crewIds: ['crew-1'],
    priceCents: 120000,
    notes: 'birthday party',
    charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
    private: { revenueSplit: SECRET, captainFeeCents: 31337, internalNotes: SECRET },
    trackingTokenHash: SECRET,
    statusHistory: [{ status: 'scheduled', at: '2026-11-22T12:00:00.000Z', by: 'd-1' }],
    updatedAt: '2026-11-22T12:00:00.000Z',
    ...overrides,
  });

describe('status machine', () => {
  it.each([
    ['requested', 'scheduled', 'move'],
    ['scheduled', 'en_route', 'move'],
    ['en_route', 'arrived', 'move'],
    ['arrived', 'complete', 'move'],
    ['arrived', 'cancelled', 'move'],
    ['scheduled', 'complete', 'refused'],
    ['complete', 'scheduled', 'refused'],
    ['cancelled', 'scheduled', 'refused'],
    ['en_route', 'en_route', 'same'],
  ] as const)('a dispatcher moving %s → %s: %s', (from, to, kind) => {
    expect(decideStatusChange(from, to, { role: 'dispatcher' }).kind).toBe(kind);
  });

  it('refuses with the allowed moves', () => {
    expect(decideStatusChange('scheduled', 'complete', { role: 'dispatcher' })).toEqual({
      kind: 'refused',
      reason: 'not-allowed',
      allowed: ['en_route', 'cancelled'],
    });
  });

  it('lets a dispatcher take back one step only with a reason, and never a driver', () => {
    expect(decideStatusChange('en_route', 'scheduled', { role: 'dispatcher', reason: 'mis-tap' })).toEqual({
      kind: 'move',
      correction: true,
      undo: false,
    });
    expect(decideStatusChange('en_route', 'scheduled', { role: 'dispatcher' })).toMatchObject({
      reason: 'needs-reason',
    });
    expect(decideStatusChange('en_route', 'scheduled', { role: 'driver', reason: 'x' })).toMatchObject({
      kind: 'refused',
    });
    expect(decideStatusChange('complete', 'en_route', { role: 'admin', reason: 'x' })).toMatchObject({
      kind: 'refused',
    });
  });

  it('takes a mis-tapped final status back: an undo inside the window needs no reason, a correction after it does', () => {
    const inside = { withinUndoWindow: true, statusBefore: 'arrived' } as const;
    expect(decideStatusChange('complete', 'arrived', { role: 'driver', ...inside })).toEqual({
      kind: 'move',
      correction: true,
      undo: true,
    });
    expect(
      decideStatusChange('complete', 'arrived', { role: 'driver', statusBefore: 'arrived' }),
    ).toMatchObject({
      kind: 'refused',
      reason: 'not-allowed',
    });
    expect(decideStatusChange('complete', 'arrived', { role: 'dispatcher' })).toMatchObject({
      reason: 'needs-reason',
    });
    expect(
      decideStatusChange('complete', 'arrived', { role: 'dispatcher', reason: 'driver mis-tap' }),
    ).toEqual({
      kind: 'move',
      correction: true,
      undo: false,
    });
    // A cancellation goes back to the status it ended, and only a dispatcher may take it back.
    const cancelled = { withinUndoWindow: true, statusBefore: 'en_route' } as const;
    expect(decideStatusChange('cancelled', 'en_route', { role: 'dispatcher', ...cancelled })).toMatchObject({
      undo: true,
    });
    expect(decideStatusChange('cancelled', 'scheduled', { role: 'dispatcher', ...cancelled })).toMatchObject({
      kind: 'refused',
      allowed: ['en_route'],
    });
    expect(decideStatusChange('cancelled', 'en_route', { role: 'driver', ...cancelled })).toMatchObject({
      kind: 'refused',
    });
  });

  it('keeps the undo window open for a final status only, for the brand seconds after it was set', () => {
    const completed = {
      status: 'complete',
      statusHistory: [
        { status: 'arrived', at: '2026-12-04T18:00:00.000Z' },
        { status: 'complete', at: '2026-12-04T18:30:00.000Z' },
      ],
    } as const;
    expect(undoableUntil(completed, 60)?.toISOString()).toBe('2026-12-04T18:31:00.000Z');
    expect(undoableUntil(completed, 0)).toBeUndefined();
    expect(undoableUntil({ ...completed, status: 'arrived' }, 60)).toBeUndefined();
    expect(undoableUntil({ status: 'complete' }, 60)).toBeUndefined();
  });

  it('lets drivers move only to en_route, arrived and complete', () => {
    expect(decideStatusChange('scheduled', 'en_route', { role: 'driver' }).kind).toBe('move');
    expect(decideStatusChange('scheduled', 'cancelled', { role: 'driver' })).toMatchObject({
      reason: 'role',
    });
  });

  it('has final states with no way out', () => {
    expect(FORWARD_MOVES.complete).toEqual([]);
    expect(FORWARD_MOVES.cancelled).toEqual([]);
  });
});

describe('projections never carry private fields', () => {
  it('given every kind of change, then no event contains them', () => {
    const before = job();
    const after = job({
      version: 2,
      status: 'en_route',
      schedule: { date: '2026-12-06', window: 'sunset' },
      crewIds: ['crew-2'],
      notes: 'changed',
      trackingLinkId: 'link-2',
      trackingTokenHash: 'hash-of-the-token',
      statusHistory: [...(before.statusHistory ?? []), { status: 'en_route', at: 'x', by: 'd' }],
    });
    const events = [...eventsForJobChange(undefined, before), ...eventsForJobChange(before, after)];
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(events)).not.toMatch(
      new RegExp(`${SECRET}|31337|captainFee|revenueSplit|internalNotes|hash-of-the-token|/track/`),
    );
    // A new link goes out by id only.
    expect(events.find((event) => event.detailType === 'TrackingLinkIssued')?.detail.data).toEqual({
      jobId: after.jobId,
      linkId: 'link-2',
    });
  });

  it('given the tracking view, then only first name, no phone, price, notes or private fields', () => {
    const view = JSON.stringify(trackingView(job(), brands.get('jada')));
    expect(view).toContain('"firstName":"Ana"');
    expect(view).not.toMatch(new RegExp(`${SECRET}|31337|\\+1619|ana@example|120000|birthday|Ruiz`));
  });

  it('given staff views, then private fields only for admins, and never the token hash', () => {
    expect(JSON.stringify(staffView(job(), { includePrivate: false }))).not.toMatch(
      new RegExp(`${SECRET}|31337`),
    );
    const adminView = staffView(job(), { includePrivate: true }) as {
      private?: { captainFeeCents?: number };
    };
    expect(adminView.private?.captainFeeCents).toBe(31337);
    expect(JSON.stringify(adminView)).not.toContain('trackingTokenHash');
  });
});

describe('tracking tokens', () => {
  const secret = 'a-test-secret-of-32-bytes-or-so!';

  it('are 192 bits derived from a random link id, URL-safe, different per link, and stored only as a hash', () => {
    const linkIds = Array.from({ length: 1000 }, newTrackingLinkId);
    const tokens = new Set(linkIds.map((linkId) => trackingToken(secret, linkId)));
    expect(tokens.size).toBe(1000);
    for (const [index, token] of [...tokens].slice(0, 20).entries()) {
      expect(looksLikeTrackingToken(token)).toBe(true);
      expect(Buffer.from(token, 'base64url')).toHaveLength(24);
      expect(token).not.toContain(linkIds[index]);
      expect(trackingTokenHash(token)).not.toContain(token);
    }
    expect(looksLikeTrackingToken('../../etc/passwd')).toBe(false);
  });

  it('given the same link id, then the same token; given another secret, then the old token no longer counts', () => {
    const linkId = newTrackingLinkId();
    const token = trackingToken(secret, linkId);
    expect(trackingToken(secret, linkId)).toBe(token);
    expect(isTrackingTokenFor(secret, linkId, token)).toBe(true);
    expect(isTrackingTokenFor('a-rotated-secret', linkId, token)).toBe(false);
    expect(isTrackingTokenFor(secret, newTrackingLinkId(), token)).toBe(false);
    expect(isTrackingTokenFor(secret, linkId, token.slice(0, 31))).toBe(false);
  });

  it('given a text with tracking, guest and crew links, then the recorded form hides every token and can be filled in again', () => {
    const track = trackingToken(secret, newTrackingLinkId());
    const crew = 'C'.repeat(43);
    const live = `Hi Ana. Track: https://qdn.example/track/${track} crew https://qdn.example/crew/${crew} - QDN`;
    const recorded = redactLinkTokens(live);
    expect(recorded).toBe(
      'Hi Ana. Track: https://qdn.example/track/[link] crew https://qdn.example/crew/[link] - QDN',
    );
    expect(restoreLinkTokens(recorded, live)).toBe(live);
    // Reworded since it was recorded: nothing half-restored.
    expect(restoreLinkTokens(recorded, `Hello. Track: https://qdn.example/track/${track}`)).toBeUndefined();
    expect(redactLinkTokens('no links here, /track/ alone')).toBe('no links here, /track/ alone');
  });
});

describe('quotes', () => {
  it('price a service from the brand table, with extra days for rentals', () => {
    expect(quoteFor(brands.get('qdn'), 'trailer_pickup_and_dump', { date: '2026-12-01' })?.totalCents).toBe(
      60000,
    );
    expect(
      quoteFor(brands.get('qdn'), 'trailer_drop', { date: '2026-12-01', endDate: '2026-12-04' }),
    ).toMatchObject({
      days: 4,
      totalCents: 35000 + 3 * 7500,
    });
    expect(quoteFor(brands.get('qdn'), 'charter', { date: '2026-12-01' })).toBeUndefined();
  });

  it('price a charter by the hour, guests beyond those included, and never below the brand’s least price', () => {
    // Prepare
    const offer = {
      priceCents: 120000,
      charter: CharterOffer.parse({
        vessel: 'Queen of San Diego',
        meetingPoint: 'Dock B',
        capacity: 49,
        departureTimes: ['17:00'],
        durationsMinutes: [60, 180],
        hourlyCents: 60000,
        includedGuests: 20,
        extraGuestCents: 2500,
      }),
    };

    // Act
    const threeHoursTwentyFive = charterQuote(offer, { durationMinutes: 180, guestCount: 25 });
    const oneHourFew = charterQuote(offer, { durationMinutes: 60, guestCount: 4 });
    const ninetyMinutes = charterQuote({ ...offer, priceCents: 0 }, { durationMinutes: 90, guestCount: 20 });

    // Assess
    expect(threeHoursTwentyFive).toEqual({
      totalCents: 3 * 60000 + 5 * 2500,
      charter: {
        durationMinutes: 180,
        guestCount: 25,
        hourlyCents: 60000,
        extraGuests: 5,
        extraGuestCents: 2500,
        minimumApplied: false,
      },
    });
    expect(oneHourFew).toMatchObject({
      totalCents: 120000,
      charter: { minimumApplied: true, extraGuests: 0 },
    });
    expect(ninetyMinutes.totalCents).toBe(90000);
  });

  it('price a charter of the local brands from their configuration, and without a trip at the least price', () => {
    expect(
      quoteFor(
        brands.get('jada'),
        'charter',
        { date: '2026-12-01' },
        { durationMinutes: 240, guestCount: 6 },
      ),
    ).toMatchObject({ label: 'Private sail charter', days: 1, totalCents: 4 * 40000 });
    expect(quoteFor(brands.get('jada'), 'charter', { date: '2026-12-01' })?.totalCents).toBe(80000);
  });

  it("count a rental's days for trailer claims", () => {
    expect(scheduleDays({ date: '2026-12-30', endDate: '2027-01-02' })).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });
});

describe('schedule days and step times', () => {
  it('given a new job spanning more than 45 days, then the schedule is refused naming the end date', () => {
    expect(ScheduleInput.safeParse({ date: '2026-01-01', endDate: '2026-02-14' }).success).toBe(true);
    const tooLong = ScheduleInput.safeParse({ date: '2026-01-01', endDate: '2026-02-15' });
    expect(tooLong.error?.issues).toEqual([
      expect.objectContaining({ path: ['endDate'], message: 'a job spans at most 45 days' }),
    ]);
  });

  it('given a rental recorded before spans were limited, then its days stop at 45 (the claims of one transaction)', () => {
    const days = scheduleDays({ date: '2026-01-01', endDate: '2026-12-31' });
    expect(days).toHaveLength(45);
    expect(days.at(-1)).toBe('2026-02-14');
  });

  it('given a job stored without a status history, then no step has a time', () => {
    expect(reachedAt(job({ statusHistory: undefined }))).toEqual({});
    expect(trackingView(job({ statusHistory: undefined }), brands.get('jada')).job.reachedAt).toEqual({});
  });
});

describe('arrival radius', () => {
  const home = { lat: 32.83, lng: -117.14 };

  it('measures distance on the earth', () => {
    expect(distanceMeters(home, { lat: 32.831, lng: -117.14 })).toBeCloseTo(111, 0);
  });

  it('finds the first point within the radius, and nothing without coordinates', () => {
    const points = [
      { lat: 32.84, lng: -117.14 },
      { lat: 32.8309, lng: -117.14 },
    ];
    expect(arrivalPoint(points, home, 150)?.point).toBe(points[1]);
    expect(arrivalPoint(points, home, 50)).toBeUndefined();
    expect(arrivalPoint(points, {}, 150)).toBeUndefined();
  });
});

describe('booking dates', () => {
  it("given an evening in San Diego, then today is still the brand's today, though UTC has moved on", () => {
    expect(zonedDate(new Date('2026-11-23T02:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-22');
    expect(zonedDate(new Date('2026-11-23T08:30:00Z'), 'America/Los_Angeles')).toBe('2026-11-23');
  });

  it('given an end date before the preferred date, then the booking is refused on endDate', () => {
    const parsed = BookingInput.safeParse({
      name: 'Ana Ruiz',
      phone: '(619) 555-0150',
      address: { text: '1 Harbor Dr, San Diego' },
      serviceType: 'trailer_drop',
      preferredDate: '2027-01-15',
      endDate: '2027-01-14',
      smsConsent: true,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['endDate']);
  });
});

describe('coordinates from phones and forms', () => {
  it('given denormal or over-precise numbers, when parsed, then they are rounded to what DynamoDB can store', () => {
    // Found by the fuzz suite: 8e-323 passed the schema and failed the DynamoDB write with a 500.
    const point = LocationPointInput.parse({
      lat: 5.886981672577846e-40,
      lng: -3.5e-323,
      accuracy: 8e-323,
      heading: 359.999,
      recordedAt: '2026-12-03T22:39:33.683Z',
    });
    expect(point).toMatchObject({ lat: 0, lng: 0, accuracy: 0, heading: 360 });
    expect(Object.is(point.lng, -0)).toBe(false);
    expect(AddressInput.parse({ text: 'Dock C', lat: 32.71573219999, lng: 8.2e-282 })).toEqual({
      text: 'Dock C',
      lat: 32.7157322,
      lng: 0,
    });
  });
});

describe('the tracking view’s schedule', () => {
  const qdn = brands.get('qdn');

  it('given a multi-day rental at a set time of a service the brand no longer lists, then the dates, the time and the service’s own name', () => {
    const view = trackingView(
      job({
        brandId: 'qdn',
        serviceType: 'boat_haul',
        status: 'en_route',
        etaMinutes: 12,
        schedule: { date: '2026-12-05', endDate: '2026-12-07', time: '09:30' },
        charter: undefined,
      }),
      qdn,
    );
    expect(view.job).toMatchObject({
      serviceLabel: 'boat_haul',
      etaMinutes: 12,
      schedule: { date: '2026-12-05', endDate: '2026-12-07', time: '09:30', timeZone: 'America/Los_Angeles' },
    });
    expect(view.job.schedule).not.toHaveProperty('window');
    expect(view.job).not.toHaveProperty('charter');
  });

  it('given a window the brand names, then its start and end; given an ETA on a job not en route, then no ETA', () => {
    const view = trackingView(
      job({
        brandId: 'qdn',
        serviceType: 'junk_removal',
        schedule: { date: '2026-12-05', window: 'morning' },
        etaMinutes: 12,
      }),
      qdn,
    );
    expect(view.job.schedule).toEqual({
      date: '2026-12-05',
      window: 'morning',
      windowStart: '08:00',
      windowEnd: '12:00',
      timeZone: 'America/Los_Angeles',
    });
    expect(view.job.serviceLabel).toBe('Junk removal');
    expect(view.job).not.toHaveProperty('etaMinutes');
  });

  it('given a window the brand does not have (it was renamed since), then no window rather than a broken one', () => {
    const view = trackingView(
      job({ brandId: 'qdn', schedule: { date: '2026-12-05', window: 'sunset' } }),
      qdn,
    );
    expect(view.job.schedule).toEqual({ date: '2026-12-05', timeZone: 'America/Los_Angeles' });
  });

  it('given a window named like a property every object has (stored before bookings refused them), then no window', () => {
    const view = trackingView(
      job({ brandId: 'qdn', schedule: { date: '2026-12-05', window: 'constructor' } }),
      qdn,
    );
    expect(view.job.schedule).toEqual({ date: '2026-12-05', timeZone: 'America/Los_Angeles' });
  });
});

describe('what the public pages know of a brand', () => {
  it('given a brand, then its name, site, zone, windows, services, SLA, theme and payment methods, never its Twilio sender or backup team', () => {
    const profile = brandProfile(brands.get('jada'));
    expect(Object.keys(profile).sort()).toEqual(
      [
        'brandId',
        'contactPhone',
        'displayName',
        'payments',
        'serviceTypes',
        'siteBaseUrl',
        'sla',
        'smsConsentWording',
        'theme',
        'timeZone',
        'windows',
      ].sort(),
    );
    expect(profile).toMatchObject({
      brandId: 'jada',
      displayName: 'JADA Sail Charters',
      timeZone: 'America/Los_Angeles',
    });
    expect(JSON.stringify(profile)).not.toMatch(/\+1619555011[01]|twilio|backupTeam|smsSignOff/);
  });
});
