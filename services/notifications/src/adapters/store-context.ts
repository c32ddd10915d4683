import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance } from '@qdn/shared/per-instance';
import { DynamoNotificationStore } from './notification-store.ts';
import { config } from './notifications-config.ts';

// For the functions that read or record messages and never send (timelines, delivery statuses): the
// store alone, so they load no Twilio or SSM client (notifications-context.ts wires the senders).

/** The messages table, created once per function instance. */
export const messageStore = /* @__PURE__ */ perInstance(
  () =>
    new DynamoNotificationStore(dynamoDocumentClient(), config.MESSAGES_TABLE, {
      sendRecordTtlDays: config.SEND_RECORD_TTL_DAYS,
    }),
);
