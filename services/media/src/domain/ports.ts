import type { RateLimits } from '@qdn/shared/rate-limit';
import type { PhotoExif } from './image-facts.ts';
import type { ImageFormat, PhotoContentType, PhotoRecord, PhotoRefusal, StoredPhotoFacts } from './photo.ts';

/** A job as the media service knows it, from the job events on the bus (its own projection). */
export interface KnownJob {
  jobId: string;
  brandId: string;
  version: number;
  status: string;
  /** Who works the job and on which day(s): which driver may see its photos and add to them. */
  crewIds: string[];
  date: string;
  endDate?: string;
  /** Customer upload slots taken (signed uploads from the tracking page), at most CUSTOMER_PHOTOS_PER_JOB. */
  customerPhotos: number;
  /** The job's current tracking link (the highest version's): a grant from any other link is refused. */
  trackingLinkId?: string;
}

/** The jobs the media service has heard of. */
export interface JobDirectory {
  get(jobId: string): Promise<KnownJob | undefined>;
  /** Keeps the highest version seen; false when `job` is older than what is recorded (nothing changes). */
  record(job: Omit<KnownJob, 'customerPhotos' | 'trackingLinkId'>): Promise<boolean>;
  /**
   * Keeps the job's tracking link if `version` is newer than the link recorded (a rotation carries no job
   * snapshot, so the link has a version of its own); false when it is older.
   */
  recordTrackingLink(link: { jobId: string; linkId: string; version: number }): Promise<boolean>;
  /** Takes one customer upload slot; false when the job already has `limit`. */
  takeCustomerSlot(jobId: string, limit: number): Promise<boolean>;
  /** Gives a slot back (the customer's photo was rejected or deleted). */
  releaseCustomerSlot(jobId: string): Promise<void>;
}

/** Where photo records live. Every state change is conditional on the state it leaves. */
export interface PhotoRepository {
  createPending(photo: PhotoRecord): Promise<void>;
  get(jobId: string, photoId: string): Promise<PhotoRecord | undefined>;
  listByJob(jobId: string): Promise<PhotoRecord[]>;
  /**
   * A booking draft's stored photo recorded on a job as stored, and the draft's photo marked moved to it
   * (`movedTo`), both or neither; false when the draft's photo was moved already (an earlier delivery,
   * even if staff have deleted the job's copy since) or the job already has it. Its write publishes
   * PhotoAdded, once.
   */
  addStored(photo: PhotoRecord, fromDraft: { jobId: string; photoId: string }): Promise<boolean>;
  /** pending → stored; undefined when the photo is no longer pending (another delivery got there first). */
  markStored(jobId: string, photoId: string, facts: StoredPhotoFacts): Promise<PhotoRecord | undefined>;
  /** pending → rejected; false when it was no longer pending. */
  markRejected(jobId: string, photoId: string, refusal: PhotoRefusal, at: string): Promise<boolean>;
  /** Only stored photos; undefined when there is none. */
  setCustomerVisible(jobId: string, photoId: string, visible: boolean): Promise<PhotoRecord | undefined>;
  /** Removes the record; returns it, or undefined when there was none. */
  delete(jobId: string, photoId: string): Promise<PhotoRecord | undefined>;
}

/** Which job a booking's photo draft went to (drafts are known by their hash, `draftRef`). */
export interface DraftClaim {
  draftRef: string;
  jobId: string;
  /** The job's brand: the photos become that brand's. */
  brandId: string;
  claimedAt: string;
}

/** Where drafts' claims live: one job a draft, for good. */
export interface DraftClaims {
  /** Records `claim` unless the draft is already claimed; returns the claim that holds (this or the earlier). */
  claim(claim: DraftClaim): Promise<DraftClaim>;
  get(draftRef: string): Promise<DraftClaim | undefined>;
}

/** A browser upload: POST `fields` and then the file as `file` to `url`. */
export interface SignedUpload {
  url: string;
  fields: Record<string, string>;
}

/** The media bucket. */
export interface PhotoStorage {
  /** A presigned POST for exactly `key`, `contentType` and 1 B – `maxBytes`, valid `expiresSeconds`. */
  signUpload(input: {
    key: string;
    contentType: PhotoContentType;
    maxBytes: number;
    expiresSeconds: number;
  }): Promise<SignedUpload>;
  /** A presigned GET. */
  signView(key: string, expiresSeconds: number): Promise<string>;
  /** The object's bytes, or undefined when there is no such object. */
  read(key: string): Promise<Uint8Array | undefined>;
  write(key: string, body: Uint8Array, contentType: string): Promise<void>;
  copy(fromKey: string, toKey: string, contentType: string): Promise<void>;
  /** Deleting what is not there is not an error. */
  delete(...keys: string[]): Promise<void>;
}

/** The image library: decoding, EXIF and thumbnails. */
export interface ImageTools {
  /** Whether the bytes decode as an image, with its size in pixels. */
  inspect(image: Uint8Array): Promise<{ decodable: boolean; width?: number; height?: number }>;
  exif(image: Uint8Array): Promise<PhotoExif>;
  /** A JPEG no larger than `pixels` on its longer side, upright, without metadata; undefined if it does not decode. */
  thumbnail(image: Uint8Array, pixels: number): Promise<Uint8Array | undefined>;
  /**
   * The full picture re-encoded in `format`, upright, without any metadata (EXIF, GPS, XMP, IPTC);
   * undefined if it does not decode.
   */
  withoutMetadata(image: Uint8Array, format: ImageFormat): Promise<Uint8Array | undefined>;
}

/** What the HTTP routes need. */
export interface MediaContext {
  photos: PhotoRepository;
  jobs: JobDirectory;
  /** Booking drafts claimed by their job (the JobCreated consumer and the photo checks). */
  drafts: DraftClaims;
  storage: PhotoStorage;
  now: () => Date;
  newPhotoId: () => string;
  /** The brand's IANA time zone (a driver's "today"; EXIF times written without an offset). */
  timeZoneOf: (brandId: string) => Promise<string>;
  /** The counters behind the customer upload limit (the service's counters table). */
  limits: RateLimits;
  customerUploadsPerIpPerHour: number;
  /** Reads of a booking draft (the form polls it) one source address may make per minute. */
  draftLookupsPerIpPerMinute: number;
}

/** The address nearest a photo's place, and how far from it (metres), as the place index says. */
export interface NearbyAddress {
  label: string;
  distanceMeters: number;
}

/** Reverse geocoding: the address nearest a point (Amazon Location's SearchPlaceIndexForPosition). */
export interface PlaceFinder {
  nearest(position: { lat: number; lng: number }): Promise<NearbyAddress | undefined>;
}

/**
 * What the place index answered for each booking photo, remembered for the draft's life so it is asked
 * once per photo, not on every poll of the form: `label` absent when no address was near enough.
 */
export interface PlaceLabels {
  get(photoId: string): Promise<{ label?: string } | undefined>;
  remember(photoId: string, found: { label?: string }, until: Date): Promise<void>;
}

/** What the photo checks need besides (no bus: PhotoAdded comes from the photos table's stream). */
export interface PhotoCheckContext extends MediaContext {
  images: ImageTools;
}
