import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { mediaContext } from '../adapters/media-context.ts';
import { listCustomerPhotos } from '../domain/photo-commands.ts';
import { JobPath } from '../domain/photo-input.ts';

/** GET /track/jobs/{jobId}/photos (tracking grant) → `{ photos }`: this job's customer-visible photos only. */
export const handler = httpHandler(
  { params: JobPath },
  async function listCustomerPhotosRoute({ params, headers }) {
    const context = mediaContext();
    // A grant from a link since rotated is refused like a forged one.
    await requireTrackingGrant(
      headers,
      params.jobId,
      async () => (await context.jobs.get(params.jobId))?.trackingLinkId,
    );
    return {
      body: { photos: await listCustomerPhotos(context, params.jobId) },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
