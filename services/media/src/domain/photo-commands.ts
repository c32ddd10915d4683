import { ConflictError, NotFoundError } from '@qdn/shared/errors';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import { isDriverOnly, type StaffCaller, staffMayAccess } from '@qdn/shared/roles';
import { zonedDate } from '@qdn/shared/zoned-time';
import {
  byStoredAtDescending,
  CUSTOMER_PHOTOS_PER_JOB,
  customerCopyKey,
  customerFullSizeKey,
  customerView,
  MAX_PHOTO_BYTES,
  originalKey,
  type PhotoRecord,
  type PhotoRefusal,
  staffView,
  thumbnailKey,
  UNUSED_TICKET_GRACE_SECONDS,
  UPLOAD_URL_SECONDS,
  type Uploader,
  uploaderId,
  uploadKey,
  VIEW_URL_SECONDS,
  type ViewUrls,
} from './photo.ts';
import type { UploadRequest } from './photo-input.ts';
import type { MediaContext, SignedUpload } from './ports.ts';

/** Unknown jobs and photos all get this answer. */
export const JOB_NOT_FOUND = 'Job not found (a job created a moment ago can take a few seconds to appear)';
export const PHOTO_NOT_FOUND = 'Photo not found';

/**
 * The job as staff routes see it: any known job for dispatchers and admins, for a driver only a job
 * assigned to them on its day(s). Anything else is the unknown job's 404.
 */
export async function jobForStaff(context: MediaContext, jobId: string, staff: StaffCaller | undefined) {
  const job = await context.jobs.get(jobId);
  if (!job) throw new NotFoundError(JOB_NOT_FOUND);
  if (isDriverOnly(staff)) {
    const today = zonedDate(context.now(), await context.timeZoneOf(job.brandId));
    if (!staffMayAccess(staff, job, today)) throw new NotFoundError(JOB_NOT_FOUND);
  }
  return job;
}

export interface UploadTicket {
  photoId: string;
  upload: SignedUpload;
  expiresAt: string;
}

/**
 * Signs one upload for a job the service knows: a new photo id, a key made from it alone, the declared
 * type and the size limit in the POST policy. The photo is recorded as pending first, so the consumer can
 * tell a signed upload from anything else that lands in the bucket. Customers get at most
 * CUSTOMER_PHOTOS_PER_JOB slots per job.
 */
export async function requestUpload(
  context: MediaContext,
  jobId: string,
  request: UploadRequest,
  uploader: Uploader,
  /** The staff caller (a driver uploads only to their own job of the day); absent for customers. */
  staff?: StaffCaller,
): Promise<UploadTicket> {
  const job = await jobForStaff(context, jobId, staff);
  if (uploader.kind === 'customer' && !(await takeCustomerSlot(context, jobId))) {
    throw new ConflictError(`A job can have at most ${CUSTOMER_PHOTOS_PER_JOB} photos from the customer`);
  }
  return signPendingUpload(context, {
    jobId,
    brandId: job.brandId,
    request,
    from: uploader.kind,
    uploadedBy: uploaderId(uploader),
  });
}

/**
 * Records a pending photo (a new id, its key made from it alone) and signs its upload: the declared type
 * and the size limit in the POST policy. Every upload, a job's or a booking draft's, starts here.
 */
export async function signPendingUpload(
  context: MediaContext,
  pending: Pick<PhotoRecord, 'jobId' | 'brandId' | 'from' | 'uploadedBy'> & { request: UploadRequest },
): Promise<UploadTicket> {
  const { jobId, request } = pending;
  const now = context.now();
  const photo: PhotoRecord = {
    jobId,
    photoId: context.newPhotoId(),
    brandId: pending.brandId,
    state: 'pending',
    contentType: request.contentType,
    declaredBytes: request.size,
    from: pending.from,
    uploadedBy: pending.uploadedBy,
    requestedAt: now.toISOString(),
    // Default visible; dispatchers hide what the customer shouldn't see. A customer's own photos are shown
    // back to them (and to dispatchers at once, through PhotoAdded).
    customerVisible: true,
  };
  await context.photos.createPending(photo);
  const upload = await context.storage.signUpload({
    key: uploadKey(jobId, photo.photoId, request.contentType),
    contentType: request.contentType,
    maxBytes: MAX_PHOTO_BYTES,
    expiresSeconds: UPLOAD_URL_SECONDS,
  });
  return {
    photoId: photo.photoId,
    upload,
    expiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
  };
}

/**
 * One of the job's customer slots. Slots are taken when a ticket is signed; a full job first gives back
 * the slots of tickets never used (expired, past the grace), so unused tickets can't lock it for good.
 */
const EXPIRED_UNUSED: PhotoRefusal = { code: 'TicketExpired', reason: 'upload ticket expired unused' };

async function takeCustomerSlot(context: MediaContext, jobId: string): Promise<boolean> {
  if (await context.jobs.takeCustomerSlot(jobId, CUSTOMER_PHOTOS_PER_JOB)) return true;
  const cutoff = context.now().getTime() - (UPLOAD_URL_SECONDS + UNUSED_TICKET_GRACE_SECONDS) * 1000;
  const unused = (await context.photos.listByJob(jobId)).filter(
    (photo) =>
      photo.from === 'customer' && photo.state === 'pending' && Date.parse(photo.requestedAt) < cutoff,
  );
  let freed = 0;
  for (const photo of unused) {
    // Conditional on still pending: an upload checked meanwhile keeps its slot.
    const at = context.now().toISOString();
    if (await context.photos.markRejected(jobId, photo.photoId, EXPIRED_UNUSED, at)) {
      await context.jobs.releaseCustomerSlot(jobId);
      freed++;
    }
  }
  return freed > 0 && context.jobs.takeCustomerSlot(jobId, CUSTOMER_PHOTOS_PER_JOB);
}

/**
 * `POST /track/jobs/{jobId}/photos/uploads` after the grant check: counted per source address first
 * (429 with Retry-After past the hourly limit), then a ticket like the crew's, within the job's slots.
 */
export async function requestCustomerUpload(
  context: MediaContext,
  jobId: string,
  request: UploadRequest,
  client: { sourceIp: string },
): Promise<UploadTicket> {
  await enforceRateLimit(
    context.limits,
    { name: 'customer-upload', limit: context.customerUploadsPerIpPerHour, windowSeconds: 3600 },
    client.sourceIp,
    context.now(),
    'Too many photo uploads from this network; try again later',
  );
  return requestUpload(context, jobId, request, { kind: 'customer' });
}

/** Presigned GETs for the thumbnail and a full-size object: the original for staff, the customers' copy otherwise. */
async function viewUrls(context: MediaContext, photo: PhotoRecord, fullSizeKey: string): Promise<ViewUrls> {
  const [thumbnailUrl, originalUrl] = await Promise.all([
    context.storage.signView(thumbnailKey(photo), VIEW_URL_SECONDS),
    context.storage.signView(fullSizeKey, VIEW_URL_SECONDS),
  ]);
  return {
    thumbnailUrl,
    originalUrl,
    urlsExpireAt: new Date(context.now().getTime() + VIEW_URL_SECONDS * 1000).toISOString(),
  };
}

async function storedPhotos(context: MediaContext, jobId: string): Promise<PhotoRecord[]> {
  return (await context.photos.listByJob(jobId))
    .filter((photo) => photo.state === 'stored')
    .sort(byStoredAtDescending);
}

/** The dashboard's gallery: every stored photo of the job, newest first, with presigned GETs. */
export async function listStaffPhotos(context: MediaContext, jobId: string, staff: StaffCaller) {
  await jobForStaff(context, jobId, staff);
  const photos = await storedPhotos(context, jobId);
  return Promise.all(
    photos.map(async (photo) => staffView(photo, await viewUrls(context, photo, originalKey(photo)))),
  );
}

/**
 * The customer's gallery: only this job's photos marked customer-visible, and never an original (its EXIF
 * holds where the crew stood and with which phone): the full-size link is the copy without metadata.
 */
export async function listCustomerPhotos(context: MediaContext, jobId: string) {
  const photos = (await storedPhotos(context, jobId)).filter((photo) => photo.customerVisible);
  return Promise.all(
    photos.map(async (photo) =>
      customerView(photo, await viewUrls(context, photo, customerFullSizeKey(photo))),
    ),
  );
}

export async function setCustomerVisible(
  context: MediaContext,
  jobId: string,
  photoId: string,
  customerVisible: boolean,
) {
  const photo = await context.photos.setCustomerVisible(jobId, photoId, customerVisible);
  if (!photo) throw new NotFoundError(PHOTO_NOT_FOUND);
  return staffView(photo, await viewUrls(context, photo, originalKey(photo)));
}

/** Removes the record and its objects; a customer's photo gives its slot back. */
export async function deletePhoto(context: MediaContext, jobId: string, photoId: string): Promise<void> {
  const photo = await context.photos.get(jobId, photoId);
  if (photo?.state !== 'stored') throw new NotFoundError(PHOTO_NOT_FOUND);
  // Objects first: a failure leaves the record, so the delete can simply be repeated.
  await context.storage.delete(originalKey(photo), thumbnailKey(photo), customerCopyKey(photo));
  const deleted = await context.photos.delete(jobId, photoId);
  // A photo that came with the booking took none of the job's slots (its draft had its own limit).
  if (deleted?.from === 'customer' && !deleted.draftRef) await context.jobs.releaseCustomerSlot(jobId);
}
