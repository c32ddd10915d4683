import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { listRequests, staffViews } from '../domain/job-commands.ts';

/** GET /requests (dispatcher, admin) → `{ jobs }`: web bookings waiting for confirmation, oldest first. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'] },
  async function listRequestsRoute({ principal }) {
    const context = await jobsContext();
    return { body: { jobs: await staffViews(context, principal!, await listRequests(context)) } };
  },
);
