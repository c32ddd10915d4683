import { defineConsumer, definePublishRetry } from '@qdn/shared/consumers';
import { JOB_EVENTS, TRACKING_LINK_EVENTS } from './domain/known-jobs.ts';

// This service's consumers, each declared once (README "Adding a consumer"): their rules, queues, DLQs,
// alarms, functions, roles and ops registration come from here (scripts/osls-plugin/consumers.ts), and
// the handlers accept exactly the detail-types declared.

export const photos = defineConsumer({
  name: 'photos',
  purpose:
    "Check an uploaded photo, read its EXIF, make its thumbnail and its customers' copy without metadata",
  whenDeadLettered: 'Uploaded photos were not processed',
  handler: 'src/handlers/check-photo.handler',
  from: {
    rule: {
      // S3 sends Object Created to the account's default bus, not to ours.
      eventBusName: 'default',
      pattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        // The bucket by reference: its name carries the account and region (serverless.common.yml).
        detail: { bucket: { name: [{ Ref: 'MediaBucket' }] }, object: { key: [{ prefix: 'photos/' }] } },
      },
      description: 'Photos uploaded to the media bucket (S3 sends Object Created to the default bus).',
    },
  },
  // One upload an invocation: a photo that takes long to decode times out alone, not with nine others
  // that are then retried (and dead-lettered) with it. Its queue's visibility is 6× the timeout
  // (photosVisibilityTimeout in serverless.common.yml, set on the queue in serverless.yml).
  batchSize: 1,
  memorySize: 1536,
  timeout: 30,
  environment: 'mediaEnvironment',
  // A booking draft's photo checked after the booking claimed it goes on to the job (readDraftClaim…).
  grants: [
    'brands',
    'readPhoto',
    'updatePhoto',
    'updateKnownJob',
    'readInbox',
    'storeAccepted',
    'readDraftClaim',
    'createPhoto',
    'copyDraftPhotos',
  ],
});

// Job events → the jobs this service knows (uploads are signed only for those).
export const mediaJobs = defineConsumer({
  name: 'media-jobs',
  purpose: 'Learn the job, so photo uploads can be signed for it',
  whenDeadLettered: 'Job events the media service could not record',
  handler: 'src/handlers/learn-jobs.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: [...JOB_EVENTS, ...TRACKING_LINK_EVENTS],
      description:
        'Jobs the media service signs uploads for (created, every status move), and their current tracking link.',
    },
  },
  environment: 'mediaEnvironment',
  grants: ['updateKnownJob'],
});

// A web booking stored with the booking form's photos (JobCreated naming a photo draft) → the draft's
// checked photos become the job's (photos still being checked follow from the photos consumer).
export const bookingPhotos = defineConsumer({
  name: 'booking-photos',
  purpose: "Put the photos the customer attached to the booking form on the booking's job",
  whenDeadLettered: 'Photos attached to a web booking did not reach its job',
  handler: 'src/handlers/claim-booking-photos.handler',
  from: {
    bus: {
      source: 'qdn.jobs',
      detailTypes: ['JobCreated'],
      detail: { data: { job: { photoDraftRef: [{ exists: true }] } } },
      description: 'Web bookings that name the photo draft their form uploaded to.',
    },
  },
  environment: 'mediaEnvironment',
  // createPhoto and updatePhoto: the job's photo and the draft's photo marked moved, in one transaction.
  grants: ['claimDraft', 'listPhotos', 'createPhoto', 'updatePhoto', 'copyDraftPhotos', 'storeAccepted'],
});

// Added photos the table's stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'media-publish-retry',
  events: 'added photos',
  handler: 'src/handlers/republish-photo-events.handler',
});

export const consumers = [photos, mediaJobs, bookingPhotos, publishRetry];
