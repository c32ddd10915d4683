import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { brandFleet } from '../domain/fleet-commands.ts';
import { BrandParams, DayRangeQuery } from '../domain/job-input.ts';

/** GET /brands/{brandId}/trailers?from=&to= (dispatcher, admin): each trailer, day by day, with its job. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: BrandParams, query: DayRangeQuery },
  async function listTrailers({ params, query }) {
    return { body: await brandFleet(await jobsContext(), params.brandId, query) };
  },
);
