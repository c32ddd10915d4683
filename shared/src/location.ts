import { LocationClient } from '@aws-sdk/client-location';
import { perInstance } from './per-instance.ts';

/**
 * The function's Amazon Location Service client, created once. The Places API is called on a host
 * prefixed `places.` (`places.geo.<region>.amazonaws.com`); the local cloud's place index answers on
 * one loopback address (AWS_ENDPOINT_URL_LOCATION), where a prefixed host would not resolve, so the
 * prefix is left off exactly when an endpoint is configured.
 *
 * @see https://docs.aws.amazon.com/location/latest/APIReference/API_SearchPlaceIndexForText.html
 */
export const locationClient = /* @__PURE__ */ perInstance(
  () => new LocationClient({ disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL_LOCATION) }),
);
