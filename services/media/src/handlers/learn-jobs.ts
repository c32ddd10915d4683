import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { mediaContext } from '../adapters/media-context.ts';
import { mediaJobs } from '../consumers.ts';
import { learnJob, learnTrackingLink } from '../domain/known-jobs.ts';

/**
 * Job events and link rotations (rule → queue → here) → the media service's own table of known jobs,
 * highest version kept.
 */
export const handler = queueConsumer(
  { consumer: mediaJobs.name, parse: busEvents(...acceptedDetailTypes(mediaJobs)) },
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
