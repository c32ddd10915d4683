import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { bridgeContext } from '../adapters/bridge-context.ts';
import { crew } from '../consumers.ts';
import { syncCharterCrew } from '../domain/charter-sync.ts';

/**
 * Consumer of the `crew` queue (rule qdn-<stage>-crew: charter jobs only): brings SCC and the crew's
 * links and texts up to date with each new version of a charter job.
 */
export const handler = queueConsumer(
  {
    consumer: crew.name,
    parse: busEvents(...acceptedDetailTypes(crew)),
  },
  async function syncCharterJob(event) {
    await syncCharterCrew(await bridgeContext(), { job: event.detail.data.job, meta: event.detail.meta });
  },
);
