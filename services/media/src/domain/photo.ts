import type { RefusalCode } from '@qdn/shared/booking-photos';

/**
 * A job photo: what a crew member or the customer uploaded, what the checks found, and who may see it.
 * Pure: no AWS here; the adapters store these records and the objects they name.
 */

/** The image types the media service accepts, the extension its keys get, and the file format they must be. */
export const PHOTO_TYPES = {
  'image/jpeg': { extension: 'jpg', format: 'jpeg' },
  'image/png': { extension: 'png', format: 'png' },
  'image/webp': { extension: 'webp', format: 'webp' },
} as const;
export type PhotoContentType = keyof typeof PHOTO_TYPES;
export type ImageFormat = (typeof PHOTO_TYPES)[PhotoContentType]['format'];

export function isPhotoContentType(value: string): value is PhotoContentType {
  return Object.hasOwn(PHOTO_TYPES, value);
}

/** 1 byte – 10 MiB, the presigned POST's `content-length-range` and the consumer's own check. */
export const MIN_PHOTO_BYTES = 1;
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** How many photos the customer (or a charter guest with the tracking link) may add to one job. */
export const CUSTOMER_PHOTOS_PER_JOB = 20;
/** A presigned POST is used at once by the phone that asked for it; minutes are plenty. */
export const UPLOAD_URL_SECONDS = 5 * 60;
/**
 * How long after its POST expired a customer's unused ticket still holds its slot: an upload S3 accepted
 * just before the expiry can take a while to arrive over a phone's connection. After that the slot is
 * given back (the ticket is recorded as rejected, so a very late upload is deleted, never shown).
 */
export const UNUSED_TICKET_GRACE_SECONDS = 10 * 60;
/** Presigned GETs are made per gallery load; the page asks again when they run out. */
export const VIEW_URL_SECONDS = 10 * 60;
/** The longer side of a thumbnail, in pixels. */
export const THUMBNAIL_PIXELS = 400;

export type PhotoSource = 'staff' | 'customer';

/** Why a photo was refused: the code the pages word for the customer, the checks' reason for staff. */
export interface PhotoRefusal {
  code: RefusalCode;
  reason: string;
}
export type PhotoState = 'pending' | 'stored' | 'rejected';

/** Who asked for an upload: a signed-in staff user (dispatcher, admin, driver) or the job's customer. */
export type Uploader = { kind: 'staff'; userId: string } | { kind: 'customer' };

export interface PhotoLocation {
  lat: number;
  lng: number;
}

/**
 * One photo as the media service keeps it. `pending` from the moment an upload is signed until the
 * uploaded object is checked; then `stored` (original, thumbnail and EXIF facts known) or `rejected`.
 */
export interface PhotoRecord {
  jobId: string;
  photoId: string;
  brandId: string;
  state: PhotoState;
  contentType: PhotoContentType;
  /** The size the uploader declared when asking for the upload. */
  declaredBytes: number;
  from: PhotoSource;
  /** The staff user's id, or `customer`. */
  uploadedBy: string;
  requestedAt: string;
  customerVisible: boolean;
  bytes?: number;
  width?: number;
  height?: number;
  /** When the picture was taken, from its EXIF, with the offset it was taken at. */
  takenAt?: string;
  location?: PhotoLocation;
  /** Whether `customerCopyKey` holds the picture without metadata (photos stored before it had none). */
  customerCopy?: boolean;
  storedAt?: string;
  rejectedAt?: string;
  rejectionReason?: string;
  rejectionCode?: RefusalCode;
  /**
   * A photo the customer attached to the booking form: the draft it came from, by its hash (grants
   * nothing). It used none of the job's customer slots (the draft had its own limit).
   */
  draftRef?: string;
  /**
   * A draft's photo once copied onto the booking's job: that job. Written with the copy, in one
   * transaction, so the draft's photo goes to a job once: a photo staff then delete from the job is not
   * brought back by the booking's JobCreated again (a redelivery, an archive replay).
   */
  movedTo?: string;
}

/** What the consumer learned about a photo that passed its checks. */
export interface StoredPhotoFacts {
  bytes: number;
  width: number | undefined;
  height: number | undefined;
  takenAt: string | undefined;
  location: PhotoLocation | undefined;
  /** The metadata-free copy for customers was written. */
  customerCopy: boolean;
  storedAt: string;
}

export function uploaderId(uploader: Uploader): string {
  return uploader.kind === 'staff' ? uploader.userId : 'customer';
}

// Keys are chosen here, never from anything the uploader sends. Uploads land in `photos/` (the bucket's
// inbox, which the Object Created rule watches); accepted photos move to `originals/` beside their
// `thumbnails/`, so whatever is still in the inbox after the lifecycle's days was never accepted.
export const UPLOAD_PREFIX = 'photos/';
const UPLOAD_KEY =
  /^photos\/([A-Za-z0-9_-]{1,64})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z]{3,4})$/;

export function uploadKey(jobId: string, photoId: string, contentType: PhotoContentType): string {
  return `${UPLOAD_PREFIX}${jobId}/${photoId}.${PHOTO_TYPES[contentType].extension}`;
}

export function originalKey(photo: Pick<PhotoRecord, 'jobId' | 'photoId' | 'contentType'>): string {
  return `originals/${photo.jobId}/${photo.photoId}.${PHOTO_TYPES[photo.contentType].extension}`;
}

export function thumbnailKey(photo: Pick<PhotoRecord, 'jobId' | 'photoId'>): string {
  return `thumbnails/${photo.jobId}/${photo.photoId}.jpg`;
}

/**
 * The full-size picture customers are served: re-encoded without EXIF (GPS, camera make and model), so
 * the crew's position never leaves staff views. Staff keep `originalKey`, byte for byte.
 */
export function customerCopyKey(photo: Pick<PhotoRecord, 'jobId' | 'photoId' | 'contentType'>): string {
  return `customer/${photo.jobId}/${photo.photoId}.${PHOTO_TYPES[photo.contentType].extension}`;
}

/**
 * What a customer's "full size" link opens: the metadata-free copy, or for a photo stored before copies
 * were made, its thumbnail (which never had metadata) rather than the original.
 */
export function customerFullSizeKey(
  photo: Pick<PhotoRecord, 'jobId' | 'photoId' | 'contentType' | 'customerCopy'>,
): string {
  return photo.customerCopy ? customerCopyKey(photo) : thumbnailKey(photo);
}

/** The job and photo an uploaded object's key names, or undefined for a key no upload was signed for. */
export function parseUploadKey(
  key: string,
): { jobId: string; photoId: string; extension: string } | undefined {
  const match = UPLOAD_KEY.exec(key);
  if (!match) return undefined;
  return { jobId: match[1]!, photoId: match[2]!, extension: match[3]! };
}

export interface ViewUrls {
  thumbnailUrl: string;
  originalUrl: string;
  urlsExpireAt: string;
}

/** The dashboard's view: everything, including who uploaded it and where it was taken. */
export function staffView(photo: PhotoRecord, urls: ViewUrls) {
  return {
    photoId: photo.photoId,
    jobId: photo.jobId,
    from: photo.from,
    uploadedBy: photo.uploadedBy,
    contentType: photo.contentType,
    bytes: photo.bytes,
    width: photo.width,
    height: photo.height,
    takenAt: photo.takenAt,
    location: photo.location,
    customerVisible: photo.customerVisible,
    storedAt: photo.storedAt,
    ...urls,
  };
}

/** The customer's view: the picture and when it was taken; not who on the crew took it, nor where. */
export function customerView(photo: PhotoRecord, urls: ViewUrls) {
  return {
    photoId: photo.photoId,
    from: photo.from,
    contentType: photo.contentType,
    takenAt: photo.takenAt,
    storedAt: photo.storedAt,
    ...urls,
  };
}

/** Newest first by when they were stored (photo ids are random). */
export function byStoredAtDescending(a: PhotoRecord, b: PhotoRecord): number {
  return (b.storedAt ?? '').localeCompare(a.storedAt ?? '');
}
