import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import { charterQuote } from '../../services/jobs/src/domain/quote.ts';

// The booking page quotes a charter before anything is sent (services/site/public/js/booking-rules.js)
// and the jobs API quotes it again when it is booked (services/jobs/src/domain/quote.ts): the two must
// agree to the cent. Here, outside both services, since neither may import the other.
const rules = await import(new URL('../../services/site/public/js/booking-rules.js', import.meta.url).href);

describe('the charter quote on the booking page and in the jobs API', () => {
  it('quotes every length and party size of the local brands’ charters exactly as the API does', () => {
    for (const brandId of ['jada', 'queen-of-san-diego']) {
      const offer = testBrands.get(brandId).serviceTypes.find((candidate) => candidate.charter)!;
      for (const durationMinutes of offer.charter!.durationsMinutes) {
        for (let guestCount = 1; guestCount <= offer.charter!.capacity; guestCount++) {
          const page = rules.quoteFor(testBrands.get(brandId), 'charter', '2027-03-12', '', {
            durationMinutes: String(durationMinutes),
            guestCount: String(guestCount),
          });
          const api = charterQuote(
            { priceCents: offer.priceCents, charter: offer.charter! },
            { durationMinutes, guestCount },
          );
          expect(page.totalCents).toBe(api.totalCents);
        }
      }
    }
  });
});
