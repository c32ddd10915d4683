import { httpHandler } from '@qdn/shared/http';
import { jobsContext } from '../adapters/jobs-context.ts';
import { JobIdParams, MarkPaidInput } from '../domain/job-input.ts';
import { markPaid } from '../domain/payment-commands.ts';

/** POST /jobs/{jobId}/payment (dispatcher, admin): the customer paid (Zelle, cash) → `{ job }`; paid already → 409. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: JobIdParams, body: MarkPaidInput },
  async function markPaidRoute({ params, body, principal }) {
    return { body: { job: await markPaid(await jobsContext(), params.jobId, body, principal!) } };
  },
);
