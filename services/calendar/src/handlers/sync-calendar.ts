import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { syncContext } from '../adapters/calendar-context.ts';
import { calendar } from '../consumers.ts';
import { syncCalendarEntry } from '../domain/calendar-commands.ts';

/**
 * calendar: job changes move the job's calendar entry in the dispatch, brand, crew and trailer
 * calendars. Out-of-order and repeated events change nothing (the entry keeps the highest version).
 */
export const handler = queueConsumer(
  {
    consumer: calendar.name,
    parse: busEvents(...acceptedDetailTypes(calendar)),
  },
  async function syncEntry(event) {
    const { job } = event.detail.data;
    const outcome = await syncCalendarEntry(await syncContext(), job, event.detail.meta.occurredAt);
    logger.info('Calendar entry synced', { outcome, version: job.version, detailType: event.detailType });
  },
);
