import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import { ConflictError } from '@qdn/shared/errors';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import {
  byStoredAtDescending,
  customerFullSizeKey,
  customerView,
  type PhotoLocation,
  thumbnailKey,
  VIEW_URL_SECONDS,
} from './photo.ts';
import { signPendingUpload } from './photo-commands.ts';
import type { UploadRequest } from './photo-input.ts';
import type { MediaContext } from './ports.ts';

// Photos with the quote (issue 19): a customer attaches photos of the load on the booking form, before
// any job exists. They go to a draft: an opaque id (128 random bits) the page holds; the service keeps
// the photos under a job id derived from its hash (`draft_…`), so neither the bucket's keys nor the
// tables nor the logs hold the id itself. Once the booking is stored, the draft's photos are linked to
// its job. The uploads pass the same checks as every photo (photo-checks.ts: size, type, decodable,
// EXIF read, metadata-free copy); the only thing the draft tells its holder beyond the thumbnails is
// where each photo was taken (EXIF GPS), so the form can offer it as the pickup location to confirm.

/** Photos one booking may carry (a load is shown in a few pictures). */
export const BOOKING_PHOTOS_PER_DRAFT = 10;

const DRAFT_PREFIX = 'draft_';

/** The job id a draft's photos are kept under: derived from the draft id's hash, never the id. */
export function draftJobId(draftId: string): string {
  return `${DRAFT_PREFIX}${bookingPhotoDraftRef(draftId)}`;
}

/** A draft's photos belong to no job yet: no PhotoAdded, no timeline, no gallery. */
export function isDraftJobId(jobId: string): boolean {
  return jobId.startsWith(DRAFT_PREFIX);
}

export interface BookingUploadTicket {
  draftId: string;
  photoId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

/**
 * `POST /bookings/photos/uploads`: one signed upload for the booking form, counted per source address
 * (the customer-upload limit); the first starts a draft (a new id), the next ones name it. At most
 * BOOKING_PHOTOS_PER_DRAFT live photos a draft (pending or stored; a rejected one gives its place back).
 */
export async function requestBookingUpload(
  context: MediaContext & { newDraftId: () => string },
  request: UploadRequest & { brandId: string; draftId?: string | undefined },
  client: { sourceIp: string },
): Promise<BookingUploadTicket> {
  // An unknown brand is a 404 before anything is counted or signed.
  await context.timeZoneOf(request.brandId);
  await enforceRateLimit(
    context.limits,
    { name: 'customer-upload', limit: context.customerUploadsPerIpPerHour, windowSeconds: 3600 },
    client.sourceIp,
    context.now(),
    'Too many photo uploads from this network; try again later',
  );
  const draftId = request.draftId ?? context.newDraftId();
  const jobId = draftJobId(draftId);
  // A count, not a counter: two uploads signed at the same instant may pass it together, which costs one
  // photo more at most; a draft is not a job the media service's slot counters know.
  const live = (await context.photos.listByJob(jobId)).filter((photo) => photo.state !== 'rejected');
  if (live.length >= BOOKING_PHOTOS_PER_DRAFT) {
    throw new ConflictError(`A booking can have at most ${BOOKING_PHOTOS_PER_DRAFT} photos`);
  }
  const ticket = await signPendingUpload(context, {
    jobId,
    brandId: request.brandId,
    request,
    from: 'customer',
    uploadedBy: 'customer',
  });
  return { draftId, ...ticket };
}

/**
 * `GET /bookings/photos/{draftId}`: the draft's photos as the booking form shows them — the checked ones
 * (thumbnail and the metadata-free copy, newest first, each with where it was taken when the photo says),
 * how many are still being checked, and the reasons any were refused. An unknown draft is an empty one
 * (the same answer, so a guessed id tells nothing).
 */
export async function listBookingPhotos(context: MediaContext, draftId: string) {
  const records = await context.photos.listByJob(draftJobId(draftId));
  const stored = records.filter((photo) => photo.state === 'stored').sort(byStoredAtDescending);
  const photos = await Promise.all(
    stored.map(async (photo) => {
      const [thumbnailUrl, originalUrl] = await Promise.all([
        context.storage.signView(thumbnailKey(photo), VIEW_URL_SECONDS),
        context.storage.signView(customerFullSizeKey(photo), VIEW_URL_SECONDS),
      ]);
      const urlsExpireAt = new Date(context.now().getTime() + VIEW_URL_SECONDS * 1000).toISOString();
      return {
        ...customerView(photo, { thumbnailUrl, originalUrl, urlsExpireAt }),
        ...(photo.location ? { location: photo.location } : {}),
      };
    }),
  );
  return {
    photos,
    checking: records.filter((photo) => photo.state === 'pending').length,
    refused: records
      .filter((photo) => photo.state === 'rejected')
      .map((photo) => ({
        photoId: photo.photoId,
        reason: photo.rejectionReason ?? 'not a photo we can use',
      })),
    /** The newest photo's place (EXIF GPS): what the form offers as the pickup location to confirm. */
    suggestedLocation: photos.find((photo) => photo.location)?.location as PhotoLocation | undefined,
  };
}
