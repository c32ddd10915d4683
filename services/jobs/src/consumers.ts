import { defineConsumer, definePublishRetry } from '@qdn/shared/consumers';

// This service's consumers, each declared once (README "Adding a consumer"): its queue, DLQ, alarm, function,
// role and ops registration come from here (scripts/osls-plugin/consumers.ts).

// Job changes the stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'publish-retry',
  events: 'job changes',
  handler: 'src/handlers/republish-job-events.handler',
});

// Its own events: a job whose address has no coordinates (a web booking, an address a dispatcher
// retyped) is geocoded after it is stored, so a slow or failing place index never holds up a booking.
export const geocode = defineConsumer({
  name: 'geocode',
  purpose: "Find the coordinates of a job's address, so the customer is texted when the truck is arriving",
  whenDeadLettered: 'Jobs are without coordinates: no "arriving now" text for them',
  handler: 'src/handlers/geocode-address.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: ['JobCreated', 'JobDetailsChanged'],
      // Only jobs whose address has no coordinates: a dispatcher's coordinates, or the geocoder's own
      // write (a JobDetailsChanged with them), never reach the place index; nor does a text it could
      // not place already (every later change of the job would ask again), until the text changes.
      detail: { data: { job: { address: { lat: [{ exists: false }], notFound: [{ exists: false }] } } } },
      description: 'New jobs and detail changes whose address has no coordinates, to geocode.',
    },
  },
  environment: 'geocodeEnvironment',
  grants: ['searchPlaceIndex', 'recordGeocode'],
});

// A dispatcher cancelled a job paid by card: its payment goes back (Stripe refund, once per job).
export const refunds = defineConsumer({
  name: 'refunds',
  purpose: 'Refund the card payment of a cancelled job',
  whenDeadLettered: 'Cancelled jobs paid by card are not being refunded',
  handler: 'src/handlers/refund-cancelled-payment.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: ['JobStatusChanged'],
      detail: { data: { status: ['cancelled'], job: { paymentMethod: ['card'], paymentStatus: ['paid'] } } },
      description: 'Cancellations of jobs paid by card.',
    },
  },
  environment: 'refundsEnvironment',
  grants: ['stripeSecretKey', 'readJob', 'putJob', 'refundLedger'],
});

export const consumers = [publishRetry, geocode, refunds];
