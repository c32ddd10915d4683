import { type HttpResult, httpHandler } from '@qdn/shared/http';
import { feedContext } from '../adapters/calendar-context.ts';
import { calendarFeed, FEED_NOT_FOUND } from '../domain/calendar-commands.ts';
import { FeedParams, FeedQuery } from '../domain/calendar-input.ts';

/**
 * GET /calendars/{calendarId}/feed.ics?key= (public; phones subscribe to it). An unknown calendar, a
 * wrong, revoked or missing key all get the same 404.
 */
export const handler = httpHandler(
  { params: FeedParams, query: FeedQuery },
  async function getCalendarFeedRoute({ params, query }): Promise<HttpResult> {
    const feed = await calendarFeed(await feedContext(), params.calendarId, query.key);
    if (feed === undefined) {
      return { statusCode: 404, body: { error: FEED_NOT_FOUND }, headers: { 'cache-control': 'no-store' } };
    }
    return {
      body: feed,
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, max-age=60' },
    };
  },
);
