import { httpHandler } from '@qdn/shared/http';
import { logger } from '@qdn/shared/logging';
import { signTrackingGrant } from '@qdn/shared/tracking-grant';
import { looksLikeImportedTrackingToken } from '@qdn/shared/tracking-link';
import { jobsContext } from '../adapters/jobs-context.ts';
import { locationLog } from '../adapters/locations-context.ts';
import { mapsKey } from '../adapters/maps-key.ts';
import { jobForTrackingToken, TRACKING_NOT_FOUND } from '../domain/job-commands.ts';
import { TrackingTokenParams, TrackingViewQuery } from '../domain/job-input.ts';
import { trackingView } from '../domain/tracking-view.ts';

const notFound = {
  statusCode: 404,
  body: { error: TRACKING_NOT_FOUND },
  headers: { 'cache-control': 'no-store' },
};

/**
 * GET /track/{token} (public): the customer's view; unknown, rotated and expired links get the same 404.
 * `?open=1` (the page's first request, not its refreshes) counts an open of the link for staff.
 */
export const handler = httpHandler(
  { params: TrackingTokenParams, query: TrackingViewQuery },
  async function getTrackingViewRoute({ params, query, event }) {
    const context = await jobsContext();
    // A malformed token still costs a lookup, so the answer's timing says nothing about the token.
    const job = await jobForTrackingToken(
      context,
      // Ours are 32 characters; the first system's (imported) 16 to 128.
      looksLikeImportedTrackingToken(params.token) ? params.token : 'x'.repeat(32),
      { sourceIp: event.requestContext.http.sourceIp },
    );
    if (!job) return notFound;
    if (query.open && job.trackingLinkId) {
      // A count is for staff's curiosity: failing to keep it never costs the customer their page.
      await context.linkViews.recordOpen(job.trackingLinkId, context.now()).catch((error: unknown) => {
        logger.warn('Tracking link open not counted', { error: error as Error });
      });
    }
    // The grant lets the page fetch this job's photos and messages from media and notifications. Only a
    // truck on its way is shown on the map, so only then is its last point worth a read.
    const enRoute = job.status === 'en_route';
    const [grant, lastPoint, maps] = await Promise.all([
      signTrackingGrant(job.jobId, context.now(), job.trackingLinkId),
      enRoute ? locationLog().latest(job.jobId) : undefined,
      enRoute ? mapsKey() : undefined,
    ]);
    return {
      body: {
        ...trackingView(job, context.brands.get(job.brandId), { lastPoint, now: context.now(), maps }),
        grant,
      },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
