import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyLedger } from '@qdn/shared/idempotency';
import type { PushClaim, PushLedger } from '../domain/ports.ts';

// JOB#<jobId> / PUSH in the calendar table: the highest version pushed (pushedVersion, pushedAt) and the
// lease of the push in flight (@qdn/shared/idempotency). Kept without expiry: a replay or redrive months
// later still finds the version already pushed.
const ledgerKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'PUSH' });

/** The push ledger in the calendar table: "this version or a later one is pushed", one lease per job. */
export class DynamoPushLedger implements PushLedger {
  readonly #ledger: IdempotencyLedger;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#ledger = new IdempotencyLedger(client, { table: tableName, versionAttribute: 'pushedVersion' });
  }

  async claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<PushClaim> {
    const claim = await this.#ledger.claim(ledgerKey(jobId), version, { now, leaseMs, set: { jobId } });
    if (claim.kind === 'claimed') return { outcome: 'claimed', leaseToken: claim.leaseToken };
    return { outcome: claim.kind };
  }

  async complete(jobId: string, version: number, leaseToken: string, at: Date): Promise<void> {
    // If the lease ran out while the request was under way, the push still landed: record it unless a
    // higher version is recorded, leaving the new holder's lease alone.
    await this.#ledger.complete(ledgerKey(jobId), version, {
      leaseToken,
      whenLeaseLost: 'record',
      set: { pushedAt: at.toISOString() },
    });
  }

  async release(jobId: string, leaseToken: string): Promise<void> {
    await this.#ledger.release(ledgerKey(jobId), leaseToken);
  }
}
