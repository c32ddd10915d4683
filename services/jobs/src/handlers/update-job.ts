import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { updateJob } from '../domain/job-commands.ts';
import { JobIdParams, UpdateJobInput } from '../domain/job-input.ts';

/** PATCH /jobs/{jobId} (dispatcher, admin): details, schedule, crew, trailer, price; `expectedVersion` → 409 when stale. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: JobIdParams, body: UpdateJobInput },
  async function updateJobRoute({ params, body, principal }) {
    return { body: { job: await updateJob(await jobsContext(), params.jobId, body, principal!) } };
  },
);
