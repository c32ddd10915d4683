import { type LocationClient, SearchPlaceIndexForTextCommand } from '@aws-sdk/client-location';
import type { PlaceCandidate, PlaceIndex } from '../domain/geocoding.ts';

/**
 * A place index of Amazon Location Service (the jobs stack's, `IntendedUse: Storage` because the
 * coordinates are kept on the job). Locally the local cloud's place index answers from its gazetteer.
 *
 * @see https://docs.aws.amazon.com/location/latest/APIReference/API_SearchPlaceIndexForText.html
 */
export class AmazonLocationPlaceIndex implements PlaceIndex {
  readonly #client: LocationClient;
  readonly #indexName: string;
  readonly #countries: string[];

  constructor(client: LocationClient, indexName: string, countries: readonly string[]) {
    this.#client = client;
    this.#indexName = indexName;
    this.#countries = [...countries];
  }

  async search(text: string): Promise<PlaceCandidate[]> {
    const { Results = [] } = await this.#client.send(
      new SearchPlaceIndexForTextCommand({
        IndexName: this.#indexName,
        Text: text,
        // A handful: the best is picked by relevance, and a second close one says the text is ambiguous.
        MaxResults: 3,
        ...(this.#countries.length > 0 ? { FilterCountries: this.#countries } : {}),
      }),
    );
    return Results.flatMap((result) => {
      // Amazon Location's points are [longitude, latitude].
      const [lng, lat] = result.Place?.Geometry?.Point ?? [];
      if (lng === undefined || lat === undefined) return [];
      return [{ lat, lng, label: result.Place?.Label ?? '', relevance: result.Relevance ?? 0 }];
    });
  }
}
