import type { JobRecord } from './job.ts';

/** How long a driver's location points are kept (the telemetry table's TTL and the read filter). */
export const LOCATION_RETENTION_DAYS = 7;
const RETENTION_MS = LOCATION_RETENTION_DAYS * 86_400_000;

/** The customer sees the truck only while this fresh: an older position would mislead more than help. */
export const CUSTOMER_LOCATION_MAX_AGE_MS = 10 * 60_000;

/** A phone's clock may run a little ahead of ours; further ahead than this is a bad point, not skew. */
export const LOCATION_CLOCK_SKEW_MS = 2 * 60_000;

/** One GPS fix from a driver's phone, `recordedAt` normalised to UTC ISO (so it sorts as text). */
export interface LocationPoint {
  lat: number;
  lng: number;
  /** Metres (the phone's horizontal accuracy). */
  accuracy?: number;
  /** Metres per second. */
  speed?: number;
  /** Degrees clockwise from north. */
  heading?: number;
  recordedAt: string;
}

/** A point as the telemetry table keeps it. */
export interface StoredLocationPoint extends LocationPoint {
  receivedAt: string;
  recordedBy: string;
  /** Epoch seconds at which DynamoDB's TTL may delete the point. */
  expiresAt: number;
}

/** Where location points live (their own table: no stream, so points never become bus events one by one). */
export interface LocationLog {
  /** Stores the points; storing the same point twice keeps one (a phone's retry is harmless). */
  record(jobId: string, points: readonly StoredLocationPoint[]): Promise<void>;
  /** Points recorded at or after `from`, newest first, at most `limit`. */
  list(jobId: string, from: string, limit: number): Promise<StoredLocationPoint[]>;
  /** The newest point, if any. */
  latest(jobId: string): Promise<StoredLocationPoint | undefined>;
}

/** The oldest `recordedAt` a read may return: TTL deletion lags by up to days, so reads cannot rely on it. */
export function retentionStart(now: Date): string {
  return new Date(now.getTime() - RETENTION_MS).toISOString();
}

/** Where a `GET /jobs/{jobId}/locations?since=` read starts: `since`, but never before the retention window. */
export function readableFrom(since: string | undefined, now: Date): string {
  const start = now.getTime() - RETENTION_MS;
  return new Date(since === undefined ? start : Math.max(Date.parse(since), start)).toISOString();
}

/** Points still within the 7-day retention (what a read returns even when TTL has not deleted the rest yet). */
export function withinRetention<Point extends { recordedAt: string }>(
  points: readonly Point[],
  now: Date,
): Point[] {
  const start = retentionStart(now);
  return points.filter((point) => point.recordedAt >= start);
}

/** When DynamoDB may delete a point: 7 days after it was recorded, matching the read filter. */
export function expiresAtFor(point: { recordedAt: string }): number {
  return Math.ceil((Date.parse(point.recordedAt) + RETENTION_MS) / 1000);
}

/**
 * The last location the customer's tracking page may show: only while the truck is on its way, and
 * only if it is under 10 minutes old (a stale dot on the map would promise a truck that isn't there).
 */
export function lastLocationForCustomer(
  job: Pick<JobRecord, 'status'>,
  point: LocationPoint | undefined,
  now: Date,
): { lat: number; lng: number; heading?: number; recordedAt: string } | undefined {
  if (job.status !== 'en_route' || !point) return undefined;
  const age = now.getTime() - Date.parse(point.recordedAt);
  if (age >= CUSTOMER_LOCATION_MAX_AGE_MS || age < -LOCATION_CLOCK_SKEW_MS) return undefined;
  return {
    lat: point.lat,
    lng: point.lng,
    ...(point.heading === undefined ? {} : { heading: point.heading }),
    recordedAt: point.recordedAt,
  };
}
