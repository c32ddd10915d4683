import { httpHandler } from '@qdn/shared/http';
import { signTrackingGrant } from '@qdn/shared/tracking-grant';
import { looksLikeTrackingToken } from '@qdn/shared/tracking-link';
import { jobsContext } from '../adapters/jobs-context.ts';
import { locationLog } from '../adapters/locations-context.ts';
import { jobForTrackingToken, TRACKING_NOT_FOUND } from '../domain/job-commands.ts';
import { TrackingTokenParams } from '../domain/job-input.ts';
import { trackingView } from '../domain/tracking-view.ts';

const notFound = {
  statusCode: 404,
  body: { error: TRACKING_NOT_FOUND },
  headers: { 'cache-control': 'no-store' },
};

/** GET /track/{token} (public): the customer's view; unknown, rotated and expired links get the same 404. */
export const handler = httpHandler(
  { params: TrackingTokenParams },
  async function getTrackingViewRoute({ params, event }) {
    const context = await jobsContext();
    // A malformed token still costs a lookup, so the answer's timing says nothing about the token.
    const job = await jobForTrackingToken(
      context,
      looksLikeTrackingToken(params.token) ? params.token : 'x'.repeat(32),
      { sourceIp: event.requestContext.http.sourceIp },
    );
    if (!job) return notFound;
    // The grant lets the page fetch this job's photos and messages from media and notifications. Only a
    // truck on its way is shown on the map, so only then is its last point worth a read.
    const [grant, lastPoint] = await Promise.all([
      signTrackingGrant(job.jobId, context.now(), job.trackingLinkId),
      job.status === 'en_route' ? locationLog().latest(job.jobId) : undefined,
    ]);
    return {
      body: {
        ...trackingView(job, context.brands.get(job.brandId), { lastPoint, now: context.now() }),
        grant,
      },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
