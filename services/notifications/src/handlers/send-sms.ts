import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { countSms } from '@qdn/shared/metrics';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { meteredGateway } from '../adapters/sms-metrics.ts';
import { sms } from '../consumers.ts';
import { textCustomerAbout } from '../domain/job-event-texts.ts';

/** Queue `sms`: every job event keeps the projection current; some text the customer, once. */
export const handler = queueConsumer(
  {
    consumer: sms.name,
    parse: busEvents(...acceptedDetailTypes(sms)),
  },
  async function textCustomer(event, { context }) {
    const deps = await notificationsContext();
    const { brandId, occurredAt } = event.detail.meta;
    const outcome = await textCustomerAbout(
      {
        ...deps,
        // Texts sent and refused, and the fan-out latency, where Twilio answers (sms-metrics.ts).
        gateway: meteredGateway(deps.gateway, { occurredAt }, deps.now),
        sendLeaseMs: context.getRemainingTimeInMillis(),
      },
      event,
    );
    // A text never sent (opted out, or its event stale) never reaches the gateway: counted here.
    if (outcome?.state === 'suppressed') countSms('suppressed', brandId);
  },
);
