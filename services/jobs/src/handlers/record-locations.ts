import { httpHandler } from '@qdn/shared/http';
import { locationsContext } from '../adapters/locations-context.ts';
import { JobIdParams, LocationsInput } from '../domain/job-input.ts';
import { recordLocations } from '../domain/location-commands.ts';

/** POST /jobs/{jobId}/locations (dispatcher, admin, driver) → 202 `{ accepted, expired }`; 1–100 points. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams, body: LocationsInput },
  async function recordLocationsRoute({ params, body, principal }) {
    return {
      statusCode: 202,
      body: await recordLocations(locationsContext(), params.jobId, body, principal!),
    };
  },
);
