import type { Brand } from '@qdn/shared/brands';
import { ConflictError, ValidationError } from '@qdn/shared/errors';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import { zonedDate } from '@qdn/shared/zoned-time';
import {
  type DayAvailability,
  daysFrom,
  fleetSchedule,
  freeTrailers,
  MAX_RANGE_DAYS,
  publicAvailability,
  type TrailerSchedule,
} from './fleet.ts';
import type { JobsContext } from './job-commands.ts';

/** Looked up per source address: the public availability is cheap to ask and not a thing to scrape. */
const AVAILABILITY_PER_IP_PER_MINUTE = 30;

function daysOf(range: { from: string; to: string }): string[] {
  if (range.to < range.from) {
    throw new ValidationError('Invalid query', [{ field: 'query.to', message: 'must not be before from' }]);
  }
  const days = daysFrom(range.from, range.to, MAX_RANGE_DAYS);
  if (days.at(-1) !== range.to) {
    throw new ValidationError('Invalid query', [
      { field: 'query.to', message: `at most ${MAX_RANGE_DAYS} days from from` },
    ]);
  }
  return days;
}

/**
 * `GET /brands/{brandId}/availability?from=&to=` (public): per day, how many trailers of each size are
 * free — what the booking page needs to offer only bookable days, and nothing about who has the others.
 */
export async function brandAvailability(
  context: JobsContext,
  brandId: string,
  range: { from: string; to: string },
  request: { sourceIp: string },
): Promise<{ brandId: string; sizes: string[]; days: DayAvailability[] }> {
  await enforceRateLimit(
    context.limits,
    { name: 'availability', limit: AVAILABILITY_PER_IP_PER_MINUTE, windowSeconds: 60 },
    request.sourceIp,
    context.now(),
  );
  const brand = context.brands.get(brandId);
  const today = zonedDate(context.now(), brand.timeZone);
  // The past has nothing to book: it is left out rather than shown as free.
  const days = daysOf(range).filter((day) => day >= today);
  const bookings = await context.repository.trailerBookings(
    brand.fleet.map((trailer) => trailer.trailerId),
    days,
  );
  return {
    brandId: brand.brandId,
    sizes: [...new Set(brand.fleet.map((trailer) => trailer.size))],
    days: publicAvailability(brand, days, bookings),
  };
}

/** `GET /brands/{brandId}/trailers?from=&to=` (dispatcher, admin): each trailer, day by day, with its job. */
export async function brandFleet(
  context: JobsContext,
  brandId: string,
  range: { from: string; to: string },
): Promise<{ brandId: string; trailers: TrailerSchedule[] }> {
  const brand = context.brands.get(brandId);
  const days = daysOf(range);
  const bookings = await context.repository.trailerBookings(
    brand.fleet.map((trailer) => trailer.trailerId),
    days,
  );
  return { brandId: brand.brandId, trailers: fleetSchedule(brand, days, bookings) };
}

/**
 * A booking of a service that takes a trailer is refused (409) when none of the brand's trailers is free
 * on every one of its days: the booking page offers only bookable days, and this holds for any client.
 */
export async function requireFreeTrailer(
  context: JobsContext,
  brand: Brand,
  serviceType: string,
  days: readonly string[],
): Promise<void> {
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === serviceType);
  if (!offer?.usesTrailer || brand.fleet.length === 0) return;
  const bookings = await context.repository.trailerBookings(
    brand.fleet.map((trailer) => trailer.trailerId),
    days,
  );
  if (freeTrailers(brand, days, bookings).length === 0) {
    throw new ConflictError('No trailer is free on those days; choose other days or call us', [
      { field: 'body.preferredDate', message: 'no trailer is free on those days' },
    ]);
  }
}
