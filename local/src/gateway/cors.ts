// API-level CORS as an HTTP API applies it: the gateway answers preflights itself and decorates actual
// responses, replacing whatever CORS headers the function set. Configured the way serverless declares it.

import { canonicalRouteKey, ROUTE_METHODS } from './routes.ts';

/** `provider.httpApi.cors` as serverless accepts it (object form). */
export interface ServerlessHttpApiCors {
  allowedOrigins?: readonly string[];
  allowedHeaders?: readonly string[];
  allowedMethods?: readonly string[];
  allowCredentials?: boolean;
  exposedResponseHeaders?: readonly string[];
  maxAge?: number;
}

/** The API's CORS configuration as API Gateway holds it (what serverless compiles `cors` into). */
export interface CorsConfiguration {
  allowOrigins: readonly string[];
  allowHeaders: readonly string[];
  allowMethods: readonly string[];
  allowCredentials: boolean;
  exposeHeaders: readonly string[];
  maxAge: number | undefined;
}

// serverless's defaults for `cors: true` and for the fields an object leaves out.
const DEFAULT_ORIGINS = ['*'];
const DEFAULT_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
];

/**
 * Resolves `provider.httpApi.cors` the way serverless compiles it into `CorsConfiguration`: `true` means
 * all origins, serverless's default header list, and the methods of the API's routes plus OPTIONS; an
 * object without `allowedMethods` gets those route methods too. Credentials with a `*` origin are
 * rejected, as API Gateway rejects that configuration.
 * @see https://www.serverless.com/framework/docs/providers/aws/events/http-api#cors-setup
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 */
export function resolveCorsConfiguration(
  cors: boolean | ServerlessHttpApiCors | undefined,
  routeKeys: readonly string[],
): CorsConfiguration | undefined {
  if (cors === undefined || cors === false) return undefined;
  const declared: ServerlessHttpApiCors = cors === true ? {} : cors;
  const configuration: CorsConfiguration = {
    allowOrigins: unique(declared.allowedOrigins ?? DEFAULT_ORIGINS),
    allowHeaders: unique(declared.allowedHeaders ?? DEFAULT_HEADERS),
    allowMethods: unique(declared.allowedMethods ?? methodsOfRoutes(routeKeys)),
    allowCredentials: declared.allowCredentials === true,
    exposeHeaders: unique(declared.exposedResponseHeaders ?? []),
    maxAge: declared.maxAge,
  };
  if (configuration.allowCredentials && configuration.allowOrigins.includes('*')) {
    throw new Error('CORS: allowCredentials cannot be combined with the origin *');
  }
  return configuration;
}

/**
 * A CORS preflight: OPTIONS carrying `Origin` and `Access-Control-Request-Method`. With CORS configured,
 * API Gateway answers these itself, whether or not an OPTIONS route exists, and invokes nothing.
 */
export function isPreflight(
  method: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  return (
    method?.toUpperCase() === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

/**
 * Headers of the preflight answer (a 204). An origin that is not allowed gets none, so the browser refuses
 * the actual request.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
 */
export function preflightHeaders(
  configuration: CorsConfiguration,
  origin: string | undefined,
): Record<string, string> {
  const headers = allowOriginHeaders(configuration, origin);
  if (!headers) return {};
  if (configuration.allowMethods.length > 0) {
    headers['access-control-allow-methods'] = configuration.allowMethods.join(',');
  }
  if (configuration.allowHeaders.length > 0) {
    headers['access-control-allow-headers'] = configuration.allowHeaders.join(',');
  }
  if (configuration.maxAge !== undefined) headers['access-control-max-age'] = String(configuration.maxAge);
  return headers;
}

/** Headers added to an actual response when the request came from an allowed origin. */
export function responseCorsHeaders(
  configuration: CorsConfiguration,
  origin: string | undefined,
): Record<string, string> {
  const headers = allowOriginHeaders(configuration, origin);
  if (!headers) return {};
  if (configuration.exposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = configuration.exposeHeaders.join(',');
  }
  return headers;
}

/** A function's own `access-control-*` headers, removed: with CORS configured, API Gateway ignores them. */
export function withoutCorsHeaders<T>(headers: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')),
  );
}

function allowOriginHeaders(
  configuration: CorsConfiguration,
  origin: string | undefined,
): Record<string, string> | undefined {
  if (!origin) return undefined;
  const exact = configuration.allowOrigins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase());
  if (!exact && !configuration.allowOrigins.includes('*')) return undefined;
  const headers: Record<string, string> = { 'access-control-allow-origin': exact ? origin : '*' };
  // An echoed origin makes the answer depend on the request's Origin; caches must know.
  if (exact) headers.vary = 'origin';
  if (configuration.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}

// serverless fills missing methods from the routes: an ANY (or catch-all) route adds every method.
function methodsOfRoutes(routeKeys: readonly string[]): string[] {
  const methods = new Set(['OPTIONS']);
  for (const key of routeKeys) {
    const canonical = canonicalRouteKey(key);
    const method = canonical === '$default' ? 'ANY' : canonical.split(' ', 1)[0]!;
    if (method === 'ANY') for (const each of ROUTE_METHODS) if (each !== 'ANY') methods.add(each);
    if (method !== 'ANY') methods.add(method);
  }
  return [...methods];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
