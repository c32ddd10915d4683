import { republisher } from '@qdn/shared/outbox';
import { publishRetry } from '../consumers.ts';

/** notifications-publish-retry: publishes SMS outcomes the stream publisher could not; failures retry, then the DLQ. */
export const handler = republisher({ consumer: publishRetry.name, source: 'qdn.notifications' });
