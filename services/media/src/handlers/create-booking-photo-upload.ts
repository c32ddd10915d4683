import { randomBytes } from 'node:crypto';
import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { requestBookingUpload } from '../domain/booking-photos.ts';
import { BookingUploadRequest } from '../domain/photo-input.ts';

/**
 * POST /bookings/photos/uploads (public, the booking form) → 201 `{ draftId, photoId, upload, expiresAt }`:
 * a photo of the load before the booking exists; the first starts a draft (128 random bits).
 */
export const handler = httpHandler(
  { body: BookingUploadRequest },
  async function createBookingPhotoUploadRoute({ body, event }) {
    const context = { ...mediaContext(), newDraftId: () => randomBytes(16).toString('base64url') };
    const ticket = await requestBookingUpload(context, body, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return { statusCode: 201, body: ticket, headers: { 'cache-control': 'no-store' } };
  },
);
