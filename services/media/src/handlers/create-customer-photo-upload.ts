import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { mediaContext } from '../adapters/media-context.ts';
import { requestCustomerUpload } from '../domain/photo-commands.ts';
import { JobPath, UploadRequest } from '../domain/photo-input.ts';

/**
 * POST /track/jobs/{jobId}/photos/uploads (tracking grant) → 201, as the staff route: the customer's
 * (or a charter guest's) photo, at most 20 per job (unused tickets give their slot back once expired),
 * and a per-address hourly limit. A route of its own because the HTTP API's JWT
 * authorizer only knows staff tokens; this one checks the jobs service's grant instead.
 */
export const handler = httpHandler(
  { params: JobPath, body: UploadRequest },
  async function createCustomerPhotoUploadRoute({ params, body, headers, event }) {
    const context = mediaContext();
    // A grant from a link since rotated is refused like a forged one.
    await requireTrackingGrant(
      headers,
      params.jobId,
      async () => (await context.jobs.get(params.jobId))?.trackingLinkId,
    );
    const ticket = await requestCustomerUpload(context, params.jobId, body, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return { statusCode: 201, body: ticket, headers: { 'cache-control': 'no-store' } };
  },
);
