// A fake of Amazon Location's Maps API v2 as the pages use it, offline, so the tracking page, the
// console and their browser tests never reach the internet:
// - GetStaticMap (`GET /v2/static/map[@2x]?center=&zoom=&width=&height=&key=`): a generated SVG "map" of
//   the requested size (the tracking page);
// - GetStyleDescriptor (`GET /v2/styles/{Style}/descriptor?key=`): a MapLibre style with no remote
//   tiles at all — a background and a GeoJSON grid of "streets" around San Diego — for the console's
//   board map (MapLibre GL JS), with CORS as the real endpoint answers it.
// It checks what the real endpoint would refuse (no or a wrong key, a missing centre, sizes out of
// range) and keeps the requests it saw for tests, with the Referer the key's AllowReferers would check.
/** The local stage's public maps key (what DescribeKey answers for qdn-local-site-maps). */
export const LOCAL_MAPS_KEY = 'v1.public.local-maps-key';

export interface StaticMapAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StaticMapRequest {
  path: string;
  query: Record<string, string>;
  status: number;
  /** The request's Referer, when it had one (what an API key's AllowReferers is matched against). */
  referer?: string;
}

export interface StaticMapFake {
  /** Answers a Maps API request (its path and query; the Referer header, if any). */
  answer(url: URL, headers?: { referer?: string }): StaticMapAnswer;
  /** The requests answered, oldest first (path, query, status, referer). */
  requests(): StaticMapRequest[];
}

const PATH = /\/v2\/static\/(map|map@2x)$/;
const STYLE_PATH = /^\/v2\/styles\/(Standard|Monochrome|Hybrid|Satellite)\/descriptor$/;

/** Lines every 0.02° (~2 km) over the San Diego area: something to pan over, drawn from nothing remote. */
function streetGrid(): object {
  const lines: number[][][] = [];
  for (let lng = -117.35; lng <= -116.9; lng += 0.01)
    lines.push([
      [lng, 32.5],
      [lng, 33.05],
    ]);
  for (let lat = 32.5; lat <= 33.05; lat += 0.01)
    lines.push([
      [-117.35, lat],
      [-116.9, lat],
    ]);
  return {
    type: 'Feature',
    properties: {},
    geometry: {
      type: 'MultiLineString',
      coordinates: lines.map((line) => line.map(([x, y]) => [Number(x!.toFixed(2)), Number(y!.toFixed(2))])),
    },
  };
}

/** The local style: no tiles, glyphs or sprites to fetch, so MapLibre draws it offline. */
function localStyle(style: string): string {
  return JSON.stringify({
    version: 8,
    name: `${style} (local stand-in for Amazon Location)`,
    sources: {
      streets: {
        type: 'geojson',
        data: streetGrid(),
        attribution: 'Local stand-in for Amazon Location Service',
      },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#e8e4d8' } },
      { id: 'streets', type: 'line', source: 'streets', paint: { 'line-color': '#ffffff', 'line-width': 2 } },
    ],
  });
}

function refuse(status: number, message: string): StaticMapAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  };
}

function draw(width: number, height: number, scale: number, lng: number, lat: number, zoom: number): string {
  // A few blocks of "streets" that shift with the centre, so two positions give two pictures.
  const block = 60 * scale;
  const offsetX = Math.round(Math.abs(lng * 1e4 * scale) % block);
  const offsetY = Math.round(Math.abs(lat * 1e4 * scale) % block);
  const lines: string[] = [];
  for (let x = -offsetX; x < width; x += block)
    lines.push(`<line x1="${x}" y1="0" x2="${x}" y2="${height}"/>`);
  for (let y = -offsetY; y < height; y += block)
    lines.push(`<line x1="0" y1="${y}" x2="${width}" y2="${y}"/>`);
  // Numbers only: nothing from the request reaches the SVG as text.
  const label = `${lat.toFixed(4)}, ${lng.toFixed(4)} · z${Math.round(zoom)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#5b6b4f"/>`,
    `<g stroke="#c9c2b0" stroke-width="${5 * scale}">${lines.join('')}</g>`,
    `<text x="${8 * scale}" y="${height - 8 * scale}" font-family="sans-serif" font-size="${11 * scale}" fill="#ffffff">${label} · local stand-in for Amazon Location</text>`,
    '</svg>',
  ].join('');
}

/** Creates the static map fake; `key` is the one key it accepts. */
export function createStaticMapFake(key: string = LOCAL_MAPS_KEY): StaticMapFake {
  const seen: StaticMapRequest[] = [];

  function answer(url: URL, headers: { referer?: string } = {}): StaticMapAnswer {
    const query = Object.fromEntries(url.searchParams);
    const result = STYLE_PATH.test(url.pathname) ? answerStyle(url, query) : answerOne(url, query);
    seen.push({
      path: url.pathname,
      query: { ...query, ...(query.key ? { key: '***' } : {}) },
      status: result.status,
      ...(headers.referer ? { referer: headers.referer } : {}),
    });
    if (seen.length > 1000) seen.splice(0, 100);
    return result;
  }

  function answerStyle(url: URL, query: Record<string, string>): StaticMapAnswer {
    // MapLibre fetches the style cross-origin: the real endpoint allows any origin (the key decides).
    const cors = { 'access-control-allow-origin': '*' };
    if (query.key !== key) {
      const refused = refuse(403, 'Invalid API key');
      return { ...refused, headers: { ...refused.headers, ...cors } };
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300', ...cors },
      body: localStyle(STYLE_PATH.exec(url.pathname)![1]!),
    };
  }

  function answerOne(url: URL, query: Record<string, string>): StaticMapAnswer {
    const file = PATH.exec(url.pathname)?.[1];
    if (!file) return refuse(404, 'Not found');
    if (query.key !== key) return refuse(403, 'Invalid API key');
    const [lng, lat] = (query.center ?? '').split(',').map(Number);
    if (lng === undefined || lat === undefined || !Number.isFinite(lng) || !Number.isFinite(lat)) {
      return refuse(400, 'center must be longitude,latitude');
    }
    const zoom = Number(query.zoom ?? 15);
    const width = Number(query.width);
    const height = Number(query.height);
    const scale = file === 'map@2x' ? 2 : 1;
    if (![width, height].every((size) => Number.isInteger(size) && size >= 64 && size <= 1400)) {
      return refuse(400, 'width and height must be 64 to 1400');
    }
    return {
      status: 200,
      headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=60' },
      body: draw(width * scale, height * scale, scale, lng, lat, zoom),
    };
  }

  return { answer, requests: () => structuredClone(seen) };
}
