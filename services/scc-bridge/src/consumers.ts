import { defineConsumer, definePublishRetry } from '@qdn/shared/consumers';

// This service's consumer, declared once (README "Adding a consumer"): its rule, queue, DLQ, alarm,
// function, role and ops registration come from here (scripts/osls-plugin/consumers.ts), and the handler
// accepts exactly the detail-types declared.

export const crew = defineConsumer({
  name: 'crew',
  purpose: 'Create or update the charter in SCC and send the crew their links',
  whenDeadLettered: 'Charter crews or SCC are out of date',
  handler: 'src/handlers/sync-charter-crew.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: [
        'JobCreated',
        'JobScheduleChanged',
        'JobAssignmentChanged',
        'JobDetailsChanged',
        'JobStatusChanged',
      ],
      detail: { data: { job: { serviceType: ['charter'] } } },
      description: 'Charter job changes for ShipCaptainCrew and crew links.',
    },
  },
  environment: 'bridgeEnvironment',
  grants: [
    'brands',
    'sccServiceKey',
    'crewLinkSecret',
    'readCrew',
    'readCrewMany',
    // A charter's items (its record, links, sync state) are read with one Query (crew-store.ts).
    'queryCrew',
    'putCrew',
    'updateCrew',
    'deleteCrewToken',
    'textCrew',
    'publishToBus',
  ],
});

// Checklist ticks the table's stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'scc-bridge-publish-retry',
  events: 'checklist ticks',
  handler: 'src/handlers/republish-crew-events.handler',
});

export const consumers = [crew, publishRetry];
