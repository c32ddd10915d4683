import { PermanentError } from '@qdn/shared/errors';
import type { DomainEvent } from '@qdn/shared/events';
import { isDraftJobId, moveIfClaimed } from './booking-photos.ts';
import { checkUploadedPhoto, locationFrom, takenAtFrom, unreadable } from './image-facts.ts';
import {
  customerCopyKey,
  originalKey,
  PHOTO_TYPES,
  type PhotoRecord,
  type PhotoRefusal,
  parseUploadKey,
  THUMBNAIL_PIXELS,
  thumbnailKey,
  uploadKey,
} from './photo.ts';
import type { PhotoCheckContext } from './ports.ts';

/** The stable id of a photo's PhotoAdded: the same photo announced twice is recognisably one event. */
export function photoAddedEventId(jobId: string, photoId: string): string {
  return `${jobId}:photo:${photoId}:PhotoAdded`;
}

export function photoAddedEvent(photo: PhotoRecord): DomainEvent<'PhotoAdded'> {
  return {
    source: 'qdn.media',
    detailType: 'PhotoAdded',
    detail: {
      meta: {
        eventId: photoAddedEventId(photo.jobId, photo.photoId),
        occurredAt: photo.storedAt ?? photo.requestedAt,
        brandId: photo.brandId,
        jobId: photo.jobId,
        actor: photo.uploadedBy,
        correlationId: photo.photoId,
      },
      data: {
        jobId: photo.jobId,
        photoId: photo.photoId,
        contentType: photo.contentType,
        takenAt: photo.takenAt,
        customerVisible: photo.customerVisible,
        from: photo.from,
      },
    },
  };
}

/**
 * The events one write of a photo record stands for (the photos table's stream publishes them): the
 * write that stores a photo is its PhotoAdded, once; later writes (visibility) and rejections are none.
 */
export function photoEventsOf(
  before: PhotoRecord | undefined,
  after: PhotoRecord | undefined,
): DomainEvent[] {
  // A booking draft's photo belongs to no job yet: it is announced once linked to the booking's job.
  if (after && isDraftJobId(after.jobId)) return [];
  return after?.state === 'stored' && before?.state !== 'stored' ? [photoAddedEvent(after)] : [];
}

async function reject(
  context: PhotoCheckContext,
  photo: PhotoRecord,
  key: string,
  refusal: PhotoRefusal,
): Promise<never> {
  // Recorded first: if the delete then fails, the retry finds the photo rejected and only deletes.
  const rejected = await context.photos.markRejected(
    photo.jobId,
    photo.photoId,
    refusal,
    context.now().toISOString(),
  );
  if (rejected && photo.from === 'customer') await context.jobs.releaseCustomerSlot(photo.jobId);
  await context.storage.delete(key);
  // Permanent: the queue consumer records why and acknowledges; retrying cannot make the file right.
  throw new PermanentError(`Photo ${photo.photoId} of job ${photo.jobId} rejected: ${refusal.reason}`, {
    code: 'PhotoRejected',
  });
}

/**
 * Handles one object that landed in the upload inbox (`photos/…`), idempotently per object:
 *
 * 1. Only an upload the service signed, still pending, is looked at; anything else is deleted.
 * 2. Real size and magic bytes must match the declared type, and the image must decode; otherwise the
 *    object is deleted and the photo recorded as rejected (with the reason).
 * 3. EXIF taken-at time and GPS are read, a thumbnail and the customers' copy (both without metadata)
 *    are written, the checked bytes are stored as the original in `originals/` (staff only), the photo
 *    is recorded as stored, PhotoAdded is published (from that write) and the inbox object deleted. The
 *    copy is made here, once, so the public gallery route serves stored objects and never loads the
 *    image library.
 *
 * A repeat delivery finds the photo stored and only finishes what is left (cleaning up).
 * Storage failures throw and are retried by the queue.
 */
export async function checkUpload(
  context: PhotoCheckContext,
  object: { key: string },
): Promise<PhotoRecord | undefined> {
  const { key } = object;
  const named = parseUploadKey(key);
  const photo = named ? await context.photos.get(named.jobId, named.photoId) : undefined;
  if (!named || !photo || uploadKey(photo.jobId, photo.photoId, photo.contentType) !== key) {
    await context.storage.delete(key);
    throw new PermanentError(`No upload was signed for ${key}; the object was deleted`, {
      code: 'UnknownUpload',
    });
  }
  if (photo.state === 'rejected') {
    // The same signed POST used again after a rejection: still not accepted.
    await context.storage.delete(key);
    return undefined;
  }
  if (photo.state === 'stored') {
    // A repeat delivery: the move onto a booked draft's job may be what failed the first time.
    await followClaim(context, photo);
    await context.storage.delete(key);
    return photo;
  }

  const image = await context.storage.read(key);
  if (!image) {
    throw new PermanentError(`Upload ${key} is gone before it was checked`, { code: 'UploadGone' });
  }
  const inspected = await context.images.inspect(image);
  const verdict = checkUploadedPhoto(photo.contentType, {
    bytes: image.byteLength,
    head: image.subarray(0, 16),
    decodable: inspected.decodable,
  });
  if (!verdict.accepted) return reject(context, photo, key, verdict);

  const [exif, thumbnail, customerCopy, timeZone] = await Promise.all([
    context.images.exif(image),
    context.images.thumbnail(image, THUMBNAIL_PIXELS),
    context.images.withoutMetadata(image, PHOTO_TYPES[photo.contentType].format),
    context.timeZoneOf(photo.brandId),
  ]);
  // The check decodes as these do, so this is only a file the library reads one way and not another:
  // unreadable all the same, and a retry would decode the same bytes the same way.
  if (!thumbnail || !customerCopy) return reject(context, photo, key, unreadable(photo.contentType));
  await context.storage.write(thumbnailKey(photo), thumbnail, 'image/jpeg');
  await context.storage.write(customerCopyKey(photo), customerCopy, photo.contentType);
  // The bytes that were checked, not a copy of the inbox object: the presigned POST stays usable for its
  // 5 minutes, so the inbox may hold other, unchecked bytes by now (their own event finds this stored).
  await context.storage.write(originalKey(photo), image, photo.contentType);
  const stored =
    (await context.photos.markStored(photo.jobId, photo.photoId, {
      bytes: image.byteLength,
      width: inspected.width,
      height: inspected.height,
      takenAt: takenAtFrom(exif, timeZone),
      location: locationFrom(exif),
      customerCopy: true,
      storedAt: context.now().toISOString(),
    })) ?? (await context.photos.get(photo.jobId, photo.photoId));
  // Storing it is what publishes PhotoAdded (the photos table's stream, photoEventsOf).
  if (stored) await followClaim(context, stored);
  await context.storage.delete(key);
  return stored;
}

/**
 * A booking draft's photo checked after the booking was stored (it was still being checked when the
 * booking claimed the draft) goes to the booking's job now. Read after the photo is stored, so a claim
 * made meanwhile is seen here or its consumer sees the stored photo (claimBookingPhotos).
 */
async function followClaim(context: PhotoCheckContext, photo: PhotoRecord): Promise<void> {
  if (isDraftJobId(photo.jobId)) await moveIfClaimed(context, photo);
}
