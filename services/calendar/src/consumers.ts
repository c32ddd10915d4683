import { defineConsumer } from '@qdn/shared/consumers';

// This service's consumers, each declared once (README "Adding a consumer"): their rules, queues, DLQs,
// alarms, functions, roles and ops registration come from here (scripts/osls-plugin/consumers.ts), and
// the handlers accept exactly the detail-types declared.

const JOB_CHANGES_ON_A_CALENDAR = [
  'JobCreated',
  'JobScheduleChanged',
  'JobAssignmentChanged',
  'JobDetailsChanged',
  'JobStatusChanged',
] as const;

export const calendar = defineConsumer({
  name: 'calendar',
  purpose: 'Put the job in the dispatch, brand, crew and trailer calendars',
  whenDeadLettered: 'Calendar entries are out of date',
  handler: 'src/handlers/sync-calendar.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: JOB_CHANGES_ON_A_CALENDAR,
      description: 'Job changes that move calendar entries.',
    },
  },
  environment: 'entriesEnvironment',
  grants: ['brands', 'readCalendar', 'putCalendar', 'leaveCalendar'],
});

// The internal calendar gets its own rule, queue and DLQ: while it is down only this queue backs up;
// the feeds keep moving.
export const calendarPush = defineConsumer({
  name: 'calendar-push',
  purpose: 'Send the job to the internal calendar',
  whenDeadLettered: 'Job changes did not reach the internal calendar',
  handler: 'src/handlers/push-internal-calendar.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: JOB_CHANGES_ON_A_CALENDAR,
      description: 'Job changes pushed to the internal calendar.',
    },
  },
  environment: 'pushEnvironment',
  grants: ['brands', 'dashboardToken', 'readCalendar', 'updatePushLedger'],
});

// The roster's activity changes (scc-bridge): a deactivated crew member's calendar feed closes.
export const crewStatus = defineConsumer({
  name: 'crew-status',
  purpose: "Close or reopen a crew member's calendar feed when the roster deactivates or reactivates them",
  whenDeadLettered: "A deactivated crew member's calendar feed may still be open",
  handler: 'src/handlers/record-crew-status.handler',
  from: {
    bus: {
      source: 'qdn.scc-bridge',
      detailTypes: ['CrewMemberStatusChanged'],
      description: 'Roster activity changes that open or close crew calendar feeds.',
    },
  },
  environment: 'entriesEnvironment',
  grants: ['updateCrewStatus'],
});

export const consumers = [calendar, calendarPush, crewStatus];
