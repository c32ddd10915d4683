import { defineConsumer } from '@qdn/shared/consumers';

// This service's consumer, declared once (README "Adding a consumer"): its queue, DLQ, alarm, function,
// role and ops registration come from here (scripts/osls-plugin/consumers.ts).

// Events the publisher could not put on the bus after its retries wait here, whole, and are published
// again: they outlive the stream's 24-hour retention and can be redriven from the DLQ. The stream's own
// failures (the publisher crashing on a record) land in the same DLQ (its on-failure destination).
export const publishRetry = defineConsumer({
  name: 'publish-retry',
  purpose: 'Publish job changes the bus refused the first time',
  whenDeadLettered: 'Job changes could not be published to the bus',
  handler: 'src/handlers/republish-job-events.handler',
  from: { sentBy: 'publisher' },
  environment: 'publishRetryEnvironment',
  grants: ['publishToBus'],
});

export const consumers = [publishRetry];
