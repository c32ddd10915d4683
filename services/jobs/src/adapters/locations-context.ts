import { loadBrands } from '@qdn/shared/brand-loader';
import type { Brands } from '@qdn/shared/brands';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
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

let locations: LocationLog | undefined;
let context: LocationsContext | undefined;
let brands: Promise<Brands> | undefined;

/** The brand catalog, loaded on first need; a failed load is retried on the next call, not kept. */
function brandCatalog(): Promise<Brands> {
  brands ??= loadBrands().catch((error: unknown) => {
    brands = undefined;
    throw error;
  });
  return brands;
}

/** The telemetry table, for routes that only read points (the tracking view). */
export function locationLog(): LocationLog {
  locations ??= new DynamoLocationLog(dynamoDocumentClient(), config.JOB_LOCATIONS_TABLE);
  return locations;
}

/** The telemetry commands' dependencies, built once per function instance. */
export function locationsContext(): LocationsContext {
  context ??= {
    repository: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    locations: locationLog(),
    now: () => new Date(),
    arrivalRadiusMeters: config.ARRIVAL_RADIUS_METERS,
    timeZoneOf: async (brandId) => (await brandCatalog()).get(brandId).timeZone,
  };
  return context;
}
