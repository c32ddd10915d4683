import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { mediaContext } from '../adapters/media-context.ts';
import { requestUpload } from '../domain/photo-commands.ts';
import { JobPath, UploadRequest } from '../domain/photo-input.ts';

/**
 * POST /track/jobs/{jobId}/photos/uploads (tracking grant) → 201, as the staff route: the customer's
 * (or a charter guest's) photo, at most 20 per job. A route of its own because the HTTP API's JWT
 * authorizer only knows staff tokens; this one checks the jobs service's grant instead.
 */
export const handler = httpHandler(
  { params: JobPath, body: UploadRequest },
  async function createCustomerPhotoUploadRoute({ params, body, headers }) {
    await requireTrackingGrant(headers, params.jobId);
    const ticket = await requestUpload(mediaContext(), params.jobId, body, { kind: 'customer' });
    return { statusCode: 201, body: ticket, headers: { 'cache-control': 'no-store' } };
  },
);
