import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { pushContext } from '../adapters/push-context.ts';
import { calendarPush } from '../consumers.ts';
import { pushToInternalCalendar } from '../domain/calendar-commands.ts';

/**
 * calendar-push: sends each job version to the internal calendar once, from its own queue, so an
 * outage there only backs up this queue (then its DLQ), never the feeds, SMS or crew links.
 */
export const handler = queueConsumer(
  {
    consumer: calendarPush.name,
    parse: busEvents(...acceptedDetailTypes(calendarPush)),
  },
  async function pushEntry(event) {
    const { job } = event.detail.data;
    const outcome = await pushToInternalCalendar(await pushContext(), job, event.detail.meta.occurredAt);
    logger.info('Internal calendar push', { outcome, version: job.version, detailType: event.detailType });
  },
);
