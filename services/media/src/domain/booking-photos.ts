import { bookingPhotoDraftRef, type RefusalCode } from '@qdn/shared/booking-photos';
import { ConflictError, PermanentError } from '@qdn/shared/errors';
import type { JobOnBus } from '@qdn/shared/events';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import {
  byStoredAtDescending,
  customerCopyKey,
  customerFullSizeKey,
  customerView,
  originalKey,
  type PhotoLocation,
  type PhotoRecord,
  thumbnailKey,
  VIEW_URL_SECONDS,
} from './photo.ts';
import { signPendingUpload } from './photo-commands.ts';
import type { UploadRequest } from './photo-input.ts';
import type { MediaContext, PlaceFinder, PlaceLabels } from './ports.ts';

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

/** The draft's hash (what the booking's job carries as `photoDraftRef`) from the job id its photos are under. */
export function draftRefOf(draftJobIdValue: string): string {
  return draftJobIdValue.slice(DRAFT_PREFIX.length);
}

/**
 * How long a draft's checked photos are kept (their records' TTL, and the bucket's lifecycle on the
 * draft's objects, `…/draft_` prefixes): a customer fills the form in one sitting, and the draft id lives
 * only in that page, so a draft not booked within a day or two never will be. Two days keeps a form left
 * open overnight bookable, and someone's photos of their home no longer than that when they don't book.
 * A booked draft's photos are copied onto the job first, so expiring the draft loses nothing.
 */
export const DRAFT_PHOTO_DAYS = 2;

/**
 * How long a claim is kept: past the longest a draft's upload can wait to be checked (the inbox's 15
 * days, DLQ included), so a photo checked late still finds the job it belongs to.
 */
export const DRAFT_CLAIM_DAYS = 30;

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

/** The place index, and what it answered for each photo before (PlaceLabels). */
export interface PlaceLookup {
  finder: PlaceFinder;
  labels: PlaceLabels;
}

/**
 * `GET /bookings/photos/{draftId}`: the draft's photos as the booking form shows them — the checked ones
 * (thumbnail and the metadata-free copy, newest first, each with where it was taken when the photo says),
 * how many are still being checked, and the reasons any were refused. An unknown draft is an empty one
 * (the same answer, so a guessed id tells nothing). The form polls it while photos are checked: counted
 * per source address (a public route, and each answer signs URLs and may ask the place index).
 */
export async function listBookingPhotos(
  context: MediaContext,
  draftId: string,
  client: { sourceIp: string },
  places?: PlaceLookup,
) {
  await enforceRateLimit(
    context.limits,
    { name: 'draft-lookup', limit: context.draftLookupsPerIpPerMinute, windowSeconds: 60 },
    client.sourceIp,
    context.now(),
    'Too many requests for these photos from this network; try again shortly',
  );
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
  const newest = stored.find((photo) => photo.location);
  const newestPlace = newest?.location;
  const label =
    newest && newestPlace && places
      ? await addressNearPhoto(places, newest.photoId, newestPlace, context.now())
      : undefined;
  return {
    photos,
    checking: records.filter((photo) => photo.state === 'pending').length,
    refused: records
      .filter((photo) => photo.state === 'rejected')
      .map((photo) => ({
        photoId: photo.photoId,
        // The code is what the page words for the customer; the checks' reason is kept for staff.
        code: photo.rejectionCode ?? ('Unknown' as RefusalCode),
        reason: photo.rejectionReason ?? 'not a photo we can use',
      })),
    /**
     * The newest photo's place (EXIF GPS): what the form offers as the pickup location to confirm, with
     * the address it was taken near when there is one (`label`).
     */
    suggestedLocation: newestPlace ? { ...newestPlace, ...(label ? { label } : {}) } : undefined,
  };
}

/**
 * How near an address must be to name a photo's place ("taken near 100 Park Blvd"): about a building
 * or two away, within a phone's GPS error; farther, the address would send the truck to the wrong door.
 */
export const NEAR_ADDRESS_METERS = 150;

/** The address a photo was taken near, when the place index has one within NEAR_ADDRESS_METERS. */
export async function addressNear(places: PlaceFinder, location: PhotoLocation): Promise<string | undefined> {
  const near = await places.nearest(location);
  return near && near.distanceMeters <= NEAR_ADDRESS_METERS ? near.label : undefined;
}

/**
 * addressNear, asked once per photo: the place index is billed per request and the form polls the
 * draft every 1.5 s, so its answer (an address, or none near enough) is remembered for the draft's life.
 * A place index that fails costs the address only, and is asked again at the next poll.
 */
async function addressNearPhoto(
  places: PlaceLookup,
  photoId: string,
  location: PhotoLocation,
  now: Date,
): Promise<string | undefined> {
  const known = await places.labels.get(photoId);
  if (known) return known.label;
  let label: string | undefined;
  try {
    label = await addressNear(places.finder, location);
  } catch {
    return undefined;
  }
  const until = new Date(now.getTime() + DRAFT_PHOTO_DAYS * 86_400_000);
  await places.labels.remember(photoId, label === undefined ? {} : { label }, until);
  return label;
}

/**
 * Copies one checked draft photo onto the job that claimed the draft, as the customer's visible photo:
 * its objects to the job's keys (original, thumbnail, metadata-free copy), then its record, conditional on
 * the job not having it yet — the write that publishes PhotoAdded (photoEventsOf), exactly as a customer
 * upload's would. The draft's photo is marked moved in the same transaction, so a repeat (a redelivered
 * JobCreated, an archive replay, the checks racing the claim) does nothing: once, and a photo staff
 * deleted from the job stays deleted. Objects first: a failure leaves no record pointing at
 * missing objects, and the retry copies again.
 */
export async function moveDraftPhoto(
  context: MediaContext,
  photo: PhotoRecord,
  job: { jobId: string; brandId: string },
): Promise<boolean> {
  // Moved once: a draft's photo already on a job is never copied again, even once deleted there.
  if (photo.state !== 'stored' || !isDraftJobId(photo.jobId) || photo.movedTo) return false;
  const moved: PhotoRecord = {
    jobId: job.jobId,
    photoId: photo.photoId,
    brandId: job.brandId,
    state: 'stored',
    contentType: photo.contentType,
    declaredBytes: photo.declaredBytes,
    from: 'customer',
    uploadedBy: 'customer',
    requestedAt: photo.requestedAt,
    customerVisible: true,
    ...(photo.bytes === undefined ? {} : { bytes: photo.bytes }),
    ...(photo.width === undefined ? {} : { width: photo.width }),
    ...(photo.height === undefined ? {} : { height: photo.height }),
    ...(photo.takenAt ? { takenAt: photo.takenAt } : {}),
    ...(photo.location ? { location: photo.location } : {}),
    customerCopy: photo.customerCopy === true,
    // When it reached the job (its PhotoAdded's time), not when the draft checked it: after JobCreated.
    storedAt: context.now().toISOString(),
    draftRef: draftRefOf(photo.jobId),
  };
  await context.storage.copy(originalKey(photo), originalKey(moved), photo.contentType);
  await context.storage.copy(thumbnailKey(photo), thumbnailKey(moved), 'image/jpeg');
  if (photo.customerCopy) {
    await context.storage.copy(customerCopyKey(photo), customerCopyKey(moved), photo.contentType);
  }
  return context.photos.addStored(moved, photo);
}

export type ClaimOutcome =
  | { outcome: 'moved'; moved: number; alreadyOnJob: number; checking: number; refused: number }
  | { outcome: 'no-draft' };

/**
 * A booking stored with a photo draft (JobCreated carrying `photoDraftRef`): the draft is claimed for the
 * job — one job a draft, for good — and its checked photos are copied onto the job. Photos still being
 * checked follow when their check finishes (`moveIfClaimed`); refused photos never move. Idempotent: a
 * redelivery re-claims for the same job and finds the photos already there.
 *
 * The claim is written before the draft is read, and the checks store a photo before they read the
 * claim, so a photo checked while the booking is claimed is moved by one or the other (or both: once).
 */
export async function claimBookingPhotos(
  context: MediaContext,
  job: Pick<JobOnBus, 'jobId' | 'brandId' | 'photoDraftRef'>,
): Promise<ClaimOutcome> {
  const draftRef = job.photoDraftRef;
  if (!draftRef) return { outcome: 'no-draft' };
  const claim = await context.drafts.claim({
    draftRef,
    jobId: job.jobId,
    brandId: job.brandId,
    claimedAt: context.now().toISOString(),
  });
  if (claim.jobId !== job.jobId) {
    // Permanent: recorded for the ops review and acknowledged; the draft's photos stay with the first job.
    throw new PermanentError(
      `Job ${job.jobId} names a photo draft job ${claim.jobId} already has; its photos stay there`,
      { code: 'PhotoDraftClaimed' },
    );
  }
  const photos = await context.photos.listByJob(`${DRAFT_PREFIX}${draftRef}`);
  let moved = 0;
  let alreadyOnJob = 0;
  for (const photo of photos.filter((candidate) => candidate.state === 'stored')) {
    if (await moveDraftPhoto(context, photo, job)) moved++;
    else alreadyOnJob++;
  }
  return {
    outcome: 'moved',
    moved,
    alreadyOnJob,
    checking: photos.filter((photo) => photo.state === 'pending').length,
    refused: photos.filter((photo) => photo.state === 'rejected').length,
  };
}

/**
 * After the checks store a draft's photo: if a booking has claimed the draft meanwhile, the photo goes
 * to its job as the others did. Unclaimed, it waits in the draft (and expires with it).
 */
export async function moveIfClaimed(
  context: MediaContext,
  photo: PhotoRecord,
): Promise<'moved' | 'already-on-job' | 'unclaimed'> {
  const claim = await context.drafts.get(draftRefOf(photo.jobId));
  if (!claim) return 'unclaimed';
  return (await moveDraftPhoto(context, photo, claim)) ? 'moved' : 'already-on-job';
}
