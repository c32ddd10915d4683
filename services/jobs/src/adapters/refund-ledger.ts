import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyLedger } from '@qdn/shared/idempotency';
import type { RefundLedger, RefundOf } from '../domain/refunds.ts';

// JOB#<jobId> / REFUND in the jobs table: the job's refund (refundId, refundedAt) and the lease of the
// attempt in flight (@qdn/shared/idempotency); REFUND#<sessionId> the same for a payment the job could
// not keep (ReturnedPayment). Kept without expiry, so a replay months later refunds nothing. Not job
// items: the stream publisher reads only sk JOB.
const ledgerKey = ({ jobId, checkoutSessionId }: RefundOf) => ({
  pk: `JOB#${jobId}`,
  sk: checkoutSessionId ? `REFUND#${checkoutSessionId}` : 'REFUND',
});

export class DynamoRefundLedger implements RefundLedger {
  readonly #ledger: IdempotencyLedger;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#ledger = new IdempotencyLedger(client, { table: tableName, versionAttribute: 'refundedVersion' });
  }

  async claim(refund: RefundOf, now: Date, leaseMs: number) {
    // One refund per payment: version 1.
    const claim = await this.#ledger.claim(ledgerKey(refund), 1, {
      now,
      leaseMs,
      set: { jobId: refund.jobId },
    });
    if (claim.kind === 'claimed') return { outcome: 'claimed' as const, leaseToken: claim.leaseToken };
    if (claim.kind === 'done') return { outcome: 'done' as const, refundId: String(claim.item.refundId) };
    return { outcome: 'busy' as const };
  }

  async complete(refund: RefundOf, leaseToken: string, refundId: string, at: Date) {
    // A lease lost while Stripe answered: the refund still happened, so it is recorded all the same.
    await this.#ledger.complete(ledgerKey(refund), 1, {
      leaseToken,
      whenLeaseLost: 'record',
      set: { refundId, refundedAt: at.toISOString() },
    });
  }

  async release(refund: RefundOf, leaseToken: string) {
    await this.#ledger.release(ledgerKey(refund), leaseToken);
  }
}
