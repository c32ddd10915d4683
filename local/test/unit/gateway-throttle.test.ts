import { describe, expect, it } from '@jest/globals';
import { createThrottle } from '../../src/gateway/throttle.ts';

function takes(throttle: ReturnType<typeof createThrottle>, routeKey: string, count: number, nowMs: number) {
  return Array.from({ length: count }, () => throttle.tryTake(routeKey, nowMs));
}

describe('HTTP API stage throttling', () => {
  it('given a burst of 2 at 1/s, when 3 requests arrive at once, then the third is throttled', () => {
    const throttle = createThrottle({
      DefaultRouteSettings: { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 1 },
    });

    expect(takes(throttle, 'POST /book', 3, 0)).toEqual([true, true, false]);
  });

  it('given an empty bucket, when time passes, then tokens come back at the rate limit', () => {
    const throttle = createThrottle({
      DefaultRouteSettings: { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 1 },
    });
    takes(throttle, 'POST /book', 2, 0);

    expect(throttle.tryTake('POST /book', 500)).toBe(false);
    expect(throttle.tryTake('POST /book', 1000)).toBe(true);
    expect(takes(throttle, 'POST /book', 3, 10_000)).toEqual([true, true, false]);
  });

  it('given default settings, when two routes are used, then each route has its own bucket', () => {
    const throttle = createThrottle({
      DefaultRouteSettings: { ThrottlingBurstLimit: 1, ThrottlingRateLimit: 1 },
    });

    expect(throttle.tryTake('POST /book', 0)).toBe(true);
    expect(throttle.tryTake('GET /track/{token}', 0)).toBe(true);
    expect(throttle.tryTake('POST /book', 0)).toBe(false);
  });

  it('given route settings, when they override one field, then the other comes from the default', () => {
    const throttle = createThrottle({
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      RouteSettings: { 'POST /book': { ThrottlingBurstLimit: 1 } },
    });

    expect(takes(throttle, 'POST /book', 2, 0)).toEqual([true, false]);
    expect(throttle.tryTake('POST /book', 20)).toBe(true);
    expect(takes(throttle, 'GET /jobs', 100, 0).every(Boolean)).toBe(true);
  });

  it('given a burst of 0, when a request arrives, then it is always throttled', () => {
    const throttle = createThrottle({ RouteSettings: { 'POST /book': { ThrottlingBurstLimit: 0 } } });

    expect(takes(throttle, 'POST /book', 2, 0)).toEqual([false, false]);
    expect(throttle.tryTake('GET /jobs', 0)).toBe(true);
  });
});
