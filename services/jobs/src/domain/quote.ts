import type { Brand } from '@qdn/shared/brands';

export interface Quote {
  serviceType: string;
  label: string;
  days: number;
  totalCents: number;
  currency: 'USD';
}

function daysBetween(startDate: string, endDate: string): number {
  return Math.round((Date.parse(`${endDate}T00:00:00Z`) - Date.parse(`${startDate}T00:00:00Z`)) / 86_400_000);
}

/**
 * The price of a service from the brand's price table: the base price, plus the per-day price for
 * each day a rental runs past the first. Undefined when the brand does not offer the service.
 */
export function quoteFor(
  brand: Brand,
  serviceType: string,
  schedule: { date: string; endDate?: string },
): Quote | undefined {
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === serviceType);
  if (!offer) return undefined;
  const extraDays = schedule.endDate ? Math.max(0, daysBetween(schedule.date, schedule.endDate)) : 0;
  return {
    serviceType,
    label: offer.label,
    days: extraDays + 1,
    totalCents: offer.priceCents + extraDays * (offer.extraDayCents ?? 0),
    currency: 'USD',
  };
}
