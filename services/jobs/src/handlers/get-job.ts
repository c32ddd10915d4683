import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { getJob, staffViews } from '../domain/job-commands.ts';
import { JobIdParams } from '../domain/job-input.ts';

/** GET /jobs/{jobId} (dispatcher, admin, driver; private fields for admins only). */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams },
  async function getJobRoute({ params, principal }) {
    const context = await jobsContext();
    const [job] = await staffViews(context, principal!, [await getJob(context, params.jobId, principal!)]);
    return { body: { job } };
  },
);
