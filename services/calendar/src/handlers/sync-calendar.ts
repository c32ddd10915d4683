import { busEvents, logger, queueConsumer } from '@qdn/shared';

// Placeholder consumer: receives the calendar entries and logs them; the calendar issue replaces the body.
export const handler = queueConsumer(
  {
    consumer: 'calendar',
    parse: busEvents(
      'JobCreated',
      'JobScheduleChanged',
      'JobAssignmentChanged',
      'JobDetailsChanged',
      'JobStatusChanged',
    ),
  },
  async function logJobEvent(event) {
    logger.info('Job event received', { detailType: event.detailType, eventId: event.detail.meta.eventId });
  },
);
