import { PermanentError } from '@qdn/shared/errors';

/**
 * Geocoding a job's address (issue 19, "arrival for web bookings"): "arriving now" compares a driver's
 * points with the job's coordinates, and a web booking arrives with an address only. The jobs service
 * geocodes it from its own JobCreated / JobDetailsChanged events, so a slow or failing place index
 * never holds up a booking.
 */

/** One candidate a place index returned for an address. */
export interface PlaceCandidate {
  lat: number;
  lng: number;
  /** The place as the index names it (`100 Park Blvd, San Diego, CA, 92101, USA`). */
  label: string;
  /** 0–1: how well the candidate matches the text (Amazon Location's `Relevance`). */
  relevance: number;
}

/** Searches a place index for an address's text. */
export interface PlaceIndex {
  search(text: string): Promise<PlaceCandidate[]>;
}

/** Where the job stores the coordinates, and which text they were found for. */
export interface GeocodedAddress {
  text: string;
  lat: number;
  lng: number;
  /** The index's name for the place, shown to staff so a wrong match is easy to see. */
  label: string;
  relevance: number;
  geocodedAt: string;
}

/** What the geocoder records on a job whose address text it could not place. */
export interface UnplacedAddress {
  text: string;
  reason: string;
  at: string;
}

/**
 * Stores the geocoder's outcome on the job while its address is still the text looked up and has no
 * coordinates. Each returns false when the address has changed or has coordinates by now (nothing is
 * overwritten).
 */
export interface GeocodeStore {
  recordGeocode(jobId: string, address: GeocodedAddress, by: string): Promise<boolean>;
  /** On the job, where its dispatcher sees it: the address can't be placed, so no "arriving now". */
  recordNotFound(jobId: string, address: UnplacedAddress, by: string): Promise<boolean>;
}

/**
 * Below this the first candidate is a guess (a street without a number, a town's centre): an arrival
 * text sent 150 m from the wrong point is worse than none, so the job keeps no coordinates.
 */
export const MIN_RELEVANCE = 0.8;

/** Who the job's history names for the write. */
export const GEOCODER_ACTOR = 'geocoder';

/** The address has text and no coordinates yet (a dispatcher's own coordinates are never replaced). */
export function needsGeocoding(address: {
  text: string;
  lat?: number | undefined;
  lng?: number | undefined;
}) {
  return address.text.trim() !== '' && (address.lat === undefined || address.lng === undefined);
}

/** The address isn't in the place index (or only as a guess): recorded as the outcome, not retried. */
export class AddressNotFoundError extends PermanentError {
  override name = 'AddressNotFoundError';
}

/** The candidate to keep for an address, or AddressNotFoundError when none is good enough. */
export function bestCandidate(candidates: readonly PlaceCandidate[]): PlaceCandidate {
  const best = candidates.toSorted((a, b) => b.relevance - a.relevance)[0];
  if (!best || best.relevance < MIN_RELEVANCE) {
    throw new AddressNotFoundError(
      best
        ? `The place index's best match (relevance ${best.relevance}) is below ${MIN_RELEVANCE}`
        : 'The place index knows no such address',
    );
  }
  return best;
}

/**
 * Geocodes a job's address as its event carried it. `'stored'` when the coordinates were written;
 * `'not-found'` when the place index can't place the text (recorded on the job, where the dispatcher
 * sees that "arriving now" won't fire, and not asked again for that text: a permanent outcome);
 * `'not-needed'` when the address already has coordinates or was found unplaceable before;
 * `'superseded'` when the job's address moved on or got coordinates meanwhile (its own event geocodes
 * the new text). A place index that fails otherwise throws as is, so the queue retries it.
 */
export async function geocodeJobAddress(
  context: { places: PlaceIndex; store: GeocodeStore; now: () => Date },
  job: {
    jobId: string;
    address: {
      text: string;
      lat?: number | undefined;
      lng?: number | undefined;
      notFound?: true | undefined;
    };
  },
): Promise<'stored' | 'not-found' | 'not-needed' | 'superseded'> {
  if (!needsGeocoding(job.address) || job.address.notFound) return 'not-needed';
  let found: PlaceCandidate;
  try {
    found = bestCandidate(await context.places.search(job.address.text));
  } catch (error) {
    if (!(error instanceof AddressNotFoundError)) throw error;
    const recorded = await context.store.recordNotFound(
      job.jobId,
      { text: job.address.text, reason: error.message, at: context.now().toISOString() },
      GEOCODER_ACTOR,
    );
    return recorded ? 'not-found' : 'superseded';
  }
  const stored = await context.store.recordGeocode(
    job.jobId,
    {
      text: job.address.text,
      lat: found.lat,
      lng: found.lng,
      label: found.label,
      relevance: found.relevance,
      geocodedAt: context.now().toISOString(),
    },
    GEOCODER_ACTOR,
  );
  return stored ? 'stored' : 'superseded';
}
