import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { messageStore } from '../adapters/store-context.ts';
import { JobIdParams } from '../domain/route-input.ts';
import { customerThread } from '../domain/timeline.ts';

/**
 * GET /track/jobs/{jobId}/messages (public, `Authorization: Bearer <tracking grant>`): the customer's own
 * messages with us. Another job's grant, an expired, a forged one or one from a rotated link → the same 401.
 */
export const handler = httpHandler(
  { params: JobIdParams },
  async function getCustomerMessages({ params, headers }) {
    const store = messageStore();
    // A grant from a link since rotated is refused like a forged one.
    await requireTrackingGrant(headers, params.jobId, () => store.currentTrackingLink(params.jobId));
    const { entries, deliveries } = await store.timeline(params.jobId);
    return {
      body: { messages: customerThread(entries, deliveries) },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
