import { republisher } from '@qdn/shared/outbox';
import { publishRetry } from '../consumers.ts';

/** publish-retry: publishes job events the stream publisher could not; failures retry, then go to the DLQ. */
export const handler = republisher({ consumer: publishRetry.name, source: 'qdn.jobs' });
