import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import { type FuzzTarget, fuzz, prepareTarget } from '../fuzz/http-fuzz.ts';
import { FUZZ_ENVIRONMENT } from '../fuzz/options.ts';
import { ROUTES } from '../fuzz/routes.ts';

// The fuzz suite, bounded for `npm test`: a fixed seed and small run counts (`npm run fuzz` is the long
// run). Properties and generators are in test/fuzz/.
let harness: TestCloud;
let target: FuzzTarget;

beforeAll(async () => {
  harness = await startTestCloud('fuzz', { environment: FUZZ_ENVIRONMENT });
  target = await prepareTarget(harness);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

describe('the fuzz suite', () => {
  it('given the routes the services declare, then every one has a fuzz model', () => {
    const declared = harness.cloud.topology.routes.map((route) => route.routeKey).sort();
    expect(ROUTES.map((route) => route.routeKey).sort()).toEqual(declared);
  });

  it('given valid, near-valid and hostile requests to every route, then no 5xx, invalid ones get a 4xx and write nothing, and unknown tokens get the uniform answer', async () => {
    // Act
    const { stats, failures } = await fuzz(target, {
      seed: 17,
      invalidBatches: 4,
      batchSize: 12,
      mixedRuns: ROUTES.length * 3,
      tokenRuns: 10,
    });

    // Assess
    expect(failures).toEqual([]);
    expect(stats.byClass['5xx']).toBe(0);
    expect(stats.writesFromInvalid).toBe(0);
    expect(stats.invalidBatchesReadBack).toBeGreaterThanOrEqual(4);
    expect(stats.nonUniformTokenAnswers).toBe(0);
    const unreached = Object.entries(stats.byRoute).filter(([, route]) => route.requests < 3);
    expect(unreached).toEqual([]);
  }, 240_000);
});
