import { EVENT_CATALOG } from '@qdn/shared/events';
import { publishEvents } from '@qdn/shared/publish';
import { queueConsumer } from '@qdn/shared/queue';
import * as z from 'zod';
import { publishRetry } from '../consumers.ts';

const jobEventTypes = Object.keys(EVENT_CATALOG['qdn.jobs']) as [string, ...string[]];

/** What the publisher parks on the retry queue: the events of one job write, whole and validated. */
export const ParkedEvents = z.object({
  events: z
    .array(
      z.object({ source: z.literal('qdn.jobs'), detailType: z.enum(jobEventTypes), detail: z.unknown() }),
    )
    .min(1),
});

/** publish-retry: publishes events the stream publisher could not; failures retry, then go to the DLQ. */
export const handler = queueConsumer(
  { consumer: publishRetry.name, parse: (body) => ParkedEvents.parse(body) },
  async function republish(message) {
    await publishEvents(message.events as Parameters<typeof publishEvents>[0]);
  },
);
