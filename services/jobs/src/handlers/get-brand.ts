import { loadBrands } from '@qdn/shared/brand-loader';
import { httpHandler } from '@qdn/shared/http';
import { brandProfile } from '../domain/brand-profile.ts';
import { BrandParams } from '../domain/job-input.ts';

/** GET /brands/{brandId} (public): name, windows, service types and prices for the booking page. */
export const handler = httpHandler({ params: BrandParams }, async function getBrand({ params }) {
  const brands = await loadBrands();
  return {
    body: brandProfile(brands.get(params.brandId)),
    headers: { 'cache-control': 'public, max-age=300' },
  };
});
