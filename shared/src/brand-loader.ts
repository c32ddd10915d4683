import { readFile } from 'node:fs/promises';
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { type Brands, brandsFrom, requireMessagingServices } from './brands.ts';

// Apart from the catalog's schema (brands.ts) because reading it in AWS needs the SSM client: the
// domain code and tests that only look brands up load no AWS client.
let cached: Promise<Brands> | undefined;

/**
 * Loads the brand catalog once per function instance: from the file BRANDS_FILE (the local stage)
 * or else the SSM parameter BRANDS_PARAMETER (AWS stages, where every brand must send through its
 * Messaging Service). Invalid configuration fails loudly.
 */
export function loadBrands(env: Record<string, string | undefined> = process.env): Promise<Brands> {
  cached ??= (async function readBrandCatalog() {
    if (env.BRANDS_FILE) return brandsFrom(JSON.parse(await readFile(env.BRANDS_FILE, 'utf8')));
    if (!env.BRANDS_PARAMETER)
      throw new Error('Configuration error: BRANDS_FILE or BRANDS_PARAMETER must be set');
    const brands = brandsFrom(await getParameter(env.BRANDS_PARAMETER, { transform: 'json', maxAge: 300 }));
    // An AWS stage refuses a brand without its Messaging Service at the first cold start, loudly.
    return requireMessagingServices(brands, env.STAGE ?? 'local');
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
