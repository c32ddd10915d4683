import { parseBusEvent } from '@qdn/shared/events';
import { logger } from '@qdn/shared/logging';
import { queueConsumer } from '@qdn/shared/queue';
import { messageStore } from '../adapters/store-context.ts';
import { timeline } from '../consumers.ts';
import { timelineEntryFor, trackingLinkOf } from '../domain/timeline.ts';

/**
 * Queue `timeline`: every qdn.* event about a job becomes one timeline entry (stored once by event id);
 * the job's current tracking link is kept too, for the customer's routes.
 */
export const handler = queueConsumer(
  { consumer: timeline.name, parse: parseBusEvent },
  async function recordTimelineEntry(event) {
    const link = trackingLinkOf(event);
    if (link) await messageStore().recordTrackingLink(link);
    const entry = timelineEntryFor(event);
    if (!entry) {
      logger.debug('Event is about no job; nothing for a timeline', { detailType: event.detailType });
      return;
    }
    await messageStore().addTimelineEntry(entry);
  },
);
