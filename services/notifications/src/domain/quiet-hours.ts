import type { Brand } from '@qdn/shared/brands';
import { addDays, zonedDate, zonedTimeToInstant } from '@qdn/shared/zoned-time';

/**
 * When a text that can wait may go: at once inside the brand's sending window (default 8 am–9 pm) in
 * the customer's time zone, else at the window's next start. Wall-clock times are turned into instants
 * for each day separately, so a DST change moves the instant, never the local hour.
 *
 * The customer's zone is the brand's: our customers are local to the brand's service area, and an area
 * code says little about where a mobile number's owner lives today.
 */
export function sendableAt(now: Date, brand: Pick<Brand, 'timeZone' | 'quietHours'>): Date {
  const { timeZone } = brand;
  const { sendFrom, sendUntil } = brand.quietHours;
  const today = zonedDate(now, timeZone);
  const opens = zonedTimeToInstant(today, sendFrom, timeZone);
  if (now < opens) return opens;
  if (now < zonedTimeToInstant(today, sendUntil, timeZone)) return now;
  return zonedTimeToInstant(addDays(today, 1), sendFrom, timeZone);
}

/**
 * The day-before reminder of a job on `date`: at the brand's `reminder.sendAt` the day before (inside
 * the sending window), or at once for a job booked after that moment. None when it could only go out
 * on the job's own day: the booking's confirmation has just told the customer.
 */
export function reminderAt(
  date: string,
  now: Date,
  brand: Pick<Brand, 'timeZone' | 'quietHours' | 'reminder'>,
): Date | undefined {
  const planned = zonedTimeToInstant(addDays(date, -1), brand.reminder.sendAt, brand.timeZone);
  const at = sendableAt(planned > now ? planned : now, brand);
  return zonedDate(at, brand.timeZone) < date ? at : undefined;
}

/** The review request after a job completed at `completedAt`: the brand's delay later, inside the window. */
export function reviewRequestAt(
  completedAt: Date,
  brand: Pick<Brand, 'timeZone' | 'quietHours'> & { reviewRequest: { delayMinutes: number } },
): Date {
  return sendableAt(new Date(completedAt.getTime() + brand.reviewRequest.delayMinutes * 60_000), brand);
}
