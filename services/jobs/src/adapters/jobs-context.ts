import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import type { JobsContext } from '../domain/job-commands.ts';
import { DynamoJobRepository } from './job-store.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  JOBS_TABLE: requiredString(),
  /** Set locally, where every brand shares one site origin; in AWS each brand's own domain is used. */
  PUBLIC_BASE_URL: z.url().optional(),
  BOOKINGS_PER_PHONE_PER_DAY: z.coerce.number().int().positive().default(3),
  BOOKINGS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(10),
  TRACKING_LINK_DAYS_AFTER_CLOSE: z.coerce.number().positive().default(3),
});

const newUlid = monotonicFactory();
let context: Promise<JobsContext> | undefined;

/** The jobs commands' dependencies, built once per function instance. */
export function jobsContext(): Promise<JobsContext> {
  context ??= loadBrands().then((brands) => ({
    repository: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    brands,
    now: () => new Date(),
    newJobId: () => `qdn_${newUlid()}`,
    siteBaseUrl: (brandId: string) =>
      (config.PUBLIC_BASE_URL ?? brands.get(brandId).siteBaseUrl).replace(/\/$/, ''),
    bookingLimits: {
      perPhonePerDay: config.BOOKINGS_PER_PHONE_PER_DAY,
      perIpPerHour: config.BOOKINGS_PER_IP_PER_HOUR,
    },
    trackingLinkDaysAfterClose: config.TRACKING_LINK_DAYS_AFTER_CLOSE,
  }));
  return context;
}
