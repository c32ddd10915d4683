import type { JobStatus } from '@qdn/shared/events';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { CalendarEntry } from './calendar-entry.ts';
import { entryDescription } from './calendar-entry.ts';

/** The zone people read the calendars in: all-day entries and apps without a zone of their own use it. */
export const DISPATCH_TIME_ZONE = 'America/Los_Angeles';

/** How often subscribed phones should look again (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
const REFRESH_SECONDS = 15 * 60;

/** UIDs stay the same for a job across versions and feeds, so a phone updates the event in place. */
export function entryUid(jobId: string): string {
  return `${jobId}@calendar.qdn-dispatch`;
}

function icsStatus(status: JobStatus): ICalEventStatus {
  if (status === 'cancelled') return ICalEventStatus.CANCELLED;
  if (status === 'requested') return ICalEventStatus.TENTATIVE;
  return ICalEventStatus.CONFIRMED;
}

/** Midnight UTC of a date: ical-generator writes an all-day DATE from a Date's UTC fields. */
function dateOnly(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

function nextDay(date: string): Date {
  return new Date(dateOnly(date).getTime() + 24 * 60 * 60 * 1000);
}

/**
 * One calendar as an RFC 5545 feed. Timed entries are written in UTC (every calendar app accepts
 * that, and it needs no VTIMEZONE); all-day entries as DATE values. SEQUENCE is the job version,
 * so a reschedule supersedes what a phone has; cancelled jobs stay in the feed as STATUS:CANCELLED
 * so phones remove them instead of keeping a stale copy.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5545#section-3.8.7.4
 */
export function icsFeed(calendar: { name: string }, entries: readonly CalendarEntry[]): string {
  const feed = ical({
    name: calendar.name,
    prodId: { company: 'QDN', product: 'Dispatch calendar', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    ttl: REFRESH_SECONDS,
    x: [['X-WR-TIMEZONE', DISPATCH_TIME_ZONE]],
  });
  for (const entry of entries) {
    feed.createEvent({
      id: entryUid(entry.jobId),
      sequence: entry.version,
      stamp: new Date(entry.changedAt),
      lastModified: new Date(entry.changedAt),
      summary: entry.title,
      description: entryDescription(entry),
      location: entry.location,
      status: icsStatus(entry.status),
      ...(entry.allDay
        ? { allDay: true, start: dateOnly(entry.firstDay), end: nextDay(entry.lastDay) }
        : { start: new Date(entry.startsAt), end: new Date(entry.endsAt) }),
    });
  }
  return feed.toString();
}
