// A fake of Amazon Location Service's place index (Places API v0, the REST/JSON protocol the SDK's
// SearchPlaceIndexForText and SearchPlaceIndexForPosition speak; and DescribeKey, for the maps key the tracking view puts in its map URL), answering from a small gazetteer of San Diego addresses checked into
// the repo (san-diego-gazetteer.json). The jobs service's geocode consumer reaches it through
// AWS_ENDPOINT_URL_LOCATION with its SDK client unchanged. Requests are recorded and faults injected
// like the other fakes (http-fake.ts).
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonApiFake, JsonResult } from './http-fake.ts';
import { createJsonApiFake } from './http-fake.ts';

/** One address the local place index knows. */
export interface GazetteerPlace {
  number: string;
  street: string;
  municipality: string;
  postalCode: string;
  lat: number;
  lng: number;
}

/** The gazetteer checked into the repo. */
export function sanDiegoGazetteer(): GazetteerPlace[] {
  const file = new URL('./san-diego-gazetteer.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { places: GazetteerPlace[] }).places;
}

export interface PlaceIndexFakeOptions {
  /** The only index it serves (`qdn-local-places`); any other name is a ResourceNotFoundException. */
  indexName: string;
  places?: readonly GazetteerPlace[];
  /** Keeps requests in this JSON file across restarts (the local cloud's data dir). */
  recordsFile?: string;
  /** API keys DescribeKey knows, by name → value (the site stack's maps key). */
  apiKeys?: Record<string, string>;
}

// The words an address is written with, reduced to one spelling each ("Street" and "St." alike).
const SPELLINGS: Record<string, string> = {
  street: 'st',
  avenue: 'ave',
  av: 'ave',
  drive: 'dr',
  boulevard: 'blvd',
  road: 'rd',
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  place: 'pl',
  court: 'ct',
  lane: 'ln',
};
// What may follow the street in a text without changing the place: the state, the country.
const REGION_WORDS = new Set(['ca', 'california', 'usa', 'us', 'united', 'states']);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9\s]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => SPELLINGS[word] ?? word);
}

/**
 * The places the text names, best first, with Amazon Location's Relevance: 1 for the number and street
 * (the city and postal code, when given, must be the place's); 0.5 for the street alone (a guess, as
 * a real index answers with the street's middle).
 */
export function searchGazetteer(
  places: readonly GazetteerPlace[],
  text: string,
): { place: GazetteerPlace; relevance: number }[] {
  const query = words(text);
  const results: { place: GazetteerPlace; relevance: number }[] = [];
  for (const place of places) {
    const city = words(place.municipality);
    const rest = [...query];
    // Take the city and postal code out wherever they are; any other word left over means another place.
    for (let index = 0; index + city.length <= rest.length; index++) {
      if (city.every((word, offset) => rest[index + offset] === word)) rest.splice(index, city.length);
    }
    const remaining = rest.filter((word) => word !== place.postalCode && !REGION_WORDS.has(word));
    const street = words(place.street);
    if (remaining.join(' ') === [place.number, ...street].join(' ')) results.push({ place, relevance: 1 });
    else if (
      remaining.join(' ') === street.join(' ') &&
      !results.some((r) => r.place.street === place.street)
    )
      results.push({ place, relevance: 0.5 });
  }
  return results.sort((a, b) => b.relevance - a.relevance);
}

function placeOf(place: GazetteerPlace) {
  return {
    Label: `${place.number} ${place.street}, ${place.municipality}, CA, ${place.postalCode}, USA`,
    Geometry: { Point: [place.lng, place.lat] },
    AddressNumber: place.number,
    Street: place.street,
    Municipality: place.municipality,
    Region: 'California',
    Country: 'USA',
    PostalCode: place.postalCode,
    Interpolated: false,
    TimeZone: { Name: 'America/Los_Angeles', Offset: -28800 },
  };
}

const EARTH_RADIUS_METERS = 6_371_000;

/** Great-circle distance in metres (haversine), as the index reports a result's Distance. */
function metersBetween(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const h =
    Math.sin(radians(b.lat - a.lat) / 2) ** 2 +
    Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(radians(b.lng - a.lng) / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.sqrt(h));
}

/**
 * How far from a point the fake looks for an address. A real index answers with the nearest place it
 * knows, near or not (the caller decides what is near enough); the gazetteer is a dozen addresses, so
 * a point farther than this from all of them (the bay, another town) gets no result, as a real index
 * does off its coverage.
 */
export const POSITION_SEARCH_METERS = 2_000;

/** The gazetteer's places nearest a point, nearest first, with their distance (metres). */
export function placesNear(
  places: readonly GazetteerPlace[],
  position: { lat: number; lng: number },
): { place: GazetteerPlace; distance: number }[] {
  return places
    .map((place) => ({ place, distance: metersBetween(position, place) }))
    .filter(({ distance }) => distance <= POSITION_SEARCH_METERS)
    .sort((a, b) => a.distance - b.distance);
}

/** An AWS REST/JSON error: the SDK reads its type from the body's `__type` (or x-amzn-errortype). */
function awsError(status: number, type: string, message: string): JsonResult {
  return { status, body: { __type: type, message } };
}

/** Both searches' `MaxResults` (1–50, default 50), or undefined when it is out of range. */
function maxResultsOf(request: { MaxResults?: unknown }): number | undefined {
  const maxResults = request.MaxResults ?? 50;
  return typeof maxResults === 'number' && Number.isInteger(maxResults) && maxResults >= 1 && maxResults <= 50
    ? maxResults
    : undefined;
}

/** Creates the place index fake: `POST /places/v0/indexes/{IndexName}/search/text`. */
export function createPlaceIndexFake(options: PlaceIndexFakeOptions): JsonApiFake {
  const places = options.places ?? sanDiegoGazetteer();

  function searchText({ params, body }: { params: string[]; body: unknown }): JsonResult {
    if (params[0] !== options.indexName) {
      return awsError(404, 'ResourceNotFoundException', `Place index ${params[0]} not found`);
    }
    const request = (body ?? {}) as { Text?: unknown; MaxResults?: unknown; FilterCountries?: unknown };
    if (typeof request.Text !== 'string' || request.Text.length < 1 || request.Text.length > 200) {
      return awsError(400, 'ValidationException', 'Text must be 1 to 200 characters');
    }
    const maxResults = maxResultsOf(request);
    if (maxResults === undefined) return awsError(400, 'ValidationException', 'MaxResults must be 1 to 50');
    const countries = Array.isArray(request.FilterCountries) ? request.FilterCountries : undefined;
    const found = countries && !countries.includes('USA') ? [] : searchGazetteer(places, request.Text);
    return {
      status: 200,
      body: {
        Summary: {
          Text: request.Text,
          MaxResults: maxResults,
          DataSource: 'Esri',
          ...(countries ? { FilterCountries: countries } : {}),
        },
        Results: found.slice(0, maxResults).map(({ place, relevance }) => ({
          Place: placeOf(place),
          Relevance: relevance,
          PlaceId: `local-${place.postalCode}-${place.number}`,
        })),
      },
    };
  }

  // SearchPlaceIndexForPosition (`POST /places/v0/indexes/{IndexName}/search/position`): reverse
  // geocoding, `Position` as [longitude, latitude]; each result with its Distance in metres.
  function searchPosition({ params, body }: { params: string[]; body: unknown }): JsonResult {
    if (params[0] !== options.indexName) {
      return awsError(404, 'ResourceNotFoundException', `Place index ${params[0]} not found`);
    }
    const request = (body ?? {}) as { Position?: unknown; MaxResults?: unknown; Language?: unknown };
    const position = request.Position;
    if (
      !Array.isArray(position) ||
      position.length !== 2 ||
      !position.every((value) => typeof value === 'number' && Number.isFinite(value)) ||
      Math.abs(position[0]) > 180 ||
      Math.abs(position[1]) > 90
    ) {
      return awsError(400, 'ValidationException', 'Position must be [longitude, latitude]');
    }
    const maxResults = maxResultsOf(request);
    if (maxResults === undefined) return awsError(400, 'ValidationException', 'MaxResults must be 1 to 50');
    const [lng, lat] = position as [number, number];
    return {
      status: 200,
      body: {
        Summary: {
          Position: position,
          MaxResults: maxResults,
          DataSource: 'Esri',
          ...(typeof request.Language === 'string' ? { Language: request.Language } : {}),
        },
        Results: placesNear(places, { lat, lng })
          .slice(0, maxResults)
          .map(({ place, distance }) => ({
            Place: placeOf(place),
            Distance: distance,
            PlaceId: `local-${place.postalCode}-${place.number}`,
          })),
      },
    };
  }

  // DescribeKey (`GET /metadata/v0/keys/{KeyName}`): how the tracking view learns the maps key's value.
  function describeKey({ params }: { params: string[] }): JsonResult {
    const name = params[0] ?? '';
    const value = options.apiKeys?.[name];
    if (value === undefined) return awsError(404, 'ResourceNotFoundException', `API key ${name} not found`);
    const created = '2026-01-01T00:00:00.000Z';
    return {
      status: 200,
      body: {
        Key: value,
        KeyArn: `arn:aws:geo:us-west-2:000000000000:api-key/${name}`,
        KeyName: name,
        Restrictions: {
          AllowActions: ['geo-maps:GetStaticMap', 'geo-maps:GetTile'],
          AllowResources: ['arn:aws:geo-maps:us-west-2::provider/default'],
        },
        CreateTime: created,
        ExpireTime: '2100-01-01T00:00:00.000Z',
        UpdateTime: created,
      },
    };
  }

  return createJsonApiFake({
    // A signed request, as from the SDK (the signature itself is not checked locally).
    isAuthorized: (headers: IncomingHttpHeaders) =>
      String(headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '),
    unauthorized: awsError(403, 'AccessDeniedException', 'Missing Authentication Token'),
    routes: [
      { method: 'POST', path: /\/places\/v0\/indexes\/([^/]+)\/search\/text$/, run: searchText },
      { method: 'POST', path: /\/places\/v0\/indexes\/([^/]+)\/search\/position$/, run: searchPosition },
      { method: 'GET', path: /\/metadata\/v0\/keys\/([^/]+)$/, run: describeKey },
    ],
    onClear: () => undefined,
    ...(options.recordsFile
      ? { records: { file: options.recordsFile, save: () => null, restore: () => undefined } }
      : {}),
  });
}
