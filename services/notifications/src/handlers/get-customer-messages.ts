import { httpHandler } from '@qdn/shared/http';
import { requireTrackingGrant } from '@qdn/shared/tracking-grant';
import { messageStore } from '../adapters/store-context.ts';
import { JobIdParams } from '../domain/route-input.ts';
import { customerThread } from '../domain/timeline.ts';

/**
 * GET /track/jobs/{jobId}/messages (public, `Authorization: Bearer <tracking grant>`): the customer's own
 * messages with us. Another job's grant, an expired or a forged one → the same 401.
 */
export const handler = httpHandler(
  { params: JobIdParams },
  async function getCustomerMessages({ params, headers }) {
    await requireTrackingGrant(headers, params.jobId);
    const { entries, deliveries } = await messageStore().timeline(params.jobId);
    return {
      body: { messages: customerThread(entries, deliveries) },
      headers: { 'cache-control': 'no-store' },
    };
  },
);
