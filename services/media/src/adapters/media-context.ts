import { randomUUID } from 'node:crypto';
import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance } from '@qdn/shared/per-instance';
import { RateLimiter } from '@qdn/shared/rate-limiter';
import { s3Client } from '@qdn/shared/s3';
import * as z from 'zod';
import type { MediaContext } from '../domain/ports.ts';
import { DynamoDraftClaims } from './draft-claims.ts';
import { DynamoJobDirectory } from './job-directory.ts';
import { S3PhotoStorage } from './photo-storage.ts';
import { DynamoPhotoRepository } from './photo-store.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  MEDIA_BUCKET: requiredString(),
  PHOTOS_TABLE: requiredString(),
  KNOWN_JOBS_TABLE: requiredString(),
  COUNTERS_TABLE: requiredString(),
  PHOTO_DRAFTS_TABLE: requiredString(),
  CUSTOMER_UPLOADS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(60),
  // The booking form polls its draft every 1.5 s while photos are checked (40 a minute): room for a
  // few forms behind one address.
  DRAFT_LOOKUPS_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(120),
});

/** The photo routes' dependencies, built once per function instance. */
export const mediaContext = /* @__PURE__ */ perInstance(
  (): MediaContext => ({
    photos: new DynamoPhotoRepository(dynamoDocumentClient(), config.PHOTOS_TABLE),
    jobs: new DynamoJobDirectory(dynamoDocumentClient(), config.KNOWN_JOBS_TABLE),
    drafts: new DynamoDraftClaims(dynamoDocumentClient(), config.PHOTO_DRAFTS_TABLE),
    storage: new S3PhotoStorage(s3Client(), config.MEDIA_BUCKET),
    now: () => new Date(),
    newPhotoId: randomUUID,
    timeZoneOf: async (brandId) => (await loadBrands()).get(brandId).timeZone,
    limits: new RateLimiter(dynamoDocumentClient(), config.COUNTERS_TABLE),
    customerUploadsPerIpPerHour: config.CUSTOMER_UPLOADS_PER_IP_PER_HOUR,
    draftLookupsPerIpPerMinute: config.DRAFT_LOOKUPS_PER_IP_PER_MINUTE,
  }),
);
