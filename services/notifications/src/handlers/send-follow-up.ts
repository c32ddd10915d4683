import { queueConsumer } from '@qdn/shared/queue';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { followUps } from '../consumers.ts';
import { FollowUp, sendFollowUp } from '../domain/follow-ups.ts';

/**
 * Queue `follow-ups`: a reminder, review request, held dispatcher text or a complete/cancelled text held
 * for the undo window, delivered by its schedule when due; sent once, or recorded why not.
 */
export const handler = queueConsumer(
  { consumer: followUps.name, parse: (body) => FollowUp.parse(body) },
  async function sendDueFollowUp(followUp, { context }) {
    const deps = await notificationsContext();
    await sendFollowUp({ ...deps, sendLeaseMs: context.getRemainingTimeInMillis() }, followUp);
  },
);
