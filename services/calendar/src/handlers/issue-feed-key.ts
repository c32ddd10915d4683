import { httpHandler } from '@qdn/shared/http';
import { feedContext } from '../adapters/calendar-context.ts';
import { issueFeedKey } from '../domain/calendar-commands.ts';
import { FeedKeyParams } from '../domain/calendar-input.ts';

/** POST /calendars/{calendarId}/feed-key (admin) → 201 `{ feedKey, url }`; the calendar's old key 404s at once. */
export const handler = httpHandler(
  { roles: ['admin'], params: FeedKeyParams },
  async function issueFeedKeyRoute({ params, principal }) {
    const issued = await issueFeedKey(await feedContext(), params.calendarId, principal!.userId);
    return { statusCode: 201, body: issued, headers: { 'cache-control': 'no-store' } };
  },
);
