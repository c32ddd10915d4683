// A small map of where the truck is: nine OpenStreetMap tiles around its last location and a marker,
// no map library. Shown only once the middle tile has loaded (tiles may be unreachable on a poor
// connection); the page's text says where and when either way.
// @see https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames
import { h, setAttribute, show } from './common.js';

const TILE = 256;
const ZOOM = 15;
const TILES_URL = 'https://tile.openstreetmap.org';

/** The position in tile units at a zoom level (x east, y south). */
export function tilePosition(lat, lng, zoom = ZOOM) {
  const scale = 2 ** zoom;
  const latRad = (lat * Math.PI) / 180;
  return {
    x: ((lng + 180) / 360) * scale,
    y: ((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2) * scale,
  };
}

function tileImage(x, y, onload, onerror) {
  const image = h('img', { alt: '', width: TILE, height: TILE, class: 'map-tile', decoding: 'async' });
  // Only the site's origin goes to the tile server (its usage policy asks for a referer), never the
  // page's path with its token.
  image.referrerPolicy = 'origin';
  image.addEventListener('load', onload, { once: true });
  image.addEventListener('error', onerror, { once: true });
  image.src = `${TILES_URL}/${ZOOM}/${x}/${y}.png`;
  return image;
}

/**
 * Shows `location` (`{ lat, lng }`) on the map element, or hides the map. Tiles are only replaced when
 * the truck moves into another tile; within one, the tiles slide under the marker.
 */
export function showTruck(map, location) {
  if (!location) {
    show(map, false);
    return;
  }
  const { x, y } = tilePosition(location.lat, location.lng);
  const [column, row] = [Math.floor(x), Math.floor(y)];
  const key = `${column}/${row}`;
  let layer = map.querySelector('.map-layer');
  if (map.dataset.tiles !== key) {
    map.dataset.tiles = key;
    layer = h('div', { class: 'map-layer' });
    let loaded = false;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const middle = dx === 0 && dy === 0;
        const tile = tileImage(
          column + dx,
          row + dy,
          () => {
            if (middle && map.dataset.tiles === key) {
              loaded = true;
              show(map, true);
            }
          },
          () => {
            if (middle && !loaded) show(map, false);
          },
        );
        tile.style.left = `${(dx + 1) * TILE}px`;
        tile.style.top = `${(dy + 1) * TILE}px`;
        layer.append(tile);
      }
    }
    map.replaceChildren(layer, h('span', { class: 'map-marker', 'aria-hidden': 'true' }));
  }
  // The truck's point is at the middle of the map element.
  layer.style.left = `calc(50% - ${(x - column + 1) * TILE}px)`;
  layer.style.top = `calc(50% - ${(y - row + 1) * TILE}px)`;
  setAttribute(
    map,
    'aria-label',
    `Map: the truck is near ${location.lat.toFixed(3)}, ${location.lng.toFixed(3)}`,
  );
}
