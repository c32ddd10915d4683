import { loadConfig, requiredString } from '@qdn/shared/config';
import { ValidationError } from '@qdn/shared/errors';
import { secretParameter } from '@qdn/shared/ssm-secret';
import Stripe from 'stripe';
import * as z from 'zod';
import type { PaymentIntents } from '../domain/disputes.ts';
import { JOB_ID_PATTERN } from '../domain/job-input.ts';
import type { CardPayments } from '../domain/payment-commands.ts';
import { StripeEvent, type StripeEvent as VerifiedEvent } from '../domain/payment-input.ts';
import { type CardRefunds, cardRefund } from '../domain/refunds.ts';

// The one module that imports the `stripe` SDK: only the checkout, webhook and refund functions load
// it (test/infra checks no other bundle carries it; it weighs on a cold start).

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  STRIPE_SECRET_KEY_PARAMETER: requiredString(),
  /** Locally, the Stripe fake; unset in AWS (the SDK's api.stripe.com). */
  STRIPE_API_BASE_URL: z.url().optional(),
});

let cached: { key: string; client: Stripe } | undefined;
/** The SDK client for the current secret key (SSM, cached for minutes: a rotated key needs no deploy). */
export async function stripeFromSsm(): Promise<Stripe> {
  const key = await secretParameter(config.STRIPE_SECRET_KEY_PARAMETER);
  if (cached?.key !== key) cached = { key, client: stripeClient(key, config.STRIPE_API_BASE_URL) };
  return cached.client;
}

/** Where the SDK sends requests: Stripe's API, or locally the Stripe fake (STRIPE_API_BASE_URL). */
export function stripeClient(secretKey: string, apiBaseUrl: string | undefined): Stripe {
  const base = apiBaseUrl ? new URL(apiBaseUrl) : undefined;
  return new Stripe(secretKey, {
    // Retries of a POST carry the SDK's idempotency key, so a retried create is one object at Stripe.
    // Two tries of 4 s and the SDK's backoff end inside the functions' 10 s timeout: one killed mid-call
    // would leave a refund's lease held (not released) until it expires. Past that, SQS (a refund) or
    // Stripe (a webhook) retries, or the customer taps Pay again (a checkout).
    maxNetworkRetries: 1,
    timeout: 4_000,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

/** Checkout Sessions for card deposits. */
export function stripeCardPayments(client: () => Promise<Stripe>): CardPayments {
  return {
    async createCheckout(request) {
      const stripe = await client();
      const session = await stripe.checkout.sessions.create({
        mode: 'payment',
        // Cards only: a session paid by a delayed method (a bank debit) completes unpaid and is paid
        // days later in another event; a card's completes paid, which is what the webhook records.
        allowed_payment_method_types: ['card'],
        // The webhook finds the job by this (and the metadata travels to the payment for people at Stripe).
        client_reference_id: request.jobId,
        metadata: { jobId: request.jobId, brandId: request.brandId },
        payment_intent_data: { metadata: { jobId: request.jobId, brandId: request.brandId } },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: 'usd',
              unit_amount: request.amountCents,
              product_data: { name: request.description },
            },
          },
        ],
        ...(request.customerEmail ? { customer_email: request.customerEmail } : {}),
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      });
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
      return { sessionId: session.id, url: session.url };
    },
  };
}

/** Stripe's webhook signature check, over the exact body, with the endpoint's signing secret. */
export interface StripeWebhooks {
  /** The verified event; a missing or wrong signature (or a stale timestamp) → 400. */
  verify(rawBody: string, signature: string | undefined): Promise<VerifiedEvent>;
}

export function stripeWebhooks(
  client: () => Promise<Stripe>,
  signingSecret: () => Promise<string>,
): StripeWebhooks {
  return {
    async verify(rawBody, signature) {
      const refused = (message: string) =>
        new ValidationError('Invalid Stripe signature', [{ field: 'headers.stripe-signature', message }]);
      if (!signature) throw refused('missing');
      // Outside the try: SSM failing is ours, a bare 500 (alarmed, and Stripe retries the delivery),
      // never a 400 blaming the signature with our error's message in it.
      const [stripe, secret] = await Promise.all([client(), signingSecret()]);
      let event: unknown;
      try {
        // Checks v1 = HMAC-SHA256(secret, `${t}.${body}`) and that t is within 5 minutes.
        event = stripe.webhooks.constructEvent(rawBody, signature, secret);
      } catch (error) {
        throw refused((error as Error).message.slice(0, 200));
      }
      const parsed = StripeEvent.safeParse(event);
      if (!parsed.success)
        throw new ValidationError('Invalid Stripe event', [
          { field: 'body', message: parsed.error.message.slice(0, 200) },
        ]);
      return parsed.data;
    },
  };
}

/** Refunds of card payments (a cancelled, paid job): the payment intent in full, one refund per key. */
export function stripeRefunds(client: () => Promise<Stripe>): CardRefunds {
  return {
    async refund(paymentIntentId, idempotencyKey, jobId) {
      const stripe = await client();
      try {
        const refund = await stripe.refunds.create(
          // The job in its metadata: its refund.updated and refund.failed webhooks find the job by it.
          { payment_intent: paymentIntentId, reason: 'requested_by_customer', metadata: { jobId } },
          { idempotencyKey },
        );
        return cardRefund(refund);
      } catch (error) {
        // Refunded already: by an earlier attempt whose answer was lost (a timeout; a 5xx), or by a person
        // in Stripe's Dashboard. That refund is this one, or the job would say "being refunded" for good.
        if ((error as { code?: string }).code !== 'charge_already_refunded') throw error;
        const earlier = await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 10 });
        const made = earlier.data.find(
          (refund) => refund.status !== 'failed' && refund.status !== 'canceled',
        );
        if (!made) throw error;
        // One a person made names no job: named now, or its refund.updated / refund.failed would be
        // ignored and the job would say "pending" (or "refunded") whatever became of it.
        if (made.metadata?.jobId !== jobId)
          return cardRefund(await stripe.refunds.update(made.id, { metadata: { jobId } }));
        return cardRefund(made);
      }
    },
    async find(refundId) {
      return cardRefund(await (await client()).refunds.retrieve(refundId));
    },
  };
}

/** Which job a payment intent paid for: the `metadata.jobId` our Checkout Sessions give it. */
export function stripePaymentIntents(client: () => Promise<Stripe>): PaymentIntents {
  return {
    async jobIdOf(paymentIntentId) {
      const stripe = await client();
      try {
        const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
        const jobId = intent.metadata?.jobId;
        return typeof jobId === 'string' && JOB_ID_PATTERN.test(jobId) ? jobId : undefined;
      } catch (error) {
        // Not this account's (a 404): no job of ours. Anything else is a retry (the webhook's 500).
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
  };
}
