import { loadBrands } from '@qdn/shared/brand-loader';
import { httpHandler } from '@qdn/shared/http';
import { z } from 'zod';
import { brandProfile } from '../domain/brand-profile.ts';

/** GET /brands/{brandId} (public): name, windows, service types and prices for the booking page. */
export const handler = httpHandler(
  { params: z.object({ brandId: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'unknown brand id') }) },
  async function getBrand({ params }) {
    const brands = await loadBrands();
    return {
      body: brandProfile(brands.get(params.brandId)),
      headers: { 'cache-control': 'public, max-age=300' },
    };
  },
);
