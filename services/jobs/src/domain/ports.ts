import type { Arrival } from './arrival.ts';
import type { TrailerBookings } from './fleet.ts';
import type { JobRecord } from './job.ts';

/** A tracking link as stored: by the token's hash, pointing at its job (and its id, never its token). */
export interface TrackingLinkRecord {
  tokenHash: string;
  linkId: string;
  jobId: string;
  createdAt: string;
  /**
   * A token of the first system, imported by its hash: it can't be derived from the link id, so it is
   * good while `linkId` is still the job's current link (rotating the link ends it as well).
   */
  imported?: boolean;
}

/** How often a tracking link was opened (page opens, not the page's refreshes); no token, no person. */
export interface LinkViewCount {
  count: number;
  firstOpenedAt: string;
  lastOpenedAt: string;
}

/** Counts tracking-link opens, by link id (the service's counters table, which GET routes may write). */
export interface LinkViews {
  recordOpen(linkId: string, now: Date): Promise<void>;
  of(linkId: string): Promise<LinkViewCount | undefined>;
}

/** A trailer's days, claimed per job so two jobs can never hold one trailer on the same day. */
export interface TrailerClaims {
  claim: { trailerId: string; days: string[] } | undefined;
  release: { trailerId: string; days: string[] } | undefined;
}

/** The job was changed by someone else since it was read. */
export class StaleVersionError extends Error {
  override name = 'StaleVersionError';
  readonly currentVersion: number | undefined;
  constructor(currentVersion?: number) {
    super('The job was changed since you loaded it');
    this.currentVersion = currentVersion;
  }
}

/**
 * Runs a read-decide-write again when its conditional write lost to another writer (StaleVersionError),
 * deciding afresh on a new read: a background write in between (the geocoder's coordinates, a payment
 * recorded, a refund) is no conflict for a change that didn't name the version it saw. At most
 * `attempts` tries; then the StaleVersionError goes up (a 409). Callers that named a version
 * (`expectedVersion`) don't use it: for them a newer version is the answer.
 */
export async function retryOnStaleVersion<T>(attempt: () => Promise<T>, attempts = 4): Promise<T> {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StaleVersionError) || tried >= attempts) throw error;
    }
  }
}

/** The trailer is already booked that day by another job. */
export class TrailerBookedError extends Error {
  override name = 'TrailerBookedError';
  readonly trailerId: string;
  readonly day: string;
  readonly conflictingJobId: string;
  constructor(trailerId: string, day: string, conflictingJobId: string) {
    super(`Trailer ${trailerId} is already booked on ${day} by job ${conflictingJobId}`);
    this.trailerId = trailerId;
    this.day = day;
    this.conflictingJobId = conflictingJobId;
  }
}

/** Where jobs live (the DynamoDB adapter in AWS and locally; every write is conditional on the version). */
export interface JobRepository {
  /** The job, its claims and link written together; `importedLinks` are old tokens kept working (import). */
  create(
    job: JobRecord,
    link: TrackingLinkRecord,
    trailer: TrailerClaims,
    importedLinks?: readonly TrackingLinkRecord[],
  ): Promise<void>;
  get(jobId: string): Promise<JobRecord | undefined>;
  listByDate(date: string): Promise<JobRecord[]>;
  /** Web bookings still `requested`, oldest first, at most `limit`. */
  listRequested(limit: number): Promise<JobRecord[]>;
  save(
    job: JobRecord,
    expectedVersion: number,
    trailer: TrailerClaims,
    link?: { issue: TrackingLinkRecord; revokeTokenHash: string | undefined },
  ): Promise<void>;
  /**
   * Records that the truck is arriving, bumping the version, only while the job is en route and not
   * already arriving; false when that no longer holds (another point or a status change got there first).
   */
  recordArrival(jobId: string, arrival: Arrival, change: { at: string; by: string }): Promise<boolean>;
  findLink(tokenHash: string): Promise<TrackingLinkRecord | undefined>;
  /** Which job holds each of these trailers on each of these days (days nobody holds are absent). */
  trailerBookings(trailerIds: readonly string[], days: readonly string[]): Promise<TrailerBookings>;
}
