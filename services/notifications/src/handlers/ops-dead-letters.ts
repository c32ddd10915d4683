import {
  discardDeadLetterRoute,
  listDeadLetterQueuesRoute,
  listDeadLettersRoute,
  redriveDeadLettersRoute,
} from '@qdn/shared';

// Dispatcher operations on this service's dead-letter queues (/ops/notifications/…, dispatcher or admin).
// The queues come from OPS_CONSUMERS (serverless.yml); everything else is the shared ops library.

/** GET /ops/notifications/dlqs */
export const listDlqs = listDeadLetterQueuesRoute();
/** GET /ops/notifications/dlqs/{consumer}/messages */
export const listMessages = listDeadLettersRoute();
/** POST /ops/notifications/dlqs/{consumer}/redrive `{ messageIds? }` */
export const redrive = redriveDeadLettersRoute();
/** POST /ops/notifications/dlqs/{consumer}/discard `{ messageId, reason }` */
export const discard = discardDeadLetterRoute();
