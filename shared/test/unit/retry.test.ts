import { describe, expect, it } from '@jest/globals';
import { backoffDelayMs, claimWhenFree, untilProcessed } from '../../src/retry.ts';

/** A claim that is busy `busyLooks` times, then done, on a clock that only moves when waited on. */
function heldClaim(busyLooks: number) {
  let clock = 0;
  let looks = 0;
  const pauses: number[] = [];
  return {
    claim: async () => (++looks > busyLooks ? 'done' : 'busy'),
    wait: (ceilingMs: number) => ({
      ceilingMs,
      now: () => clock,
      sleep: async (ms: number) => {
        pauses.push(ms);
        clock += ms;
      },
    }),
    looks: () => looks,
    pauses,
  };
}

describe('claimWhenFree', () => {
  it('given the holder finishes after two looks, then the third look gets its answer, after backing off', async () => {
    const held = heldClaim(2);

    const answer = await claimWhenFree(held.claim, (claim) => claim === 'busy', held.wait(5_000));

    expect(answer).toBe('done');
    expect(held.looks()).toBe(3);
    expect(held.pauses).toEqual([100, 200]);
  });

  it('given the holder never finishes, then it stops at the ceiling with the busy answer, never waiting more than 1 s at once', async () => {
    const held = heldClaim(Number.POSITIVE_INFINITY);

    const answer = await claimWhenFree(held.claim, (claim) => claim === 'busy', held.wait(5_000));

    expect(answer).toBe('busy');
    expect(held.pauses).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000]);
  });

  it('given a free claim, then one look and no wait', async () => {
    const held = heldClaim(0);
    expect(await claimWhenFree(held.claim, (claim) => claim === 'busy', held.wait(0))).toBe('done');
    expect(held.pauses).toEqual([]);
  });
});

describe('backoffDelayMs', () => {
  it('given retries, then full jitter under a ceiling that doubles up to the maximum', () => {
    expect(backoffDelayMs(1, 200, 5_000, () => 1)).toBe(200);
    expect(backoffDelayMs(3, 200, 5_000, () => 1)).toBe(800);
    expect(backoffDelayMs(10, 200, 5_000, () => 1)).toBe(5_000);
    expect(backoffDelayMs(3, 200, 5_000, () => 0.5)).toBe(400);
    expect(backoffDelayMs(3, 200, 5_000, () => 0)).toBe(0);
  });
});

describe('untilProcessed', () => {
  it('sends again what DynamoDB left unprocessed until nothing is left', async () => {
    process.env.RETRY_BASE_DELAY_MS = '0';
    const calls: number[][] = [];
    await untilProcessed(
      [1, 2, 3, 4, 5],
      async (pending) => {
        calls.push(pending);
        return calls.length === 1 ? pending.slice(3) : [];
      },
      { what: 'points' },
    );
    expect(calls).toEqual([
      [1, 2, 3, 4, 5],
      [4, 5],
    ]);
  });

  it('gives up after its attempts, saying how many were left', async () => {
    process.env.RETRY_BASE_DELAY_MS = '0';
    let calls = 0;
    await expect(
      untilProcessed(
        [1, 2],
        async (pending) => {
          calls++;
          return pending;
        },
        {
          what: 'trailer claims',
          maxAttempts: 3,
        },
      ),
    ).rejects.toThrow('DynamoDB left 2 trailer claims unprocessed after 3 tries');
    expect(calls).toBe(3);
  });
});
