import { loadConfig, requiredString } from '@qdn/shared/config';
import { httpHandler } from '@qdn/shared/http';
import { locationClient } from '@qdn/shared/location';
import { logger } from '@qdn/shared/logging';
import { perInstance } from '@qdn/shared/per-instance';
import { mediaContext } from '../adapters/media-context.ts';
import { AmazonLocationPlaceFinder } from '../adapters/place-finder.ts';
import { listBookingPhotos } from '../domain/booking-photos.ts';
import { DraftPath } from '../domain/photo-input.ts';
import type { PlaceFinder } from '../domain/ports.ts';

// This route alone reverse-geocodes (and alone is granted the place index): its own configuration.
const config = loadConfig({ PLACE_INDEX_NAME: requiredString() });
const finder = /* @__PURE__ */ perInstance(
  () => new AmazonLocationPlaceFinder(locationClient(), config.PLACE_INDEX_NAME),
);

/** A place index that fails costs the address only: the photo's place is still offered, in coordinates. */
const places: PlaceFinder = {
  nearest: (position) =>
    finder()
      .nearest(position)
      .catch((error: unknown) => {
        logger.warn('Reverse geocoding failed; the photo’s place is offered without an address', {
          error,
        });
        return undefined;
      }),
};

/**
 * GET /bookings/photos/{draftId} (public: the draft id is the grant) → the draft's checked photos with
 * where each was taken, how many are being checked, which were refused and why, and the newest photo's
 * place with the address it was taken near.
 */
export const handler = httpHandler({ params: DraftPath }, async function listBookingPhotosRoute({ params }) {
  return {
    body: await listBookingPhotos(mediaContext(), params.draftId, places),
    headers: { 'cache-control': 'no-store' },
  };
});
