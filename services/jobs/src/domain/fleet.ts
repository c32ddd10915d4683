import type { Brand, TrailerConfig } from '@qdn/shared/brands';
import type { FieldError } from '@qdn/shared/errors';
import { addDays } from '@qdn/shared/zoned-time';

/**
 * A job spans at most this many days (a rental's drop-off to pick-up): every one of them is claimed, and
 * moving a rental to another trailer releases and claims them all in one DynamoDB transaction (at most
 * 100 items: 2 × 45 claims, the job and its link fit).
 */
export const MAX_JOB_DAYS = 45;

/** Whether `day` is one of a job's days: its date to its endDate (a one-day job: its date). */
export function coversDay(schedule: { date: string; endDate?: string | undefined }, day: string): boolean {
  return schedule.date <= day && day <= (schedule.endDate ?? schedule.date);
}

/**
 * The first days a job running through `day` may have had before it: a job spans at most MAX_JOB_DAYS,
 * so it began at most MAX_JOB_DAYS - 1 days earlier. The day board looks for multi-day jobs started
 * there (and still running on `day`), besides those of the day itself.
 */
export function earlierStartsThrough(day: string): { from: string; to: string } {
  return { from: addDays(day, -(MAX_JOB_DAYS - 1)), to: addDays(day, -1) };
}

/** The longest range the availability and fleet views answer for at once. */
export const MAX_RANGE_DAYS = 62;

/** Every calendar day from `from` to `to`, both included, stopping after `limit` days. */
export function daysFrom(from: string, to: string, limit: number): string[] {
  const days: string[] = [];
  for (
    let day = Date.parse(`${from}T00:00:00Z`);
    day <= Date.parse(`${to}T00:00:00Z`) && days.length < limit;
    day += 86_400_000
  ) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/** Who has each trailer on which day: trailerId → day → jobId (only claimed days are present). */
export type TrailerBookings = Map<string, Map<string, string>>;

export function outOfServiceOn(trailer: TrailerConfig, day: string): boolean {
  return trailer.outOfService.some((period) => period.from <= day && day <= period.to);
}

/**
 * Why `trailerId` can't be booked on `days` for the brand, as field errors: a trailer the brand doesn't
 * have, or a day it is out of service. (A day another job holds is the repository's 409: claims are
 * conditional writes, so two bookings can't both win.)
 */
export function trailerProblems(brand: Brand, trailerId: string, days: readonly string[]): FieldError[] {
  const trailer = brand.fleet.find((candidate) => candidate.trailerId === trailerId);
  if (!trailer) {
    return [
      {
        field: 'body.trailerId',
        message:
          brand.fleet.length === 0
            ? `${brand.displayName} has no trailers`
            : `${brand.displayName}'s trailers are ${brand.fleet.map((known) => known.trailerId).join(', ')}`,
      },
    ];
  }
  const down = days.filter((day) => outOfServiceOn(trailer, day));
  return down.length > 0
    ? [{ field: 'body.trailerId', message: `${trailerId} is out of service on ${down.join(', ')}` }]
    : [];
}

/** A trailer is free on a day when it is in service and no job (other than `exceptJobId`) holds it. */
function isFree(trailer: TrailerConfig, day: string, bookings: TrailerBookings, exceptJobId?: string) {
  if (outOfServiceOn(trailer, day)) return false;
  const holder = bookings.get(trailer.trailerId)?.get(day);
  return holder === undefined || holder === exceptJobId;
}

export interface DayAvailability {
  date: string;
  /** Free trailers per size that day, e.g. `{ "14 yd": 2, "20 yd": 0 }`. */
  free: Record<string, number>;
}

/**
 * What the public booking page may know: per day, how many trailers of each size are free. Never which
 * trailer, which job or which customer holds the others.
 */
export function publicAvailability(
  brand: Brand,
  days: readonly string[],
  bookings: TrailerBookings,
): DayAvailability[] {
  const sizes = [...new Set(brand.fleet.map((trailer) => trailer.size))];
  return days.map((date) => ({
    date,
    free: Object.fromEntries(
      sizes.map((size) => [
        size,
        brand.fleet.filter((trailer) => trailer.size === size && isFree(trailer, date, bookings)).length,
      ]),
    ),
  }));
}

export type TrailerDay =
  | { date: string; state: 'free' }
  | { date: string; state: 'booked'; jobId: string }
  | { date: string; state: 'out-of-service' };

export interface TrailerSchedule {
  trailerId: string;
  name: string;
  size: string;
  days: TrailerDay[];
}

/** The staff's view: each trailer, day by day, with the job that holds it. */
export function fleetSchedule(
  brand: Brand,
  days: readonly string[],
  bookings: TrailerBookings,
): TrailerSchedule[] {
  return brand.fleet.map((trailer) => ({
    trailerId: trailer.trailerId,
    name: trailer.name,
    size: trailer.size,
    days: days.map((date): TrailerDay => {
      if (outOfServiceOn(trailer, date)) return { date, state: 'out-of-service' };
      const jobId = bookings.get(trailer.trailerId)?.get(date);
      return jobId ? { date, state: 'booked', jobId } : { date, state: 'free' };
    }),
  }));
}

/**
 * The trailers a dispatcher may assign to a job on `days` (every day of a rental, drop-off to
 * pick-up), in fleet order; the job's own claims don't count against it.
 */
export function freeTrailers(
  brand: Brand,
  days: readonly string[],
  bookings: TrailerBookings,
  exceptJobId?: string,
): TrailerConfig[] {
  return brand.fleet.filter((trailer) => days.every((day) => isFree(trailer, day, bookings, exceptJobId)));
}
