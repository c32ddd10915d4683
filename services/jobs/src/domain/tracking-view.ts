import type { Brand } from '@qdn/shared/brands';
import { firstName, type JobRecord, reachedAt } from './job.ts';
import { type LocationPoint, lastLocationForCustomer } from './job-locations.ts';
import { staticMapUrl } from './tracking-map.ts';

/**
 * What the customer's tracking page shows: an allow-list built field by field — first name only, no
 * phone, no price split, no notes meant for staff. The truck's last location only while it is on its
 * way and fresh (see lastLocationForCustomer), with a static map image of it when maps are configured
 * (`maps`: GetStaticMap's endpoint and the public maps key).
 */
export function trackingView(
  job: JobRecord,
  brand: Brand,
  telemetry?: {
    lastPoint: LocationPoint | undefined;
    now: Date;
    maps?: { base: string; key: string } | undefined;
  },
) {
  const lastLocation = telemetry
    ? lastLocationForCustomer(job, telemetry.lastPoint, telemetry.now)
    : undefined;
  // Own keys only: a job booked before windows were checked that way may name "constructor".
  const window =
    job.schedule.window && Object.hasOwn(brand.windows, job.schedule.window)
      ? brand.windows[job.schedule.window]
      : undefined;
  return {
    brand: { brandId: brand.brandId, displayName: brand.displayName, theme: brand.theme },
    job: {
      firstName: firstName(job.customer.name),
      serviceType: job.serviceType,
      serviceLabel:
        brand.serviceTypes.find((offer) => offer.serviceType === job.serviceType)?.label ?? job.serviceType,
      status: job.status,
      reachedAt: reachedAt(job),
      schedule: {
        date: job.schedule.date,
        ...(job.schedule.endDate ? { endDate: job.schedule.endDate } : {}),
        ...(job.schedule.time ? { time: job.schedule.time } : {}),
        ...(window ? { window: job.schedule.window, windowStart: window.start, windowEnd: window.end } : {}),
        timeZone: brand.timeZone,
      },
      ...(job.etaMinutes !== undefined && job.status === 'en_route' ? { etaMinutes: job.etaMinutes } : {}),
      ...(lastLocation ? { lastLocation } : {}),
      ...(lastLocation && telemetry?.maps
        ? { mapImageUrl: staticMapUrl(telemetry.maps.base, telemetry.maps.key, lastLocation) }
        : {}),
      ...(job.charter
        ? {
            charter: {
              vessel: job.charter.vessel,
              meetingPoint: job.charter.meetingPoint,
              guestCount: job.charter.guestCount,
            },
          }
        : {}),
      updatedAt: job.updatedAt,
    },
  };
}
