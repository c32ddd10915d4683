import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { createJob } from '../domain/job-commands.ts';
import { CreateJobInput } from '../domain/job-input.ts';

/** POST /jobs (dispatcher, admin) → 201 `{ job, trackingUrl }`. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], body: CreateJobInput },
  async function createJobRoute({ body, principal }) {
    return { statusCode: 201, body: await createJob(await jobsContext(), body, principal!) };
  },
);
