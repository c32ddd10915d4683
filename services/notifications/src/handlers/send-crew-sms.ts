import { queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { crewSms } from '../consumers.ts';
import { parseCrewMessage, textCrewMember } from '../domain/crew-sms.ts';

/** Queue `crew-sms` (subscribed to scc-bridge's crew-notifications topic): one SMS per crew message. */
export const handler = queueConsumer(
  { consumer: crewSms.name, parse: parseCrewMessage },
  async function textCrew(message, { context }) {
    const deps = await notificationsContext();
    await textCrewMember({ ...deps, sendLeaseMs: context.getRemainingTimeInMillis() }, message);
  },
);
