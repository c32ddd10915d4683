import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance } from '@qdn/shared/per-instance';
import * as z from 'zod';
import type { LocationLog } from '../domain/job-locations.ts';
import type { LocationsContext } from '../domain/location-commands.ts';
import { DynamoJobRepository } from './job-store.ts';
import { DynamoLocationLog } from './location-store.ts';

// Read once per cold start; a missing variable fails the first invocation with its name. Kept apart
// from jobsContext so posting a location never waits for the brand catalog.
const config = loadConfig({
  JOBS_TABLE: requiredString(),
  JOB_LOCATIONS_TABLE: requiredString(),
  ARRIVAL_RADIUS_METERS: z.coerce.number().positive().max(5_000).default(150),
});

/** The telemetry table, for routes that only read points (the tracking view). */
export const locationLog = /* @__PURE__ */ perInstance(
  (): LocationLog => new DynamoLocationLog(dynamoDocumentClient(), config.JOB_LOCATIONS_TABLE),
);

/** The telemetry commands' dependencies, built once per function instance. */
export const locationsContext = /* @__PURE__ */ perInstance(
  (): LocationsContext => ({
    repository: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    locations: locationLog(),
    now: () => new Date(),
    arrivalRadiusMeters: config.ARRIVAL_RADIUS_METERS,
    // The catalog on first need (loadBrands keeps it; a failed load is tried again next time).
    timeZoneOf: async (brandId) => (await loadBrands()).get(brandId).timeZone,
  }),
);
