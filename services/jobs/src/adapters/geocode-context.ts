import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { locationClient } from '@qdn/shared/location';
import { perInstance } from '@qdn/shared/per-instance';
import * as z from 'zod';
import type { GeocodeStore, PlaceIndex } from '../domain/geocoding.ts';
import { DynamoJobRepository } from './job-store.ts';
import { AmazonLocationPlaceIndex } from './place-index.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  JOBS_TABLE: requiredString(),
  PLACE_INDEX_NAME: requiredString(),
  // ISO 3166 alpha-3 codes, comma-separated: where the brands work (a US address never matches abroad).
  GEOCODE_COUNTRIES: z
    .string()
    .default('USA')
    .transform((value) =>
      value
        .split(',')
        .map((code) => code.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[A-Z]{3}$/, 'ISO 3166 alpha-3 codes, e.g. USA'))),
});

/** The geocode consumer's dependencies, built once per function instance. */
export const geocodeContext = /* @__PURE__ */ perInstance(
  (): { places: PlaceIndex; store: GeocodeStore; now: () => Date } => ({
    places: new AmazonLocationPlaceIndex(locationClient(), config.PLACE_INDEX_NAME, config.GEOCODE_COUNTRIES),
    store: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    now: () => new Date(),
  }),
);
