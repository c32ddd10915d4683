import type { Brand } from '@qdn/shared/brands';
import type { JobOnBus, JobSchedule, JobStatus } from '@qdn/shared/events';
import { addDays, addMinutesToTime, toZonedIso, zonedTimeToInstant } from '@qdn/shared/zoned-time';
import { calendarIdsFor } from './calendar-ids.ts';

/** How long a job booked at a time (not a window) is shown when it has no duration of its own. */
export const DEFAULT_SLOT_MINUTES = 60;

/**
 * A job as the calendars show it: an allow-list built from the event. What crews must never see
 * (price, payment, invoice, notes, the customer's phone and full name) is not copied in, so no calendar
 * — crew, trailer, brand or dispatch — and no push to the internal calendar can carry it.
 */
export interface CalendarEntry {
  jobId: string;
  brandId: string;
  brandName: string;
  /** The job version this entry reflects; an entry only ever moves to a higher one. */
  version: number;
  status: JobStatus;
  title: string;
  serviceType: string;
  serviceLabel: string;
  customerFirstName: string;
  location: string;
  schedule: JobSchedule;
  /** The window's hours from the brand's configuration, when the job is booked in a known window. */
  windowHours?: { start: string; end: string };
  timeZone: string;
  /** A day (or days) without hours: no time, or a window the brand's configuration doesn't know. */
  allDay: boolean;
  /** UTC instants; an all-day entry starts at midnight of its first day and ends at midnight after its last. */
  startsAt: string;
  endsAt: string;
  /** All-day entries: first and last day (inclusive), as the job gives them. */
  firstDay: string;
  lastDay: string;
  trailerId?: string;
  crewIds: string[];
  charter?: { vessel: string; meetingPoint: string; guestCount: number; durationMinutes: number };
  calendarIds: string[];
  /** When the change this version records happened (the event's occurredAt). */
  changedAt: string;
}

const STATUS_LABELS: Record<JobStatus, string> = {
  requested: 'requested',
  scheduled: 'scheduled',
  en_route: 'on the way',
  arrived: 'on site',
  complete: 'completed',
  cancelled: 'cancelled',
};

const TITLE_PREFIX: Partial<Record<JobStatus, string>> = {
  requested: 'Requested: ',
  complete: 'Completed: ',
  cancelled: 'Cancelled: ',
};

interface Timing {
  allDay: boolean;
  startsAt: Date;
  endsAt: Date;
  windowHours?: { start: string; end: string };
}

/**
 * When a job happens: at its time (for its charter's duration, else an hour), in its window's hours
 * from the brand configuration, or all day when neither is known. A multi-day rental runs from the
 * first day's start to the same hour of its end date.
 */
export function timingOf(schedule: JobSchedule, brand: Brand, durationMinutes?: number): Timing {
  const lastDay = schedule.endDate ?? schedule.date;
  const windowHours = schedule.window ? brand.windows[schedule.window] : undefined;
  let start: string | undefined;
  let end: { time: string; dayCarry: number } | undefined;
  if (schedule.time) {
    start = schedule.time;
    end = addMinutesToTime(schedule.time, durationMinutes ?? DEFAULT_SLOT_MINUTES);
  } else if (windowHours) {
    start = windowHours.start;
    end =
      windowHours.end > windowHours.start
        ? { time: windowHours.end, dayCarry: 0 }
        : { time: windowHours.end, dayCarry: 1 };
  }
  if (start === undefined || end === undefined) {
    return {
      allDay: true,
      startsAt: zonedTimeToInstant(schedule.date, '00:00', brand.timeZone),
      endsAt: zonedTimeToInstant(addDays(lastDay, 1), '00:00', brand.timeZone),
    };
  }
  return {
    allDay: false,
    startsAt: zonedTimeToInstant(schedule.date, start, brand.timeZone),
    endsAt: zonedTimeToInstant(addDays(lastDay, end.dayCarry), end.time, brand.timeZone),
    ...(windowHours && !schedule.time ? { windowHours } : {}),
  };
}

/** The calendar entry for a job as an event carries it. */
export function calendarEntryFor(job: JobOnBus, brand: Brand, changedAt: string): CalendarEntry {
  const serviceLabel =
    brand.serviceTypes.find((type) => type.serviceType === job.serviceType)?.label ?? job.serviceType;
  const timing = timingOf(job.schedule, brand, job.charter?.durationMinutes);
  return {
    jobId: job.jobId,
    brandId: job.brandId,
    brandName: brand.displayName,
    version: job.version,
    status: job.status,
    title: `${TITLE_PREFIX[job.status] ?? ''}${serviceLabel} – ${job.customer.firstName}`,
    serviceType: job.serviceType,
    serviceLabel,
    customerFirstName: job.customer.firstName,
    location: job.charter ? `${job.charter.meetingPoint}, ${job.address.text}` : job.address.text,
    schedule: { ...job.schedule },
    ...(timing.windowHours ? { windowHours: timing.windowHours } : {}),
    timeZone: brand.timeZone,
    allDay: timing.allDay,
    startsAt: timing.startsAt.toISOString(),
    endsAt: timing.endsAt.toISOString(),
    firstDay: job.schedule.date,
    lastDay: job.schedule.endDate ?? job.schedule.date,
    ...(job.trailerId ? { trailerId: job.trailerId } : {}),
    crewIds: [...job.crewIds],
    ...(job.charter ? { charter: { ...job.charter } } : {}),
    calendarIds: calendarIdsFor(job),
    changedAt,
  };
}

/** The words under an entry's title, the same in every calendar (nothing in it is private). */
export function entryDescription(entry: CalendarEntry): string {
  const lines = [
    `${entry.serviceLabel} for ${entry.customerFirstName} (${entry.brandName})`,
    `Status: ${STATUS_LABELS[entry.status]}`,
  ];
  if (entry.schedule.window) {
    lines.push(
      entry.windowHours
        ? `Window: ${entry.schedule.window} (${entry.windowHours.start}–${entry.windowHours.end})`
        : `Window: ${entry.schedule.window}`,
    );
  }
  if (entry.schedule.endDate && entry.schedule.endDate !== entry.schedule.date) {
    lines.push(`Through: ${entry.schedule.endDate}`);
  }
  if (entry.location !== '') lines.push(`Where: ${entry.location}`);
  if (entry.charter) {
    lines.push(
      `Vessel: ${entry.charter.vessel}, ${entry.charter.guestCount} guests, ${entry.charter.durationMinutes} min`,
    );
  }
  if (entry.trailerId) lines.push(`Trailer: ${entry.trailerId}`);
  if (entry.crewIds.length > 0) lines.push(`Crew: ${entry.crewIds.join(', ')}`);
  lines.push(`Job: ${entry.jobId}`);
  return lines.join('\n');
}

/** An entry as the dispatcher board reads it (`GET /calendar`): local times with their offset. */
export function boardView(entry: CalendarEntry) {
  return {
    jobId: entry.jobId,
    brandId: entry.brandId,
    version: entry.version,
    status: entry.status,
    title: entry.title,
    serviceType: entry.serviceType,
    customerFirstName: entry.customerFirstName,
    location: entry.location,
    allDay: entry.allDay,
    start: toZonedIso(new Date(entry.startsAt), entry.timeZone),
    end: toZonedIso(new Date(entry.endsAt), entry.timeZone),
    timeZone: entry.timeZone,
    schedule: entry.schedule,
    ...(entry.trailerId ? { trailerId: entry.trailerId } : {}),
    crewIds: entry.crewIds,
    ...(entry.charter ? { charter: entry.charter } : {}),
  };
}
