import { WorkDate } from '@qdn/shared/events';
import { addDays } from '@qdn/shared/zoned-time';
import * as z from 'zod';
import { DISPATCH_CALENDAR_ID, isCalendarId } from './calendar-ids.ts';

/** The longest range the dispatcher board may ask for at once. */
export const MAX_BOARD_DAYS = 92;

const calendarId = z
  .string()
  .max(80)
  .refine(isCalendarId, 'must be dispatch, brand-{brandId}, crew-{crewId} or trailer-{trailerId}');

/** `POST /calendars/{calendarId}/feed-key`: an admin names the calendar, so a typo is a clear 400. */
export const FeedKeyParams = z.strictObject({ calendarId });

/**
 * `GET /calendars/{calendarId}/feed.ics?key=` is public: nothing here may answer 400, because a
 * different answer for a malformed id or key would hint at which part was wrong. Everything is
 * checked by the feed lookup, which answers one 404.
 */
export const FeedParams = z.object({ calendarId: z.string() });
export const FeedQuery = z.object({ key: z.string().optional() });

// Range checks only make sense once both dates are dates; otherwise the date errors say it all.
function datesAreValid(payload: z.core.ParsePayload): boolean {
  return !payload.issues.some((issue) => issue.path?.[0] === 'from' || issue.path?.[0] === 'to');
}

/** `GET /calendar?from=&to=&calendarId=`: dates (YYYY-MM-DD, inclusive) in the dispatch time zone. */
export const BoardQuery = z
  .strictObject({
    from: WorkDate,
    to: WorkDate,
    calendarId: calendarId.default(DISPATCH_CALENDAR_ID),
  })
  .refine((query) => query.to >= query.from, {
    message: 'must not be before from',
    path: ['to'],
    when: datesAreValid,
  })
  .refine((query) => query.to <= addDays(query.from, MAX_BOARD_DAYS - 1), {
    message: `at most ${MAX_BOARD_DAYS} days from from`,
    path: ['to'],
    when: datesAreValid,
  });
export type BoardQuery = z.infer<typeof BoardQuery>;
