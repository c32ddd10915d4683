import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { listRequests, viewFor } from '../domain/job-commands.ts';

/** GET /requests (dispatcher, admin) → `{ jobs }`: web bookings waiting for confirmation, oldest first. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'] },
  async function listRequestsRoute({ principal }) {
    const jobs = await listRequests(await jobsContext());
    return { body: { jobs: jobs.map((job) => viewFor(principal!, job)) } };
  },
);
