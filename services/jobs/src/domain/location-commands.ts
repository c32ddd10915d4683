import { NotFoundError, ValidationError } from '@qdn/shared/errors';
import { arrivalOf } from './arrival.ts';
import type { JobRecord } from './job.ts';
import { type Actor, mayAccess } from './job-commands.ts';
import type { ListLocationsQuery, LocationsInput } from './job-input.ts';
import {
  expiresAtFor,
  LOCATION_CLOCK_SKEW_MS,
  type LocationLog,
  readableFrom,
  retentionStart,
  type StoredLocationPoint,
  withinRetention,
} from './job-locations.ts';
import type { JobRepository } from './ports.ts';

/** What the telemetry commands need from outside. */
export interface LocationsContext {
  repository: JobRepository;
  locations: LocationLog;
  now: () => Date;
  /** How close to the job's address a point must be for the truck to count as arriving. */
  arrivalRadiusMeters: number;
  /** The brand's IANA time zone: a driver's "today" (loaded only when a driver calls). */
  timeZoneOf: (brandId: string) => Promise<string>;
}

/** The job, when `actor` may act on it (a driver: assigned to them, today); else the unknown-job 404. */
async function existingJob(context: LocationsContext, jobId: string, actor: Actor): Promise<JobRecord> {
  const job = await context.repository.get(jobId);
  if (!job) throw new NotFoundError('Job not found');
  const driverOnly = !actor.roles.some((role) => role !== 'driver');
  const timeZone = driverOnly ? await context.timeZoneOf(job.brandId) : 'UTC';
  if (!mayAccess(actor, job, () => timeZone, context.now())) throw new NotFoundError('Job not found');
  return job;
}

/**
 * `POST /jobs/{jobId}/locations`: stores the driver's points and, when one of them lands within the
 * arrival radius while the job is en route, records on the job that the truck is arriving (the stream
 * publisher turns that one write into JobArriving). Points older than the retention are not stored:
 * nobody could read them.
 */
export async function recordLocations(
  context: LocationsContext,
  jobId: string,
  input: LocationsInput,
  actor: Actor,
): Promise<{ accepted: number; expired: number }> {
  const now = context.now();
  const receivedAt = now.toISOString();
  const points = input.points.map((point) => ({
    ...point,
    recordedAt: new Date(point.recordedAt).toISOString(),
  }));
  const fromTheFuture = points.flatMap((point, index) =>
    Date.parse(point.recordedAt) - now.getTime() > LOCATION_CLOCK_SKEW_MS
      ? [{ field: `body.points.${index}.recordedAt`, message: 'must not be in the future' }]
      : [],
  );
  if (fromTheFuture.length > 0) throw new ValidationError('Invalid body', fromTheFuture);

  const job = await existingJob(context, jobId, actor);
  const start = retentionStart(now);
  const stored: StoredLocationPoint[] = points
    .filter((point) => point.recordedAt >= start)
    .map((point) => ({ ...point, receivedAt, recordedBy: actor.userId, expiresAt: expiresAtFor(point) }));
  if (stored.length > 0) await context.locations.record(jobId, stored);

  const arrival = arrivalOf(job, stored, context.arrivalRadiusMeters);
  // False only when another batch or a status change got there first; either way nothing more to do.
  if (arrival) await context.repository.recordArrival(jobId, arrival, { at: receivedAt, by: actor.userId });
  return { accepted: stored.length, expired: points.length - stored.length };
}

/** `GET /jobs/{jobId}/locations?since=`: newest first, never older than the retention window. */
export async function listLocations(
  context: LocationsContext,
  jobId: string,
  query: ListLocationsQuery,
  actor: Actor,
) {
  await existingJob(context, jobId, actor);
  const now = context.now();
  const points = await context.locations.list(jobId, readableFrom(query.since, now), query.limit);
  return withinRetention(points, now).map(({ expiresAt: _expiresAt, ...point }) => point);
}
