import { httpHandler, signTrackingGrant } from '@qdn/shared';
import { z } from 'zod';
import { jobsContext } from '../adapters/jobs-context.ts';
import { jobForTrackingToken, TRACKING_NOT_FOUND } from '../domain/job-commands.ts';
import { looksLikeToken } from '../domain/tracking-token.ts';
import { trackingView } from '../domain/tracking-view.ts';

const notFound = {
  statusCode: 404,
  body: { error: TRACKING_NOT_FOUND },
  headers: { 'cache-control': 'no-store' },
};

/** GET /track/{token} (public): the customer's view; unknown, rotated and expired links get the same 404. */
export const handler = httpHandler(
  { params: z.object({ token: z.string().max(64) }) },
  async function getTrackingViewRoute({ params }) {
    const context = await jobsContext();
    // A malformed token still costs a lookup, so the answer's timing says nothing about the token.
    const job = await jobForTrackingToken(
      context,
      looksLikeToken(params.token) ? params.token : 'x'.repeat(32),
    );
    if (!job) return notFound;
    // The grant lets the page fetch this job's photos and messages from media and notifications.
    const grant = await signTrackingGrant(job.jobId, context.now());
    return {
      body: { ...trackingView(job, context.brands.get(job.brandId)), grant },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
