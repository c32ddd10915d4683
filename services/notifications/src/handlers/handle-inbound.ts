import { queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { inbound } from '../consumers.ts';
import { handleInbound, type InboundSms } from '../domain/inbound.ts';
import { InboundSmsMessage } from '../domain/inbound-schema.ts';

/** Queue `inbound`: an SMS the webhook accepted — keywords, linking to the job, relay to the team. */
export const handler = queueConsumer(
  { consumer: inbound.name, parse: (body) => InboundSmsMessage.parse(body) as InboundSms },
  async function handleInboundSms(sms, { context }) {
    const deps = await notificationsContext();
    await handleInbound({ ...deps, sendLeaseMs: context.getRemainingTimeInMillis() }, sms);
  },
);
