import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyLedger } from '@qdn/shared/idempotency';
import type { RefundLedger } from '../domain/refunds.ts';

// JOB#<jobId> / REFUND in the jobs table: the job's refund (refundId, refundedAt) and the lease of the
// attempt in flight (@qdn/shared/idempotency). Kept without expiry, so a replay months later refunds
// nothing. Not a job item: the stream publisher reads only sk JOB.
const ledgerKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'REFUND' });

export class DynamoRefundLedger implements RefundLedger {
  readonly #ledger: IdempotencyLedger;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#ledger = new IdempotencyLedger(client, { table: tableName, versionAttribute: 'refundedVersion' });
  }

  async claim(jobId: string, now: Date, leaseMs: number) {
    // One refund per job: version 1.
    const claim = await this.#ledger.claim(ledgerKey(jobId), 1, { now, leaseMs, set: { jobId } });
    if (claim.kind === 'claimed') return { outcome: 'claimed' as const, leaseToken: claim.leaseToken };
    if (claim.kind === 'done') return { outcome: 'done' as const, refundId: String(claim.item.refundId) };
    return { outcome: 'busy' as const };
  }

  async complete(jobId: string, leaseToken: string, refundId: string, at: Date) {
    // A lease lost while Stripe answered: the refund still happened, so it is recorded all the same.
    await this.#ledger.complete(ledgerKey(jobId), 1, {
      leaseToken,
      whenLeaseLost: 'record',
      set: { refundId, refundedAt: at.toISOString() },
    });
  }

  async release(jobId: string, leaseToken: string) {
    await this.#ledger.release(ledgerKey(jobId), leaseToken);
  }
}
