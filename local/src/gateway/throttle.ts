// Stage throttling as an HTTP API applies it: a token bucket per route, sized by the stage's default route
// settings or the route's own, so rate limits declared for public endpoints are exercised locally too.

/** Throttling of one route, as `AWS::ApiGatewayV2::Stage` `RouteSettings` declare it. */
export interface RouteThrottleSettings {
  /** Steady requests per second. */
  ThrottlingRateLimit?: number;
  /** Bucket size: requests allowed at once. */
  ThrottlingBurstLimit?: number;
}

/** The stage's throttling: `DefaultRouteSettings` for every route, `RouteSettings` by route key. */
export interface ThrottleConfig {
  DefaultRouteSettings?: RouteThrottleSettings;
  RouteSettings?: Record<string, RouteThrottleSettings>;
}

/** Decides, per route, whether a request may pass now. */
export interface Throttle {
  /** Takes a token from the route's bucket; false means answer 429. */
  tryTake(routeKey: string, nowMs: number): boolean;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  rate: number;
  burst: number;
}

/**
 * Token buckets per route key: capacity `ThrottlingBurstLimit`, refilled at `ThrottlingRateLimit` per second.
 * A route's own settings override the default field by field; a route with neither is not throttled.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 */
export function createThrottle(config: ThrottleConfig): Throttle {
  const buckets = new Map<string, Bucket | null>();
  function bucketFor(routeKey: string, nowMs: number): Bucket | null {
    const known = buckets.get(routeKey);
    if (known !== undefined) return known;
    const settings = { ...config.DefaultRouteSettings, ...config.RouteSettings?.[routeKey] };
    const { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst } = settings;
    const bucket =
      rate === undefined && burst === undefined
        ? null
        : {
            rate: rate ?? Number.POSITIVE_INFINITY,
            burst: burst ?? Math.max(1, Math.ceil(rate ?? 1)),
            tokens: burst ?? Math.max(1, Math.ceil(rate ?? 1)),
            updatedAt: nowMs,
          };
    buckets.set(routeKey, bucket);
    return bucket;
  }
  return {
    tryTake: function tryTake(routeKey, nowMs) {
      const bucket = bucketFor(routeKey, nowMs);
      if (!bucket) return true;
      const elapsedSeconds = Math.max(0, nowMs - bucket.updatedAt) / 1000;
      const refill = bucket.rate === Number.POSITIVE_INFINITY ? bucket.burst : elapsedSeconds * bucket.rate;
      bucket.tokens = Math.min(bucket.burst, bucket.tokens + refill);
      bucket.updatedAt = nowMs;
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
}
