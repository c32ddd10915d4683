import { ConflictError } from '@qdn/shared/errors';
import { httpHandler } from '@qdn/shared/http';
import { countSms } from '@qdn/shared/metrics';
import { notificationsContext } from '../adapters/notifications-context.ts';
import { meteredGateway } from '../adapters/sms-metrics.ts';
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
    const deps = await notificationsContext();
    // The brand the text is counted under (sms-metrics.ts); an unknown job is the command's 404.
    const brandId = (await deps.store.job(params.jobId))?.brandId;
    const request = {
      jobId: params.jobId,
      text: body.body,
      requestId: (headers['idempotency-key'] ?? context.awsRequestId).slice(0, 64),
      dispatcherId: principal!.userId,
    };
    if (!brandId) return { statusCode: 202, body: await textCustomerAsDispatcher(deps, request) };
    try {
      const sent = await textCustomerAsDispatcher(
        { ...deps, gateway: meteredGateway(deps.gateway, { brandId }, deps.now) },
        request,
      );
      return { statusCode: 202, body: sent };
    } catch (error) {
      // The command's one 409: the customer opted out, so the text was held back.
      if (error instanceof ConflictError) countSms('suppressed', brandId);
      throw error;
    }
  },
);
