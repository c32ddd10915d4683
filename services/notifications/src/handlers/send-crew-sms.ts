import { countSms } from '@qdn/shared/metrics';
import { queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { meteredGateway } from '../adapters/sms-metrics.ts';
import { crewSms } from '../consumers.ts';
import { parseCrewMessage, textCrewMember } from '../domain/crew-sms.ts';

/** Queue `crew-sms` (subscribed to scc-bridge's crew-notifications topic): one SMS per crew message. */
export const handler = queueConsumer(
  { consumer: crewSms.name, parse: parseCrewMessage },
  async function textCrew(message, { context }) {
    const deps = await notificationsContext();
    const outcome = await textCrewMember(
      {
        ...deps,
        // Crew texts count as the customers' do (sms-metrics.ts), latency from the job event's occurredAt.
        gateway: meteredGateway(deps.gateway, message, deps.now),
        sendLeaseMs: context.getRemainingTimeInMillis(),
      },
      message,
    );
    if (outcome.state === 'suppressed') countSms('suppressed', message.brandId);
  },
);
