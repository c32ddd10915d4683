import { httpHandler } from '@qdn/shared/http';
import { z } from 'zod';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { textCustomerAsDispatcher } from '../domain/dispatcher-messages.ts';

/**
 * POST /jobs/{jobId}/messages (dispatcher, admin) `{ body }` → 202 `{ messageSid, status }`: Twilio has
 * the text; delivery follows. `Idempotency-Key` makes a retried request send nothing twice.
 */
export const handler = httpHandler(
  {
    roles: ['dispatcher', 'admin'],
    params: z.object({ jobId: z.string().min(1).max(64) }),
    body: z.object({ body: z.string().trim().min(1).max(640) }),
  },
  async function sendDispatcherMessage({ params, body, principal, headers, context }) {
    const sent = await textCustomerAsDispatcher(await notificationsContext(), {
      jobId: params.jobId,
      text: body.body,
      requestId: (headers['idempotency-key'] ?? context.awsRequestId).slice(0, 64),
      dispatcherId: principal!.userId,
    });
    return { statusCode: 202, body: sent };
  },
);
