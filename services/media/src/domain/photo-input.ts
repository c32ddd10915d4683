import { BOOKING_PHOTO_DRAFT_ID } from '@qdn/shared/booking-photos';
import * as z from 'zod';
import {
  isPhotoContentType,
  MAX_PHOTO_BYTES,
  MIN_PHOTO_BYTES,
  PHOTO_TYPES,
  type PhotoContentType,
} from './photo.ts';

/**
 * iPhones save HEIC by default, but sharp's prebuilt libvips cannot decode its HEVC compression (a
 * patent-encumbered codec the prebuilt binaries leave out), so a HEIC upload could never be checked or
 * thumbnailed. It is refused before anything is signed, with what to do instead.
 * @see https://sharp.pixelplumbing.com/install#prebuilt-binaries
 */
export const HEIC_REFUSAL =
  'HEIC photos cannot be processed. On the iPhone choose Settings → Camera → Formats → "Most Compatible" ' +
  '(or share the photo as JPEG) and upload it again.';
const HEIC_TYPES = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

/** A photo's declared type: one we can check and thumbnail (HEIC refused with what to do instead). */
export const PhotoContentTypeInput = z
  .string()
  .max(100)
  .transform(function allowedPhotoType(value, context): PhotoContentType {
    const type = value.trim().toLowerCase();
    if (isPhotoContentType(type)) return type;
    context.addIssue({
      code: 'custom',
      message: HEIC_TYPES.has(type) ? HEIC_REFUSAL : `must be one of ${Object.keys(PHOTO_TYPES).join(', ')}`,
    });
    return z.NEVER;
  });

/**
 * `POST …/photos/uploads` body. Strict: a file name (or anything else) is refused, since keys are the
 * server's to choose.
 */
export const UploadRequest = z
  .object({
    contentType: PhotoContentTypeInput,
    size: z
      .number()
      .int()
      .min(MIN_PHOTO_BYTES, 'must be at least 1 byte')
      .max(MAX_PHOTO_BYTES, `must be at most 10 MB (${MAX_PHOTO_BYTES} bytes)`),
  })
  .strict();
export type UploadRequest = z.infer<typeof UploadRequest>;

/** Job ids as the jobs service makes them (`qdn_<ULID>`), and nothing a path could be built from. */
export const JobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a job id');
export const PhotoId = z.uuid('must be a photo id');

export const JobPath = z.object({ jobId: JobId });
export const PhotoPath = z.object({ jobId: JobId, photoId: PhotoId });

export const PhotoUpdate = z.object({ customerVisible: z.boolean() }).strict();
export type PhotoUpdate = z.infer<typeof PhotoUpdate>;

/** A booking form's photo draft: the 128-bit random id the first upload returned (22 base64url characters). */
export const DraftId = z.string().regex(BOOKING_PHOTO_DRAFT_ID, 'must be a photo draft id');
export const DraftPath = z.object({ draftId: DraftId });

/** `POST /bookings/photos/uploads` body: a photo for the booking form of `brandId`, in a draft or a new one. */
export const BookingUploadRequest = z
  .object({
    brandId: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'unknown brand id'),
    draftId: DraftId.optional(),
    contentType: PhotoContentTypeInput,
    size: UploadRequest.shape.size,
  })
  .strict();
export type BookingUploadRequest = z.infer<typeof BookingUploadRequest>;
