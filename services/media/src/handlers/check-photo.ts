import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { logger, queueConsumer } from '@qdn/shared';

// Placeholder consumer: receives S3 "Object Created" notifications for uploaded photos and logs them;
// the media issue replaces the body with checks, EXIF, thumbnails and PhotoAdded.
export const handler = queueConsumer(
  { consumer: 'photos', parse: (body) => S3EventNotificationEventBridgeSchema.parse(body) },
  async function logUploadedPhoto(event) {
    logger.info('Photo uploaded', { key: event.detail.object.key, size: event.detail.object.size });
  },
);
