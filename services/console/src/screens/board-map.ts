// The board's map: MapLibre GL JS on Amazon Location Service's style (README "Console"). A chunk of its
// own (build.ts): the board imports it after its first paint, so none of MapLibre's ~450 KB is in the
// first load. Markers are buttons (a job's opens its drawer, as its card does); the columns stay the
// primary, keyboard-first view, the map is a second way to the same jobs.
import { LngLatBounds, Map as MapLibre, Marker, setWorkerUrl } from 'maplibre-gl';
import type { JobMarker, TruckMarker } from '../domain.ts';

/** MapLibre's worker and stylesheet as the build names them (content-hashed, same origin: build.ts). */
declare const MAPLIBRE_WORKER_URL: string;
declare const MAPLIBRE_STYLESHEET_URL: string;

/** San Diego, where the brands work, until the day's jobs give the map its bounds. */
const HOME: [number, number] = [-117.1611, 32.7157];

export interface BoardMap {
  /** Shows these markers (a job's jobId is its marker's id: kept markers move, others go). */
  update(markers: { jobs: JobMarker[]; trucks: TruckMarker[] }): void;
  remove(): void;
}

let stylesheet: Promise<void> | undefined;
/** MapLibre's stylesheet, added once, when the map first loads (never part of the first paint). */
function loadStylesheet(): Promise<void> {
  stylesheet ??= new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = MAPLIBRE_STYLESHEET_URL;
    link.onload = () => resolve();
    link.onerror = () => reject(new Error('the map stylesheet did not load'));
    document.head.append(link);
  });
  return stylesheet;
}

function markerButton(className: string, label: string, data: Record<string, string>): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.setAttribute('aria-label', label);
  button.title = label;
  Object.assign(button.dataset, data);
  return button;
}

/**
 * Creates the map in `container` and resolves once its style has loaded and it has drawn (the
 * `map-ready` performance mark); rejects if the style cannot load (a refused key, no network).
 */
export async function mountBoardMap(
  container: HTMLElement,
  options: { styleUrl: string; onOpen(jobId: string): void },
): Promise<BoardMap> {
  setWorkerUrl(MAPLIBRE_WORKER_URL);
  await loadStylesheet();
  const mapsOrigin = new URL(options.styleUrl, location.href).origin;
  const map = new MapLibre({
    container,
    style: options.styleUrl,
    center: HOME,
    zoom: 10,
    attributionControl: { compact: true },
    // One finger scrolls the page on a phone and the wheel scrolls it on a desk; two fingers or
    // Ctrl + wheel move the map, so the board's page never gets stuck on it.
    cooperativeGestures: true,
    // The console's pages send no Referer (Referrer-Policy: no-referrer, as their URLs can carry an
    // OAuth code); the maps key allows only the console's origin, so Amazon Location's requests say
    // the origin, never a path.
    transformRequest: (url) =>
      new URL(url, location.href).origin === mapsOrigin
        ? { url, referrerPolicy: 'strict-origin' }
        : undefined,
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (event: { error: { message: string } }) => {
      map.remove();
      reject(new Error(`the map did not load: ${event.error.message}`));
    };
    map.on('error', failed);
    map.once('load', () => {
      map.off('error', failed);
      // Later errors (a tile that did not come) leave the map as it is; the columns have everything.
      map.on('error', () => undefined);
      resolve();
    });
  });
  performance.mark('map-ready');

  const jobMarkers = new Map<string, Marker>();
  const truckMarkers = new Map<string, Marker>();
  let framed = '';

  function sync<Item extends { jobId: string; lat: number; lng: number; label: string }>(
    markers: Map<string, Marker>,
    items: readonly Item[],
    make: (item: Item) => HTMLButtonElement,
  ) {
    const wanted = new Set(items.map((item) => item.jobId));
    for (const [id, marker] of markers) {
      if (wanted.has(id)) continue;
      marker.remove();
      markers.delete(id);
    }
    for (const item of items) {
      const existing = markers.get(item.jobId);
      if (existing) {
        existing.setLngLat([item.lng, item.lat]);
        const element = existing.getElement();
        const fresh = make(item);
        element.className = fresh.className;
        element.setAttribute('aria-label', item.label);
        element.title = item.label;
        continue;
      }
      const element = make(item);
      element.addEventListener('click', () => options.onOpen(item.jobId));
      markers.set(item.jobId, new Marker({ element }).setLngLat([item.lng, item.lat]).addTo(map));
    }
  }

  return {
    update({ jobs, trucks }) {
      sync(jobMarkers, jobs, (job) =>
        markerButton(`map-job status-${job.status}`, job.label, { mapJobId: job.jobId }),
      );
      sync(truckMarkers, trucks, (truck) =>
        markerButton('map-truck', truck.label, { mapTruckId: truck.jobId }),
      );
      // Framed again only when the set of jobs changes (another day, a new booking): a dispatcher who
      // moved the map keeps their view through the board's polls.
      const points = [...jobs, ...trucks];
      const key = points
        .map((point) => point.jobId)
        .sort()
        .join(',');
      if (points.length === 0 || key === framed) return;
      framed = key;
      const bounds = new LngLatBounds();
      for (const point of points) bounds.extend([point.lng, point.lat]);
      map.fitBounds(bounds, { padding: 48, maxZoom: 14, duration: 0 });
    },
    remove() {
      map.remove();
    },
  };
}
