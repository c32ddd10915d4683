import { loadConfig, requiredString } from '@qdn/shared/config';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { secretParameter } from '@qdn/shared/ssm-secret';
import * as z from 'zod';
import type { PaymentIntents } from '../domain/disputes.ts';
import type { JobsContext } from '../domain/job-commands.ts';
import { type CardPayments, CHECKOUTS_PER_IP_PER_HOUR } from '../domain/payment-commands.ts';
import { jobsContext } from './jobs-context.ts';
import {
  type StripeWebhooks,
  stripeCardPayments,
  stripeFromSsm,
  stripePaymentIntents,
  stripeWebhooks,
} from './stripe-payments.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  STRIPE_WEBHOOK_SECRET_PARAMETER: requiredString(),
  CHECKOUTS_PER_IP_PER_HOUR: z.coerce.number().int().positive().default(CHECKOUTS_PER_IP_PER_HOUR),
});

export type PaymentsContext = JobsContext & {
  cardPayments: CardPayments;
  paymentIntents: PaymentIntents;
  stripeWebhooks: StripeWebhooks;
  checkoutsPerIpPerHour: number;
};

/** The jobs context with Stripe: for the checkout and webhook routes only. */
export const paymentsContext = /* @__PURE__ */ perInstanceAsync(
  async function buildPaymentsContext(): Promise<PaymentsContext> {
    return {
      ...(await jobsContext()),
      cardPayments: stripeCardPayments(stripeFromSsm),
      paymentIntents: stripePaymentIntents(stripeFromSsm),
      checkoutsPerIpPerHour: config.CHECKOUTS_PER_IP_PER_HOUR,
      stripeWebhooks: stripeWebhooks(stripeFromSsm, () =>
        secretParameter(config.STRIPE_WEBHOOK_SECRET_PARAMETER),
      ),
    };
  },
);
