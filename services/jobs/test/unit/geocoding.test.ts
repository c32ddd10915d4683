import { describe, expect, it } from '@jest/globals';
import { isTransient } from '@qdn/shared/errors';
import {
  AddressNotFoundError,
  bestCandidate,
  GEOCODER_ACTOR,
  type GeocodedAddress,
  geocodeJobAddress,
  MIN_RELEVANCE,
  needsGeocoding,
  type PlaceCandidate,
  type UnplacedAddress,
} from '../../src/domain/geocoding.ts';

const NOW = new Date('2026-12-04T18:00:00.000Z');
const PETCO: PlaceCandidate = {
  lat: 32.70731,
  lng: -117.15662,
  label: '100 Park Blvd, San Diego, CA, 92101, USA',
  relevance: 1,
};
const job = (address: { text: string; lat?: number; lng?: number; notFound?: true }) => ({
  jobId: 'qdn_01JGEO',
  address,
});

/** A place index answering `candidates` (or throwing `error`) and a store that keeps what it is given. */
function given(candidates: PlaceCandidate[] | Error, stores = true) {
  const searched: string[] = [];
  const stored: { jobId: string; address: GeocodedAddress; by: string }[] = [];
  const unplaced: { jobId: string; address: UnplacedAddress; by: string }[] = [];
  const context = {
    places: {
      async search(text: string) {
        searched.push(text);
        if (candidates instanceof Error) throw candidates;
        return candidates;
      },
    },
    store: {
      async recordGeocode(jobId: string, address: GeocodedAddress, by: string) {
        stored.push({ jobId, address, by });
        return stores;
      },
      async recordNotFound(jobId: string, address: UnplacedAddress, by: string) {
        unplaced.push({ jobId, address, by });
        return stores;
      },
    },
    now: () => NOW,
  };
  return { context, searched, stored, unplaced };
}

describe('needsGeocoding', () => {
  it('given an address without coordinates, then yes; with both, or without text, then no', () => {
    expect(needsGeocoding({ text: '100 Park Blvd' })).toBe(true);
    expect(needsGeocoding({ text: '100 Park Blvd', lat: 32.7 })).toBe(true);
    expect(needsGeocoding({ text: '100 Park Blvd', lat: 32.7, lng: -117.1 })).toBe(false);
    expect(needsGeocoding({ text: '   ' })).toBe(false);
  });
});

describe('bestCandidate', () => {
  it('given candidates in any order, then the most relevant', () => {
    const street = { ...PETCO, label: 'Park Blvd, San Diego', relevance: 0.5 };
    expect(bestCandidate([street, PETCO])).toEqual(PETCO);
  });

  it('given none, or only guesses below the threshold, then AddressNotFoundError, a permanent outcome', () => {
    const guess = { ...PETCO, relevance: MIN_RELEVANCE - 0.01 };
    expect(() => bestCandidate([])).toThrow(AddressNotFoundError);
    expect(() => bestCandidate([guess])).toThrow(/below 0.8/);
    let thrown: unknown;
    try {
      bestCandidate([]);
    } catch (error) {
      thrown = error;
    }
    expect(isTransient(thrown)).toBe(false);
  });
});

describe('geocodeJobAddress', () => {
  it('given a web booking with an address only, then its coordinates are stored for that text', async () => {
    // Prepare
    const { context, searched, stored } = given([PETCO]);

    // Act
    const outcome = await geocodeJobAddress(context, job({ text: '100 Park Blvd, San Diego' }));

    // Assess
    expect(outcome).toBe('stored');
    expect(searched).toEqual(['100 Park Blvd, San Diego']);
    expect(stored).toEqual([
      {
        jobId: 'qdn_01JGEO',
        by: GEOCODER_ACTOR,
        address: {
          text: '100 Park Blvd, San Diego',
          lat: PETCO.lat,
          lng: PETCO.lng,
          label: PETCO.label,
          relevance: 1,
          geocodedAt: NOW.toISOString(),
        },
      },
    ]);
  });

  it('given an address that has coordinates, then the place index is not asked', async () => {
    const { context, searched, stored } = given([PETCO]);
    const outcome = await geocodeJobAddress(context, job({ text: 'Dock C', lat: 32.71, lng: -117.17 }));
    expect(outcome).toBe('not-needed');
    expect(searched).toEqual([]);
    expect(stored).toEqual([]);
  });

  it('given the address changed before the write, then superseded and nothing else', async () => {
    const { context } = given([PETCO], false);
    expect(await geocodeJobAddress(context, job({ text: '100 Park Blvd' }))).toBe('superseded');
  });

  it('given an unknown address, then recorded on the job as not found (why, when), no coordinates', async () => {
    const { context, stored, unplaced } = given([{ ...PETCO, relevance: 0.4 }]);
    expect(await geocodeJobAddress(context, job({ text: '1 Nowhere Ln' }))).toBe('not-found');
    expect(stored).toEqual([]);
    expect(unplaced).toEqual([
      {
        jobId: 'qdn_01JGEO',
        by: GEOCODER_ACTOR,
        address: {
          text: '1 Nowhere Ln',
          reason: "The place index's best match (relevance 0.4) is below 0.8",
          at: NOW.toISOString(),
        },
      },
    ]);
  });

  it('given an address already found unplaceable, then the place index is not asked again', async () => {
    const { context, searched, unplaced } = given([]);
    expect(await geocodeJobAddress(context, job({ text: '1 Nowhere Ln', notFound: true }))).toBe(
      'not-needed',
    );
    expect(searched).toEqual([]);
    expect(unplaced).toEqual([]);
  });

  it('given an unknown address whose text changed before the write, then superseded', async () => {
    const { context } = given([], false);
    expect(await geocodeJobAddress(context, job({ text: '1 Nowhere Ln' }))).toBe('superseded');
  });

  it('given the place index failing (throttled), then the error goes up for the queue to retry', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    const { context, stored } = given(throttled);
    await expect(geocodeJobAddress(context, job({ text: '100 Park Blvd' }))).rejects.toBe(throttled);
    expect(isTransient(throttled)).toBe(true);
    expect(stored).toEqual([]);
  });
});
