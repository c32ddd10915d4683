import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { RateLimiter } from '@qdn/shared/rate-limiter';
import { secretParameter } from '@qdn/shared/ssm-secret';
import { monotonicFactory } from 'ulid';
import * as z from 'zod';
import type { JobsContext } from '../domain/job-commands.ts';
import { DynamoJobRepository } from './job-store.ts';
import { DynamoLinkViews } from './link-views.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  JOBS_TABLE: requiredString(),
  COUNTERS_TABLE: requiredString(),
  TRACK_LOOKUPS_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(60),
  /** Set locally, where every brand shares one site origin; in AWS each brand's own domain is used. */
  PUBLIC_BASE_URL: z.url().optional(),
  BOOKINGS_PER_PHONE_PER_DAY: z.coerce.number().int().positive().default(3),
  BOOKINGS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(10),
  BOOKING_MAX_DAYS_AHEAD: z.coerce.number().int().positive().default(365),
  BOOKING_MAX_RENTAL_DAYS: z.coerce.number().int().positive().default(30),
  TRACKING_LINK_DAYS_AFTER_CLOSE: z.coerce.number().positive().default(3),
  TRACKING_LINK_SECRET_PARAMETER: requiredString(),
});

const newUlid = monotonicFactory();
/**
 * The jobs commands' dependencies, built once per function instance. A failed build (the brand catalog
 * not readable from SSM at cold start) is not kept: the next invocation tries again.
 */
export const jobsContext = /* @__PURE__ */ perInstanceAsync(buildContext);

function buildContext(): Promise<JobsContext> {
  return loadBrands().then((brands) => ({
    repository: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    brands,
    now: () => new Date(),
    newJobId: () => `qdn_${newUlid()}`,
    siteBaseUrl: (brandId: string) =>
      (config.PUBLIC_BASE_URL ?? brands.get(brandId).siteBaseUrl).replace(/\/$/, ''),
    trackingLinkSecret: () => secretParameter(config.TRACKING_LINK_SECRET_PARAMETER),
    bookingLimits: {
      perPhonePerDay: config.BOOKINGS_PER_PHONE_PER_DAY,
      perIpPerHour: config.BOOKINGS_PER_IP_PER_HOUR,
      maxDaysAhead: config.BOOKING_MAX_DAYS_AHEAD,
      maxRentalDays: config.BOOKING_MAX_RENTAL_DAYS,
    },
    trackingLinkDaysAfterClose: config.TRACKING_LINK_DAYS_AFTER_CLOSE,
    limits: new RateLimiter(dynamoDocumentClient(), config.COUNTERS_TABLE),
    trackLookupsPerIpPerMinute: config.TRACK_LOOKUPS_PER_IP_PER_MINUTE,
    linkViews: new DynamoLinkViews(dynamoDocumentClient(), config.COUNTERS_TABLE),
  }));
}
