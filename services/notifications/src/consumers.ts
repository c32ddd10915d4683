import { defineConsumer, definePublishRetry } from '@qdn/shared/consumers';

// This service's consumers, each declared once (README "Adding a consumer"): their rules, queues, DLQs,
// alarms, functions, roles and ops registration come from here (scripts/osls-plugin/consumers.ts), and
// the handlers accept exactly the detail-types declared.

/**
 * What texting a customer about their job calls: the brands, Twilio's key, the tracking-link secret, the
 * messages table (permission, ledger, projection) and the follow-ups' schedules (which pass their role).
 */
const CUSTOMER_TEXTING_GRANTS = [
  'brands',
  'twilioApiKey',
  'trackingLinkSecret',
  'readMessages',
  'queryMessages',
  'putMessages',
  'updateMessages',
  'planFollowUps',
  'passFollowUpsRole',
] as const;

export const sms = defineConsumer({
  name: 'sms',
  purpose: 'Text the customer about their job',
  whenDeadLettered: 'Customer SMS could not be sent',
  handler: 'src/handlers/send-sms.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: [
        'JobCreated',
        'JobStatusChanged',
        'JobScheduleChanged',
        'JobArriving',
        'JobDetailsChanged',
        'JobAssignmentChanged',
        'JobPaymentReceived',
        'JobPaymentRefunded',
        'JobRefundFailed',
        'JobRefundPaidBack',
        'JobPaymentDisputed',
      ],
      description:
        'Job changes: some text the customer (a disputed payment, the team); all keep the notifications job projection current.',
    },
  },
  batchSize: '${param:smsBatchSize}',
  // Sized for the Twilio account's sending rate, not for the queue's depth.
  maxConcurrency: '${param:smsMaxConcurrency}',
  environment: 'notificationsEnvironment',
  grants: CUSTOMER_TEXTING_GRANTS,
});

export const followUps = defineConsumer({
  name: 'follow-ups',
  purpose: 'Send a day-before reminder or a review request when it falls due',
  whenDeadLettered: 'Reminders or review requests are not going out',
  handler: 'src/handlers/send-follow-up.handler',
  // The sms consumer plants them (one-time schedules), each for its time inside the sending hours.
  from: {
    schedules: { description: 'Reminders, review requests and texts held by quiet hours, each at its time' },
  },
  maxConcurrency: '${param:smsMaxConcurrency}',
  environment: 'notificationsEnvironment',
  grants: CUSTOMER_TEXTING_GRANTS,
});

export const timeline = defineConsumer({
  name: 'timeline',
  purpose: "Add the event to the job's timeline",
  whenDeadLettered: 'Job timelines are missing entries',
  handler: 'src/handlers/record-timeline.handler',
  from: {
    bus: {
      source: 'qdn.*',
      description: 'Everything that happens to a job, from every service, for its timeline.',
    },
  },
  environment: 'notificationsEnvironment',
  grants: ['putMessages', 'updateMessages'],
});

export const inbound = defineConsumer({
  name: 'inbound',
  purpose: 'Relay a customer reply to the team (or handle STOP, START, HELP)',
  whenDeadLettered: 'Customer replies are not being relayed',
  handler: 'src/handlers/handle-inbound.handler',
  // The Twilio webhook (receiveSms) queues each inbound SMS.
  from: { sentBy: 'receiveSms' },
  maxConcurrency: '${param:smsMaxConcurrency}',
  environment: 'notificationsEnvironment',
  grants: [
    'brands',
    'twilioApiKey',
    'readMessages',
    'queryMessages',
    'putMessages',
    'updateMessages',
    'deleteOptOut',
    'countLimits',
    'publishToBus',
  ],
});

export const crewSms = defineConsumer({
  name: 'crew-sms',
  purpose: 'Text a crew member about their charter',
  whenDeadLettered: 'Crew messages could not be sent',
  handler: 'src/handlers/send-crew-sms.handler',
  // Crew messages from scc-bridge's topic: one provider, one opt-out list, one timeline.
  from: { topic: { exportSuffix: 'CrewNotificationsTopicArn' } },
  maxConcurrency: '${param:smsMaxConcurrency}',
  environment: 'notificationsEnvironment',
  grants: ['brands', 'twilioApiKey', 'readMessages', 'queryMessages', 'putMessages', 'updateMessages'],
});

// SMS outcomes the table's stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'notifications-publish-retry',
  events: 'SMS outcomes',
  handler: 'src/handlers/republish-sms-outcomes.handler',
});

export const consumers = [sms, followUps, timeline, inbound, crewSms, publishRetry];
