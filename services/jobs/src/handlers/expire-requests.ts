import { logger } from '@qdn/shared/logging';
import { scheduledHandler } from '@qdn/shared/scheduled';
import { jobsContext } from '../adapters/jobs-context.ts';
import { expireRequests } from '../domain/job-commands.ts';

/** Hourly (serverless.yml): web bookings nobody confirmed within their brand's days expire, untexted. */
export const handler = scheduledHandler(async function expireRequestsOnSchedule(now) {
  const result = await expireRequests(await jobsContext(), now);
  logger.info('Web booking requests expired', { expired: result.expired.length, waiting: result.waiting });
  return result;
});
