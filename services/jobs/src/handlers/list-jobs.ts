import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { etagOf, matchesEtag } from '../domain/etag.ts';
import { listJobs, staffViews } from '../domain/job-commands.ts';
import { ListJobsQuery } from '../domain/job-input.ts';

/**
 * GET /jobs?date=&status=&brandId= → `{ jobs }`, from the byDate index. Dispatchers and admins see the
 * day; a driver sees only the jobs whose crew holds their crew id, and only today's (another date: an
 * empty list). With an ETag: `If-None-Match` of an unchanged answer is a 304 with no body (the console
 * polls this).
 */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], query: ListJobsQuery },
  async function listJobsRoute({ query, principal, headers }) {
    const context = await jobsContext();
    const body = { jobs: await staffViews(context, principal!, await listJobs(context, query, principal!)) };
    const etag = etagOf(body);
    const caching = { etag, 'cache-control': 'private, no-cache' };
    if (matchesEtag(headers['if-none-match'], etag)) return { statusCode: 304, headers: caching };
    return { body, headers: caching };
  },
);
