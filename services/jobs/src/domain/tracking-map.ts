/**
 * The tracking page's map: one static image of the truck's position from Amazon Location's Maps API
 * (GetStaticMap), so the page needs no map library and no tile maths. The URL carries the stack's
 * public API key, which only works from the brands' site origins and only for maps.
 *
 * @see https://docs.aws.amazon.com/location/latest/developerguide/get-static-map-specific-position.html
 */

/** Street level: the truck and the few blocks around it. */
export const MAP_ZOOM = 15;
/** The page's map box (CSS px, 1x); the image is asked at 2x for phone screens (`map@2x`). */
export const MAP_WIDTH = 400;
export const MAP_HEIGHT = 220;
/** Static maps come in the Satellite style only (Amazon Location's static map note). */
export const MAP_STYLE = 'Satellite';

/**
 * The static map image URL centred on `location`: `base` is GetStaticMap's endpoint
 * (`https://maps.geo.<region>.amazonaws.com/v2/static/map`). Coordinates are rounded to ~10 m, so the
 * image (and the browser's cache of it) changes when the truck moves, not with every GPS jitter.
 *
 * @example staticMapUrl('https://maps.geo.us-west-2.amazonaws.com/v2/static/map', 'v1.public.…', { lat: 32.7073, lng: -117.1566 })
 */
export function staticMapUrl(base: string, key: string, location: { lat: number; lng: number }): string {
  const url = new URL(base.replace(/\/map$/, '/map@2x'));
  url.searchParams.set('style', MAP_STYLE);
  // Amazon Location takes longitude first.
  url.searchParams.set('center', `${location.lng.toFixed(4)},${location.lat.toFixed(4)}`);
  url.searchParams.set('zoom', String(MAP_ZOOM));
  url.searchParams.set('width', String(MAP_WIDTH));
  url.searchParams.set('height', String(MAP_HEIGHT));
  url.searchParams.set('key', key);
  return url.toString();
}
