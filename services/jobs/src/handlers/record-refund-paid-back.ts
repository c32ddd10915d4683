import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { JobIdParams, RefundPaidBackInput } from '../domain/job-input.ts';
import { recordRefundPaidBack } from '../domain/payment-commands.ts';

/**
 * POST /jobs/{jobId}/payment/refund (dispatcher, admin): a card refund the card refused, paid back
 * another way (Zelle, cash, a check) → `{ job }`; a refund that has not failed, or paid back already → 409.
 */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: JobIdParams, body: RefundPaidBackInput },
  async function recordRefundPaidBackRoute({ params, body, principal }) {
    return { body: { job: await recordRefundPaidBack(await jobsContext(), params.jobId, body, principal!) } };
  },
);
