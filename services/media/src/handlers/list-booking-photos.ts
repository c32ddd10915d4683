import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { httpHandler } from '@qdn/shared/http';
import { locationClient } from '@qdn/shared/location';
import { logger } from '@qdn/shared/logging';
import { perInstance } from '@qdn/shared/per-instance';
import { mediaContext } from '../adapters/media-context.ts';
import { AmazonLocationPlaceFinder } from '../adapters/place-finder.ts';
import { DynamoPlaceLabels } from '../adapters/place-labels.ts';
import { listBookingPhotos, type PlaceLookup } from '../domain/booking-photos.ts';
import { DraftPath } from '../domain/photo-input.ts';

// This route alone reverse-geocodes (and alone is granted the place index): its own configuration.
const config = loadConfig({ PLACE_INDEX_NAME: requiredString(), COUNTERS_TABLE: requiredString() });
const places = /* @__PURE__ */ perInstance((): PlaceLookup => {
  const finder = new AmazonLocationPlaceFinder(locationClient(), config.PLACE_INDEX_NAME);
  return {
    // A failure is logged here; the domain offers the photo's place without an address and asks again.
    finder: {
      nearest: (position) =>
        finder.nearest(position).catch((error: unknown) => {
          logger.warn('Reverse geocoding failed; the photo’s place is offered without an address', {
            error,
          });
          throw error;
        }),
    },
    labels: new DynamoPlaceLabels(dynamoDocumentClient(), config.COUNTERS_TABLE),
  };
});

/**
 * GET /bookings/photos/{draftId} (public: the draft id is the grant) → the draft's checked photos with
 * where each was taken, how many are being checked, which were refused and why, and the newest photo's
 * place with the address it was taken near (asked of the place index once per photo). Counted per
 * source address.
 */
export const handler = httpHandler(
  { params: DraftPath },
  async function listBookingPhotosRoute({ params, event }) {
    return {
      body: await listBookingPhotos(
        mediaContext(),
        params.draftId,
        { sourceIp: event.requestContext.http.sourceIp },
        places(),
      ),
      headers: { 'cache-control': 'no-store' },
    };
  },
);
