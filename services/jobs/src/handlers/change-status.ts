import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { changeStatus } from '../domain/job-commands.ts';
import { JobIdParams, StatusInput } from '../domain/job-input.ts';

/** POST /jobs/{jobId}/status (dispatcher, admin, driver) → `{ job }`. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobIdParams, body: StatusInput },
  async function changeStatusRoute({ params, body, principal }) {
    return { body: { job: await changeStatus(await jobsContext(), params.jobId, body, principal!) } };
  },
);
