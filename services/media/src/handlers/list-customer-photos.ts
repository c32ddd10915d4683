import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { mediaContext } from '../adapters/media-context.ts';
import { listCustomerPhotos } from '../domain/photo-commands.ts';
import { JobPath } from '../domain/photo-input.ts';

/** GET /track/jobs/{jobId}/photos (tracking grant) → `{ photos }`: this job's customer-visible photos only. */
export const handler = httpHandler(
  { params: JobPath },
  async function listCustomerPhotosRoute({ params, headers }) {
    await requireTrackingGrant(headers, params.jobId);
    return {
      body: { photos: await listCustomerPhotos(mediaContext(), params.jobId) },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
