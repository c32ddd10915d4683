import { httpHandler } from '@qdn/shared/http';
import { locationsContext } from '../adapters/locations-context.ts';
import { JobIdParams, ListLocationsQuery } from '../domain/job-input.ts';
import { listLocations } from '../domain/location-commands.ts';

/** GET /jobs/{jobId}/locations?since=&limit= (dispatcher, admin) → `{ points }`, newest first, at most 7 days back. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: JobIdParams, query: ListLocationsQuery },
  async function listLocationsRoute({ params, query, principal }) {
    return { body: { points: await listLocations(locationsContext(), params.jobId, query, principal!) } };
  },
);
