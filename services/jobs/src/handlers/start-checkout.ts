import { httpHandler } from '@qdn/shared/http';
import { paymentsContext } from '../adapters/payments-context.ts';
import { JobIdParams } from '../domain/job-input.ts';
import { startCheckout } from '../domain/payment-commands.ts';

/** POST /bookings/{jobId}/checkout (public) → 201 `{ checkoutUrl, sessionId, amountCents }`: Stripe Checkout for the deposit. */
export const handler = httpHandler(
  { params: JobIdParams },
  async function startCheckoutRoute({ params, event }) {
    const { url, sessionId, amountCents } = await startCheckout(await paymentsContext(), params.jobId, {
      sourceIp: event.requestContext.http.sourceIp,
    });
    return { statusCode: 201, body: { checkoutUrl: url, sessionId, amountCents } };
  },
);
