import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { listJobs, viewFor } from '../domain/job-commands.ts';
import { ListJobsQuery } from '../domain/job-input.ts';

/** GET /jobs?date=&status=&brandId= (dispatcher, admin) → `{ jobs }`, from the byDate index. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], query: ListJobsQuery },
  async function listJobsRoute({ query, principal }) {
    const jobs = await listJobs(await jobsContext(), query);
    return { body: { jobs: jobs.map((job) => viewFor(principal!, job)) } };
  },
);
