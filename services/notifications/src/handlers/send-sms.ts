import { busEvents, logger, queueConsumer } from '@qdn/shared';

// Placeholder consumer: receives the job events a customer will be texted about and logs them.
// The notifications issue replaces the body with templates, Twilio and idempotency.
export const handler = queueConsumer(
  {
    consumer: 'sms',
    parse: busEvents('JobCreated', 'JobStatusChanged', 'JobScheduleChanged', 'JobArriving'),
  },
  async function logJobEvent(event) {
    logger.info('Job event received', { detailType: event.detailType, eventId: event.detail.meta.eventId });
  },
);
