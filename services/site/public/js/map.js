// The truck on a map: one static image from Amazon Location's Maps API (GetStaticMap), centred on its
// last location, whose URL the tracking view gives (`job.mapImageUrl`, with the site's public maps key).
// No map library, no tiles. Shown only once the image has loaded (it may not, on a poor connection);
// the page's text says where and when either way, and the map's credit goes with the map.
// @see https://docs.aws.amazon.com/location/latest/developerguide/get-static-map-specific-position.html
import { h, setAttribute, show } from './common.js';

/**
 * Shows the map image at `imageUrl` for `location` (`{ lat, lng }`) on the map element, or hides the
 * map. The image is only replaced when the URL changes (the truck moved), so a refresh never flickers.
 */
export function showTruck(map, location, imageUrl) {
  if (!location || !imageUrl) {
    show(map, false);
    delete map.dataset.src;
    return;
  }
  if (map.dataset.src !== imageUrl) {
    map.dataset.src = imageUrl;
    const image = h('img', { alt: '', class: 'map-image', decoding: 'async' });
    // The maps key works only from the brands' sites, which Amazon Location tells by the Referer; the
    // page's own policy sends none, and only the origin is ever sent (never the path with its token).
    image.referrerPolicy = 'origin';
    image.addEventListener(
      'load',
      () => {
        if (map.dataset.src !== imageUrl) return;
        map.replaceChildren(image, h('span', { class: 'map-marker', 'aria-hidden': 'true' }));
        show(map, true);
      },
      { once: true },
    );
    image.addEventListener(
      'error',
      () => {
        // The last good image stays only while it is still the truck's place; otherwise no map.
        if (map.dataset.src === imageUrl) show(map, false);
      },
      { once: true },
    );
    image.src = imageUrl;
  }
  setAttribute(
    map,
    'aria-label',
    `Map: the truck is near ${location.lat.toFixed(3)}, ${location.lng.toFixed(3)}`,
  );
}
