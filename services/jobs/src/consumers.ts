import { definePublishRetry } from '@qdn/shared/consumers';

// This service's consumer, declared once (README "Adding a consumer"): its queue, DLQ, alarm, function,
// role and ops registration come from here (scripts/osls-plugin/consumers.ts).

// Job changes the stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'publish-retry',
  events: 'job changes',
  handler: 'src/handlers/republish-job-events.handler',
});

export const consumers = [publishRetry];
