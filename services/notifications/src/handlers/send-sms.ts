import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { sms } from '../consumers.ts';
import { textCustomerAbout } from '../domain/job-sms.ts';

/** Queue `sms`: every job event keeps the projection current; some text the customer, once. */
export const handler = queueConsumer(
  {
    consumer: sms.name,
    parse: busEvents(...acceptedDetailTypes(sms)),
  },
  async function textCustomer(event, { context }) {
    const deps = await notificationsContext();
    await textCustomerAbout({ ...deps, sendLeaseMs: context.getRemainingTimeInMillis() }, event);
  },
);
