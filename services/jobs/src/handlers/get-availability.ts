import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { brandAvailability } from '../domain/fleet-commands.ts';
import { BrandParams, DayRangeQuery } from '../domain/job-input.ts';

/**
 * GET /brands/{brandId}/availability?from=&to= (public): per day, how many of the brand's trailers of
 * each size are free; never which job or customer holds the others. Cached a minute by browsers.
 */
export const handler = httpHandler(
  { params: BrandParams, query: DayRangeQuery },
  async function getAvailability({ params, query, event }) {
    const availability = await brandAvailability(await jobsContext(), params.brandId, query, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return { body: availability, headers: { 'cache-control': 'public, max-age=60' } };
  },
);
