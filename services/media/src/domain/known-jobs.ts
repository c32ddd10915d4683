import type { JobOnBus } from '@qdn/shared/events';
import type { JobDirectory } from './ports.ts';

/**
 * The job events the media service learns jobs from (every one carries the job as it is now); the
 * assignment and schedule say which driver may see the job's photos on which day.
 */
export const JOB_EVENTS = [
  'JobCreated',
  'JobStatusChanged',
  'JobAssignmentChanged',
  'JobScheduleChanged',
] as const;

/** A dispatcher rotating a job's tracking link: the only event that names the new link without a job snapshot. */
export const TRACKING_LINK_EVENTS = ['TrackingLinkIssued'] as const;

/**
 * Records what the media service needs of a job: that it exists, its brand (for PhotoAdded), its
 * status, crew and day(s). Out-of-order deliveries are normal; the directory keeps the highest version.
 */
export async function learnJob(jobs: JobDirectory, job: JobOnBus): Promise<'recorded' | 'stale'> {
  const recorded = await jobs.record({
    jobId: job.jobId,
    brandId: job.brandId,
    version: job.version,
    status: job.status,
    crewIds: job.crewIds,
    date: job.schedule.date,
    ...(job.schedule.endDate ? { endDate: job.schedule.endDate } : {}),
  });
  // The link has its own version: a later rotation may already be recorded.
  if (job.trackingLinkId) {
    await jobs.recordTrackingLink({ jobId: job.jobId, linkId: job.trackingLinkId, version: job.version });
  }
  return recorded ? 'recorded' : 'stale';
}

/**
 * Records the job's current tracking link, so a customer's grant from a rotated link is refused here as it
 * is by the notifications service (the grant names its link; rotations end earlier grants).
 */
export async function learnTrackingLink(
  jobs: JobDirectory,
  link: { jobId: string; linkId: string; version: number },
): Promise<'recorded' | 'stale'> {
  return (await jobs.recordTrackingLink(link)) ? 'recorded' : 'stale';
}
