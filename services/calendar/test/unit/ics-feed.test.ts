import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import type { JobOnBus } from '@qdn/shared/events';
import ical, { type VEvent } from 'node-ical';
import { calendarEntryFor } from '../../src/domain/calendar-entry.ts';
import { feedKeyHash, feedKeyMatches, looksLikeFeedKey, newFeedKey } from '../../src/domain/feed-key.ts';
import { entryUid, icsFeed } from '../../src/domain/ics-feed.ts';

const brands = testBrands;

/** The shared job (@qdn/local-cloud/test-factories) as Maria Lopez's trailer drop with crew and notes. */
const job = (overrides: Partial<JobOnBus> = {}): JobOnBus =>
  jobOnBus({
    jobId: 'qdn_01JDEMO0000000000000000001',
    version: 4,
    serviceType: 'trailer_drop',
    customer: { name: 'Maria Lopez', firstName: 'Maria', phone: '+16195550142' },
    address: { text: '123 Main St, San Diego, CA' },
    schedule: { date: '2026-07-04', window: 'morning' },
    crewIds: ['crew-7'],
    priceCents: 35_000,
    notes: 'gate code 4321',
    ...overrides,
  });

/** The events of a feed as an independent parser reads them, by UID. */
function parseFeed(text: string): Map<string, VEvent> {
  const events = new Map<string, VEvent>();
  for (const component of Object.values(ical.sync.parseICS(text))) {
    if (component?.type === 'VEVENT') events.set(component.uid, component);
  }
  return events;
}

/** A parsed DATE value as YYYY-MM-DD (node-ical builds date-only values at local midnight). */
function dayOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

describe('iCalendar feed', () => {
  it('given timed, all-day and cancelled entries, when parsed back by node-ical, then each event matches its job', () => {
    // Prepare
    const timed = calendarEntryFor(job(), brands.get('qdn'), '2026-06-01T10:00:00.000Z');
    const rental = calendarEntryFor(
      job({
        jobId: 'qdn_01JDEMO0000000000000000002',
        version: 7,
        schedule: { date: '2026-11-01', endDate: '2026-11-03' },
      }),
      brands.get('qdn'),
      '2026-06-02T10:00:00.000Z',
    );
    const cancelled = calendarEntryFor(
      job({ jobId: 'qdn_01JDEMO0000000000000000003', status: 'cancelled' }),
      brands.get('qdn'),
      '2026-06-03T10:00:00.000Z',
    );

    // Act
    const text = icsFeed({ name: 'QDN crew crew-7' }, [timed, rental, cancelled]);
    const events = parseFeed(text);

    // Assess
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    expect(events.size).toBe(3);
    const first = events.get(entryUid(timed.jobId))!;
    expect(first).toMatchObject({
      summary: 'Trailer drop-off rental – Maria',
      location: '123 Main St, San Diego, CA',
      status: 'CONFIRMED',
      sequence: 4,
    });
    expect(first.start.toISOString()).toBe('2026-07-04T15:00:00.000Z');
    expect(first.end?.toISOString()).toBe('2026-07-04T19:00:00.000Z');
    expect(first.description).toContain('Window: morning (08:00–12:00)');

    const allDay = events.get(entryUid(rental.jobId))!;
    expect(allDay.datetype).toBe('date');
    expect(dayOf(allDay.start)).toBe('2026-11-01');
    expect(dayOf(allDay.end!)).toBe('2026-11-04');
    expect(allDay.sequence).toBe(7);

    expect(events.get(entryUid(cancelled.jobId))).toMatchObject({
      status: 'CANCELLED',
      summary: 'Cancelled: Trailer drop-off rental – Maria',
    });
    expect(text).not.toMatch(/6195550142|35000|350\.00|gate code|Lopez/);
  });

  it('given no entries, then a valid empty calendar', () => {
    const text = icsFeed({ name: 'QDN trailer t9' }, []);
    expect(parseFeed(text).size).toBe(0);
    expect(text).toContain('X-WR-CALNAME:QDN trailer t9');
  });
});

describe('feed keys', () => {
  it('given a new key, then it is 256 bits, URL-safe, and only its hash is kept', () => {
    const key = newFeedKey();
    expect(looksLikeFeedKey(key)).toBe(true);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(feedKeyHash(key)).not.toContain(key);
    expect(newFeedKey()).not.toBe(key);
  });

  it('given the stored hash, then only that key matches', () => {
    const key = newFeedKey();
    const stored = feedKeyHash(key);
    expect(feedKeyMatches(key, stored)).toBe(true);
    expect(feedKeyMatches(newFeedKey(), stored)).toBe(false);
    expect(feedKeyMatches(undefined, stored)).toBe(false);
    expect(feedKeyMatches('short', stored)).toBe(false);
    expect(feedKeyMatches(key, undefined)).toBe(false);
  });
});
