import type { Brand, CharterOffer } from '@qdn/shared/brands';

export interface Quote {
  serviceType: string;
  label: string;
  days: number;
  totalCents: number;
  currency: 'USD';
  /** A charter's price, line by line: the hours at the hourly rate and the guests beyond those included. */
  charter?: {
    durationMinutes: number;
    guestCount: number;
    hourlyCents: number;
    extraGuests: number;
    extraGuestCents: number;
    /** The brand's least price for a charter applied (a short charter costs at least that). */
    minimumApplied: boolean;
  };
}

function daysBetween(startDate: string, endDate: string): number {
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000);
}

/**
 * A charter's price from the brand's charter pricing: the hours at the hourly rate (to the cent), each
 * guest beyond those included at the extra-guest price, and never less than the service type's price.
 */
export function charterQuote(
  offer: { priceCents: number; charter: CharterOffer },
  trip: { durationMinutes: number; guestCount: number },
): { totalCents: number; charter: NonNullable<Quote['charter']> } {
  const { hourlyCents, includedGuests, extraGuestCents } = offer.charter;
  const extraGuests = includedGuests === undefined ? 0 : Math.max(0, trip.guestCount - includedGuests);
  const priced = Math.round((hourlyCents * trip.durationMinutes) / 60) + extraGuests * extraGuestCents;
  return {
    totalCents: Math.max(offer.priceCents, priced),
    charter: {
      durationMinutes: trip.durationMinutes,
      guestCount: trip.guestCount,
      hourlyCents,
      extraGuests,
      extraGuestCents,
      minimumApplied: priced < offer.priceCents,
    },
  };
}

/**
 * The price of a service from the brand's price table: the base price, plus the per-day price for
 * each day a rental runs past the first; a charter with its length and guests by the brand's charter
 * pricing (charterQuote). Undefined when the brand does not offer the service.
 */
export function quoteFor(
  brand: Brand,
  serviceType: string,
  schedule: { date: string; endDate?: string },
  trip?: { durationMinutes: number; guestCount: number },
): Quote | undefined {
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === serviceType);
  if (!offer) return undefined;
  if (offer.charter && trip) {
    return {
      serviceType,
      label: offer.label,
      days: 1,
      ...charterQuote({ priceCents: offer.priceCents, charter: offer.charter }, trip),
      currency: 'USD',
    };
  }
  const extraDays = schedule.endDate ? Math.max(0, daysBetween(schedule.date, schedule.endDate)) : 0;
  return {
    serviceType,
    label: offer.label,
    days: extraDays + 1,
    totalCents: offer.priceCents + extraDays * (offer.extraDayCents ?? 0),
    currency: 'USD',
  };
}
