import { httpHandler } from '@qdn/shared/http';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { textCustomerAsDispatcher } from '../domain/dispatcher-messages.ts';
import { DispatcherMessageInput, JobIdParams } from '../domain/route-input.ts';

/**
 * POST /jobs/{jobId}/messages (dispatcher, admin) `{ body }` → 202 `{ messageSid, status }`: Twilio has
 * the text; delivery follows. `Idempotency-Key` makes a retried request send nothing twice.
 */
export const handler = httpHandler(
  {
    roles: ['dispatcher', 'admin'],
    params: JobIdParams,
    body: DispatcherMessageInput,
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
