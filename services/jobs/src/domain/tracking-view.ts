import type { Brand } from '@qdn/shared';
import { type JobRecord, reachedAt } from './job.ts';

/**
 * What the customer's tracking page shows: an allow-list built field by field — first name only, no
 * phone, no price split, no notes meant for staff.
 */
export function trackingView(job: JobRecord, brand: Brand) {
  const window = job.schedule.window ? brand.windows[job.schedule.window] : undefined;
  return {
    brand: { brandId: brand.brandId, displayName: brand.displayName, theme: brand.theme },
    job: {
      firstName: job.customer.name.trim().split(/\s+/)[0],
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
