import type { CharterOffer, ServiceTypeConfig } from '@qdn/shared/brands';
import type { FieldError } from '@qdn/shared/errors';
import type { BookingInput } from './job-input.ts';

/**
 * Which form a web booking of a service fills in, and its problems against the brand's offer: a
 * service with a charter offer takes the charter form (departure time, length, guests within the
 * boat's capacity, occasion) and boards at the brand's meeting point, so it has no address, window or
 * return date; every other service takes the address form. The booking page states the same rules
 * (services/site/public/js/booking-rules.js); these are the judge.
 */
export function bookingFormProblems(
  offer: ServiceTypeConfig,
  input: Pick<BookingInput, 'address' | 'charter' | 'window' | 'endDate'>,
): FieldError[] {
  if (!offer.charter) {
    return [
      ...(input.address ? [] : [{ field: 'body.address', message: 'required: where the job is' }]),
      ...(input.charter ? [{ field: 'body.charter', message: `${offer.label} is not a charter` }] : []),
    ];
  }
  const problems: FieldError[] = [];
  const { charter } = offer;
  if (input.address)
    problems.push({ field: 'body.address', message: `a charter boards at ${charter.meetingPoint}` });
  if (input.window)
    problems.push({ field: 'body.window', message: 'a charter has a departure time, not a window' });
  if (input.endDate) problems.push({ field: 'body.endDate', message: 'a charter is one day' });
  if (!input.charter) {
    problems.push({
      field: 'body.charter',
      message: 'required for a charter: departureTime, durationMinutes and guestCount',
    });
    return problems;
  }
  return [...problems, ...charterProblems(charter, input.charter)];
}

/** A charter booking against the brand's offer: the departures, lengths and occasions it offers, its capacity. */
function charterProblems(offer: CharterOffer, trip: NonNullable<BookingInput['charter']>): FieldError[] {
  const problems: FieldError[] = [];
  if (!offer.departureTimes.includes(trip.departureTime)) {
    problems.push({
      field: 'body.charter.departureTime',
      message: `departures are at ${offer.departureTimes.join(', ')}`,
    });
  }
  if (!offer.durationsMinutes.includes(trip.durationMinutes)) {
    problems.push({
      field: 'body.charter.durationMinutes',
      message: `charters are ${offer.durationsMinutes.join(', ')} minutes long`,
    });
  }
  problems.push(...capacityProblems(offer, trip.guestCount, 'body.charter.guestCount'));
  if (trip.occasion !== undefined && !offer.occasions.includes(trip.occasion)) {
    problems.push({
      field: 'body.charter.occasion',
      message:
        offer.occasions.length > 0 ? `occasions are ${offer.occasions.join(', ')}` : 'no occasion is asked',
    });
  }
  return problems;
}

/** More guests than the boat may carry: refused wherever a charter's guests are set (booking or dispatcher). */
export function capacityProblems(offer: CharterOffer, guestCount: number, field: string): FieldError[] {
  return guestCount > offer.capacity
    ? [{ field, message: `${offer.vessel} takes at most ${offer.capacity} guests` }]
    : [];
}
