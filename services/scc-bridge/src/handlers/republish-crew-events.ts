import { republisher } from '@qdn/shared/outbox';
import { publishRetry } from '../consumers.ts';

/** scc-bridge-publish-retry: publishes ticks the stream publisher could not; failures retry, then the DLQ. */
export const handler = republisher({ consumer: publishRetry.name, source: 'qdn.scc-bridge' });
