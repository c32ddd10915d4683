import { busEvents, logger, queueConsumer } from '@qdn/shared';

// Placeholder consumer: receives the charter job changes and logs them; the SCC bridge issue replaces the body.
export const handler = queueConsumer(
  {
    consumer: 'crew',
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
