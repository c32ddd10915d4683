import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { mediaContext } from '../adapters/media-context.ts';
import { JOB_EVENTS, learnJob } from '../domain/known-jobs.ts';

/** Job events (rule → queue → here) → the media service's own table of known jobs, highest version kept. */
export const handler = queueConsumer(
  { consumer: 'jobs', parse: busEvents(...JOB_EVENTS) },
  async function learnJobFromEvent(event) {
    const outcome = await learnJob(mediaContext().jobs, event.detail.data.job);
    if (outcome === 'stale')
      logger.info('Older job version ignored', { version: event.detail.data.job.version });
  },
);
