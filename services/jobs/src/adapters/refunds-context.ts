import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance } from '@qdn/shared/per-instance';
import type { RefundContext } from '../domain/refunds.ts';
import { DynamoJobRepository } from './job-store.ts';
import { DynamoRefundLedger } from './refund-ledger.ts';
import { stripeFromSsm, stripeRefunds } from './stripe-payments.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({ JOBS_TABLE: requiredString() });

/** The refunds consumer's dependencies, built once per function instance. */
export const refundsContext = /* @__PURE__ */ perInstance(
  (): RefundContext => ({
    repository: new DynamoJobRepository(dynamoDocumentClient(), config.JOBS_TABLE),
    ledger: new DynamoRefundLedger(dynamoDocumentClient(), config.JOBS_TABLE),
    refunds: stripeRefunds(stripeFromSsm),
    now: () => new Date(),
    // Stripe's 10 s timeout and two retries, with room to spare.
    leaseMs: 60_000,
  }),
);
