// A fake of Amazon Location's GetStaticMap (Maps API v2, `GET /v2/static/map[@2x]?center=&zoom=&width=
// &height=&key=`): a generated SVG "map" of the requested size, offline, so the tracking page and its
// browser tests never reach the internet. It checks what the real endpoint would refuse (no or a wrong
// key, a missing centre, sizes out of range) and keeps the requests it saw for tests.
/** The local stage's public maps key (what DescribeKey answers for qdn-local-site-maps). */
export const LOCAL_MAPS_KEY = 'v1.public.local-maps-key';

export interface StaticMapAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface StaticMapFake {
  /** Answers a GetStaticMap request (its path and query). */
  answer(url: URL): StaticMapAnswer;
  /** The requests answered, oldest first (path, query, status). */
  requests(): { path: string; query: Record<string, string>; status: number }[];
}

const PATH = /\/v2\/static\/(map|map@2x)$/;

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
  const seen: { path: string; query: Record<string, string>; status: number }[] = [];

  function answer(url: URL): StaticMapAnswer {
    const query = Object.fromEntries(url.searchParams);
    const result = answerOne(url, query);
    seen.push({
      path: url.pathname,
      query: { ...query, ...(query.key ? { key: '***' } : {}) },
      status: result.status,
    });
    if (seen.length > 1000) seen.splice(0, 100);
    return result;
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
