import { httpHandler } from '@qdn/shared/http';
import { countSms } from '@qdn/shared/metrics';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { meteredGateway } from '../adapters/sms-metrics.ts';
import { CustomerOptedOutError, textCustomerAsDispatcher } from '../domain/dispatcher-messages.ts';
import { DispatcherMessageInput, JobIdParams } from '../domain/route-input.ts';

/**
 * POST /jobs/{jobId}/messages (dispatcher, admin) `{ body, nonUrgent? }` → 202 `{ messageSid, status }`:
 * Twilio has the text; delivery follows. A non-urgent text in quiet hours → 202 `{ heldUntil }`: it goes
 * out when the brand's sending hours open. `Idempotency-Key` makes a retried request send nothing twice.
 */
export const handler = httpHandler(
  {
    roles: ['dispatcher', 'admin'],
    params: JobIdParams,
    body: DispatcherMessageInput,
  },
  async function sendDispatcherMessage({ params, body, principal, headers, context }) {
    const deps = await notificationsContext();
    try {
      const sent = await textCustomerAsDispatcher(
        // Counted per brand like every text (sms-metrics.ts); no fan-out latency: no event caused it.
        { ...deps, gateway: meteredGateway(deps.gateway, {}, deps.now) },
        {
          jobId: params.jobId,
          text: body.body,
          requestId: (headers['idempotency-key'] ?? context.awsRequestId).slice(0, 64),
          dispatcherId: principal!.userId,
          nonUrgent: body.nonUrgent,
        },
      );
      return { statusCode: 202, body: sent };
    } catch (error) {
      // The command's one 409: the customer opted out, so the text was held back.
      if (error instanceof CustomerOptedOutError) countSms('suppressed', error.brandId);
      throw error;
    }
  },
);
