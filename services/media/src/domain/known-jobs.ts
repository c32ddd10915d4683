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
  return recorded ? 'recorded' : 'stale';
}
