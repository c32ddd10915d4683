import { loadConfig, requiredString } from '@qdn/shared/config';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { secretParameter } from '@qdn/shared/ssm-secret';
import type Stripe from 'stripe';
import * as z from 'zod';
import type { JobsContext } from '../domain/job-commands.ts';
import type { CardPayments } from '../domain/payment-commands.ts';
import { jobsContext } from './jobs-context.ts';
import { type StripeWebhooks, stripeCardPayments, stripeClient, stripeWebhooks } from './stripe-payments.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  STRIPE_SECRET_KEY_PARAMETER: requiredString(),
  STRIPE_WEBHOOK_SECRET_PARAMETER: requiredString(),
  /** Locally, the Stripe fake; unset in AWS (the SDK's api.stripe.com). */
  STRIPE_API_BASE_URL: z.url().optional(),
});

let cached: { key: string; client: Stripe } | undefined;
/** The SDK client for the current secret key (SSM, cached for minutes: a rotated key needs no deploy). */
async function client(): Promise<Stripe> {
  const key = await secretParameter(config.STRIPE_SECRET_KEY_PARAMETER);
  if (cached?.key !== key) cached = { key, client: stripeClient(key, config.STRIPE_API_BASE_URL) };
  return cached.client;
}

export type PaymentsContext = JobsContext & { cardPayments: CardPayments; stripeWebhooks: StripeWebhooks };

/** The jobs context with Stripe: for the checkout and webhook routes only. */
export const paymentsContext = /* @__PURE__ */ perInstanceAsync(
  async function buildPaymentsContext(): Promise<PaymentsContext> {
    return {
      ...(await jobsContext()),
      cardPayments: stripeCardPayments(client),
      stripeWebhooks: stripeWebhooks(client, () => secretParameter(config.STRIPE_WEBHOOK_SECRET_PARAMETER)),
    };
  },
);
