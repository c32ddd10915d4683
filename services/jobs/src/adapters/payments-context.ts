import { loadConfig, requiredString } from '@qdn/shared/config';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { secretParameter } from '@qdn/shared/ssm-secret';
import type { JobsContext } from '../domain/job-commands.ts';
import type { CardPayments } from '../domain/payment-commands.ts';
import { jobsContext } from './jobs-context.ts';
import { type StripeWebhooks, stripeCardPayments, stripeFromSsm, stripeWebhooks } from './stripe-payments.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({ STRIPE_WEBHOOK_SECRET_PARAMETER: requiredString() });

export type PaymentsContext = JobsContext & { cardPayments: CardPayments; stripeWebhooks: StripeWebhooks };

/** The jobs context with Stripe: for the checkout and webhook routes only. */
export const paymentsContext = /* @__PURE__ */ perInstanceAsync(
  async function buildPaymentsContext(): Promise<PaymentsContext> {
    return {
      ...(await jobsContext()),
      cardPayments: stripeCardPayments(stripeFromSsm),
      stripeWebhooks: stripeWebhooks(stripeFromSsm, () =>
        secretParameter(config.STRIPE_WEBHOOK_SECRET_PARAMETER),
      ),
    };
  },
);
