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
  memorySize: 1536,
  timeout: 30,
  environment: 'mediaEnvironment',
  grants: ['brands', 'readPhoto', 'updatePhoto', 'updateKnownJob', 'readInbox', 'storeAccepted'],
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

// Added photos the table's stream publisher could not put on the bus (see definePublishRetry).
export const publishRetry = definePublishRetry({
  name: 'media-publish-retry',
  events: 'added photos',
  handler: 'src/handlers/republish-photo-events.handler',
});

export const consumers = [photos, mediaJobs, publishRetry];
