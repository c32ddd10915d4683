import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { mediaContext } from '../adapters/media-context.ts';
import { JOB_EVENTS, learnJob, learnTrackingLink, TRACKING_LINK_EVENTS } from '../domain/known-jobs.ts';

/**
 * Job events and link rotations (rule → queue → here) → the media service's own table of known jobs,
 * highest version kept.
 */
export const handler = queueConsumer(
  { consumer: 'jobs', parse: busEvents(...JOB_EVENTS, ...TRACKING_LINK_EVENTS) },
  async function learnJobFromEvent(event) {
    const { jobs } = mediaContext();
    const { meta, data } = event.detail;
    const outcome =
      'job' in data
        ? await learnJob(jobs, data.job)
        : await learnTrackingLink(jobs, {
            jobId: data.jobId,
            linkId: data.linkId,
            version: meta.version ?? 0,
          });
    if (outcome === 'stale') logger.info('Older job version ignored', { version: meta.version });
  },
);
