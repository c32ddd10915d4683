import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { getJob, viewFor } from '../domain/job-commands.ts';
import { JobIdParams } from '../domain/job-input.ts';

/** GET /jobs/{jobId} (dispatcher, admin, driver; private fields for admins only). */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams },
  async function getJobRoute({ params, principal }) {
    return {
      body: { job: viewFor(principal!, await getJob(await jobsContext(), params.jobId, principal!)) },
    };
  },
);
