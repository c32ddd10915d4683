import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { rotateTrackingLink } from '../domain/job-commands.ts';
import { JobIdParams } from '../domain/job-input.ts';

/** POST /jobs/{jobId}/tracking-link (dispatcher, admin) → 201 `{ trackingUrl }`; the old link 404s at once. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: JobIdParams },
  async function rotateTrackingLinkRoute({ params, principal }) {
    return { statusCode: 201, body: await rotateTrackingLink(await jobsContext(), params.jobId, principal!) };
  },
);
