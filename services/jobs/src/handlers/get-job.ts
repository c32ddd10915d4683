import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { getJob, staffViews, trackingLinkViews } from '../domain/job-commands.ts';
import { JobIdParams } from '../domain/job-input.ts';

/**
 * GET /jobs/{jobId} (dispatcher, admin, driver; private fields for admins only), with how often the
 * customer opened the current tracking link (`trackingLinkViews`, absent until the first open).
 */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams },
  async function getJobRoute({ params, principal }) {
    const context = await jobsContext();
    const record = await getJob(context, params.jobId, principal!);
    const [[job], views] = await Promise.all([
      staffViews(context, principal!, [record]),
      trackingLinkViews(context, record),
    ]);
    return { body: { job, ...(views ? { trackingLinkViews: views } : {}) } };
  },
);
