import { parseBusEvent } from '@qdn/shared/events';
import { logger } from '@qdn/shared/logging';
import { queueConsumer } from '@qdn/shared/queue';
import { messageStore } from '../adapters/store-context.ts';
import { timeline } from '../consumers.ts';
import { timelineEntryFor, trackingLinkOf } from '../domain/timeline.ts';

/**
 * Queue `timeline`: every qdn.* event about a job becomes one timeline entry (stored once by event id);
 * a rotated tracking link is kept too, for the customer's routes. The link a job event's snapshot names
 * is kept by the sms consumer's projection of the job (observeJob), which writes for every job event
 * anyway: a write here too would cost one more per event for a link that rarely changes.
 */
export const handler = queueConsumer(
  { consumer: timeline.name, parse: parseBusEvent },
  async function recordTimelineEntry(event) {
    const link = event.detailType === 'TrackingLinkIssued' ? trackingLinkOf(event) : undefined;
    if (link) await messageStore().recordTrackingLink(link);
    const entry = timelineEntryFor(event);
    if (!entry) {
      logger.debug('Event is about no job; nothing for a timeline', { detailType: event.detailType });
      return;
    }
    await messageStore().addTimelineEntry(entry);
  },
);
