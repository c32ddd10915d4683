import { describe, expect, it } from '@jest/globals';
import {
  POSITION_SEARCH_METERS,
  placesNear,
  sanDiegoGazetteer,
  searchGazetteer,
} from '../../src/fakes/place-index.ts';

const places = sanDiegoGazetteer();
const labels = (text: string) =>
  searchGazetteer(places, text).map(({ place, relevance }) => [`${place.number} ${place.street}`, relevance]);

describe('the local place index', () => {
  it('given the gazetteer, then every place is in San Diego County with its coordinates', () => {
    expect(places.length).toBeGreaterThanOrEqual(10);
    for (const place of places) {
      expect(place.lat).toBeGreaterThan(32.5);
      expect(place.lat).toBeLessThan(33.1);
      expect(place.lng).toBeGreaterThan(-117.4);
      expect(place.lng).toBeLessThan(-116.9);
    }
  });

  it('given a known address written in different ways, then the same place, fully relevant', () => {
    expect(labels('100 Park Blvd, San Diego, CA 92101')).toEqual([['100 Park Blvd', 1]]);
    expect(labels('100 park boulevard san diego')).toEqual([['100 Park Blvd', 1]]);
    expect(labels('2920 Zoo Drive')).toEqual([['2920 Zoo Dr', 1]]);
    expect(labels('9500 Gilman Dr, La Jolla, California, USA')).toEqual([['9500 Gilman Dr', 1]]);
  });

  it('given another number, city or postal code, then no match', () => {
    expect(labels('101 Park Blvd, San Diego')).toEqual([]);
    expect(labels('100 Park Blvd, Chula Vista')).toEqual([]);
    expect(labels('100 Park Blvd, San Diego, CA 92109')).toEqual([]);
    expect(labels('Soderblom Ave, San Diego, CA')).toEqual([]);
  });

  it("given a street without a number, then a guess below the geocoder's threshold", () => {
    expect(labels('Zoo Dr, San Diego')).toEqual([['2920 Zoo Dr', 0.5]]);
  });

  it('given a position (reverse geocoding), then the nearest places first with their distance, none beyond the search radius', () => {
    // ~56 m from Petco Park (100 Park Blvd); Serra Mesa is kilometres from every gazetteer address.
    const near = placesNear(places, { lat: 32.7077, lng: -117.157 });
    expect(near[0]?.place).toMatchObject({ number: '100', street: 'Park Blvd' });
    expect(near[0]?.distance).toBeGreaterThan(45);
    expect(near[0]?.distance).toBeLessThan(65);
    expect(near.map(({ distance }) => distance)).toEqual(
      near.map(({ distance }) => distance).sort((a, b) => a - b),
    );
    expect(near.every(({ distance }) => distance <= POSITION_SEARCH_METERS)).toBe(true);
    expect(placesNear(places, { lat: 32.83003, lng: -117.14 })).toEqual([]);
  });
});
