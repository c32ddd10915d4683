import { republisher } from '@qdn/shared/outbox';
import { publishRetry } from '../consumers.ts';

/** media-publish-retry: publishes photos the stream publisher could not; failures retry, then the DLQ. */
export const handler = republisher({ consumer: publishRetry.name, source: 'qdn.media' });
