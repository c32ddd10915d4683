import { type LocationClient, SearchPlaceIndexForPositionCommand } from '@aws-sdk/client-location';
import type { NearbyAddress, PlaceFinder } from '../domain/ports.ts';

/**
 * Reverse geocoding through the jobs stack's place index of Amazon Location Service (`IntendedUse:
 * Storage`; the media stack knows it by its name, `qdn-<stage>-places`). Locally the local cloud's place
 * index answers from its gazetteer.
 *
 * @see https://docs.aws.amazon.com/location/latest/APIReference/API_SearchPlaceIndexForPosition.html
 */
export class AmazonLocationPlaceFinder implements PlaceFinder {
  readonly #client: LocationClient;
  readonly #indexName: string;

  constructor(client: LocationClient, indexName: string) {
    this.#client = client;
    this.#indexName = indexName;
  }

  async nearest(position: { lat: number; lng: number }): Promise<NearbyAddress | undefined> {
    const { Results = [] } = await this.#client.send(
      new SearchPlaceIndexForPositionCommand({
        IndexName: this.#indexName,
        // Amazon Location's points are [longitude, latitude].
        Position: [position.lng, position.lat],
        MaxResults: 1,
        Language: 'en',
      }),
    );
    const [best] = Results;
    const place = best?.Place;
    if (!place || best.Distance === undefined) return undefined;
    // What a customer says: "100 Park Blvd, San Diego", not the index's full label with state, ZIP and
    // country (the label is the fallback when the place has no street address).
    const street = [place.AddressNumber, place.Street].filter(Boolean).join(' ');
    const label = street
      ? [street, place.Municipality].filter(Boolean).join(', ')
      : (place.Label ?? '').replace(/, USA$/, '');
    return label ? { label, distanceMeters: best.Distance } : undefined;
  }
}
