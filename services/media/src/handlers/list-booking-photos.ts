import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { listBookingPhotos } from '../domain/booking-photos.ts';
import { DraftPath } from '../domain/photo-input.ts';

/**
 * GET /bookings/photos/{draftId} (public: the draft id is the grant) → the draft's checked photos with
 * where each was taken, how many are being checked, which were refused and why.
 */
export const handler = httpHandler({ params: DraftPath }, async function listBookingPhotosRoute({ params }) {
  return {
    body: await listBookingPhotos(mediaContext(), params.draftId),
    headers: { 'cache-control': 'no-store' },
  };
});
